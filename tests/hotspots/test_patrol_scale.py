"""Patrol-scale hotspots: large significant areas are split around their peaks into places one
officer covers on foot in one visit, each keeping the hotspot area it came from."""

import numpy as np
import pytest
from scipy import ndimage

from hotspots.analysis import Grid, max_cells_for, patrol_hotspots, split_area
from hotspots.analysis.clusters import QUEEN
from hotspots.analysis.labels import Place, locality_of, street_of, unique_labels
from hotspots.analysis.methods import METHODS, MethodOptions, find_hotspots


def town_centre(seed: int = 3) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """A 12 x 14 block of selected cells (a 'town centre') holding three planted peaks on a
    low background, in a 20 x 20 grid."""
    rng = np.random.default_rng(seed)
    counts = np.zeros((20, 20))
    selected = np.zeros((20, 20), bool)
    selected[3:15, 2:16] = True
    counts[3:15, 2:16] = rng.poisson(2.0, (12, 14))
    peaks = [(5, 4), (12, 13), (9, 8)]
    for height, (r, c) in zip((90, 70, 50), peaks, strict=True):
        counts[r, c] += height
        counts[r - 1 : r + 2, c - 1 : c + 2] += height // 5
    return selected, counts, peaks


def test_max_cells_for_the_patrol_area() -> None:
    assert max_cells_for(100_000, 150) == 4  # 0.09 km²
    assert max_cells_for(100_000, 100) == 10
    assert max_cells_for(100_000, 250) == 1  # 0.0625 km²
    assert max_cells_for(100_000, 400) == 1  # a cell larger than the limit is still a place
    assert max_cells_for(None, 150) is None


def test_large_area_is_split_into_compact_pieces_around_its_peaks() -> None:
    selected, counts, peaks = town_centre()
    chosen = patrol_hotspots(selected, counts, min_incidents=1, max_cells=4)
    nx = counts.shape[1]
    seen: set[int] = set()
    for hotspot in chosen.hotspots:
        cells = hotspot.cells.tolist()
        assert 1 <= len(cells) <= 4
        assert not seen & set(cells), "hotspots overlap"
        seen |= set(cells)
        assert selected.ravel()[cells].all()
        rows, cols = np.divmod(hotspot.cells, nx)
        # Compact: within the 3 x 3 block around its seed, never a snake of cells.
        assert rows.max() - rows.min() <= 2 and cols.max() - cols.min() <= 2
        piece = np.zeros_like(selected)
        piece.ravel()[cells] = True
        assert ndimage.label(piece, structure=QUEEN)[1] == 1, "a piece must be contiguous"
        assert hotspot.count == counts.ravel()[cells].sum()
    # The three planted peaks lead the ranking, highest first.
    top_cells = [set(h.cells.tolist()) for h in chosen.hotspots[:3]]
    assert [r * nx + c in cells for (r, c), cells in zip(peaks, top_cells, strict=True)] == [
        True, True, True,
    ]  # fmt: skip
    # One hotspot area: the whole block, kept as context.
    assert len(chosen.areas) == 1 and {h.area for h in chosen.hotspots} == {1}
    assert chosen.areas[0].n_cells == selected.sum()
    assert chosen.areas[0].count == counts[selected].sum()


def test_splitting_is_deterministic_and_small_areas_are_kept_whole() -> None:
    selected, counts, _ = town_centre()
    selected[17:19, 17:19] = True  # a separate 4-cell group: kept as it is
    counts[17:19, 17:19] = 6
    first = patrol_hotspots(selected, counts, min_incidents=1, max_cells=4)
    again = patrol_hotspots(selected.copy(), counts.copy(), min_incidents=1, max_cells=4)
    assert [h.cells.tolist() for h in first.hotspots] == [h.cells.tolist() for h in again.hotspots]
    small = [h for h in first.hotspots if h.cells.tolist() == [357, 358, 377, 378]]
    assert len(small) == 1 and small[0].count == 24
    assert len(first.areas) == 2
    unsplit = patrol_hotspots(selected, counts, min_incidents=1, max_cells=None)
    assert len(unsplit.hotspots) == 2 and unsplit.hotspots[0].n_cells == 12 * 14


def test_a_street_of_cells_is_cut_into_short_pieces_not_one_snake() -> None:
    nx = 40
    cells = np.arange(5, 35, dtype=np.intp) + 10 * nx  # a 30-cell straight street
    harm = np.zeros(40 * nx)
    harm[cells] = np.linspace(10, 40, cells.size)
    pieces = split_area(cells, nx, harm, harm.copy(), max_cells=4)
    assert sorted(np.concatenate(pieces).tolist()) == cells.tolist()
    assert all(1 <= p.size <= 3 and p.max() - p.min() == p.size - 1 for p in pieces)


def test_cells_without_incidents_never_seed_or_join_a_piece() -> None:
    selected, counts, _ = town_centre()
    counts[selected] = 0
    counts[6, 6] = 30
    chosen = patrol_hotspots(selected, counts, min_incidents=1, max_cells=4)
    assert [h.cells.tolist() for h in chosen.hotspots] == [[6 * 20 + 6]]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_returns_patrol_scale_hotspots(method: str) -> None:
    rng = np.random.default_rng(11)
    # A dense 1.5 km town centre over a sparse county, 150 m cells.
    centre = rng.normal(0, 500, (6_000, 2)) + 30_000
    background = rng.uniform(0, 60_000, (6_000, 2))
    xy = np.vstack([centre, background]).round(-1)  # stacked on shared points
    grid = Grid.covering(xy[:, 0], xy[:, 1], 150)
    options = MethodOptions(min_samples=25, min_cluster_size=40, eps_m=120)
    result = find_hotspots(method, grid, xy[:, 0], xy[:, 1], options=options)
    assert result.hotspots, method
    assert max(h.n_cells for h in result.hotspots) * grid.cell_area_m2 <= 100_000
    assert {h.area for h in result.hotspots} <= {a.number for a in result.areas}
    for hotspot in result.hotspots:
        area = result.areas[hotspot.area - 1]
        assert set(hotspot.cells.tolist()) <= set(area.cells.tolist())
    # The method's hot mask (PAI, comparison) is the patrol-scale hotspots, not the areas.
    assert result.hot_mask.sum() == sum(h.n_cells for h in result.hotspots)


def test_labels_name_the_street_and_the_town_and_are_unique() -> None:
    assert locality_of("Chesterfield 012A") == "Chesterfield"
    assert locality_of("North East Derbyshire 003C") == "North East Derbyshire"
    assert locality_of("Amber Valley") == "Amber Valley"  # a district from a force export
    assert street_of("On or near Market Place") == "Market Place"
    assert street_of("No Location") == ""

    def place(streets, towns, x, y):
        return Place.from_rows(
            [f"On or near {s}" for s in streets], [f"{t} 001A" for t in towns], x, y
        )

    places = [
        place(["High Street"] * 5 + ["Supermarket"] * 9, ["Derby"], 0, 0),
        place(["High Street"] * 3 + ["Iron Gate"], ["Derby"], 0, 500),
        place(["High Street"] * 3 + ["Corn Market"], ["Derby"], 0, 900),
        place(["High Street"], ["Buxton", "Buxton", "High Peak"], 0, 0),
        place(["High Street"], ["Buxton"], 0, 0),
        place(["Supermarket"], [], 10, 10),
        place([], [], 0, 0),
        place(["Market Place"], ["Derby"], 0, 0),
        place(["Market Place"], ["Derby"], 0, 400),
    ]
    labels = unique_labels(places)
    assert labels[0] == "High Street / Supermarket, Derby"  # a street before a generic place
    assert labels[1:3] == ["High Street / Iron Gate, Derby", "High Street / Corn Market, Derby"]
    assert labels[3].startswith("High Street, Buxton") and labels[3] != labels[4]
    assert labels[5] == "Supermarket"
    assert labels[6] == "Hotspot 7"
    assert labels[7:] == ["Market Place, Derby – south", "Market Place, Derby – north"]
    assert len(set(labels)) == len(labels)
