"""Re-scoring a selection of hotspots on planted cubes (pure, no database)."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.analysis.monitoring import SelectionReview, review_selection

NY, NX, T = 20, 20, 12


def block_cells(row: int, col: int) -> np.ndarray:
    rows, cols = np.mgrid[row - 1 : row + 2, col - 1 : col + 2]
    return (rows * NX + cols).ravel()


def planted_cube() -> tuple[np.ndarray, dict[str, int]]:
    """Background counts with four 3x3 blocks: A stays hot, B cools in the last three months,
    C appears in the final month, D is hot all year and rising."""
    rng = np.random.default_rng(4)
    cube = rng.poisson(2.0, (T, NY, NX)).astype(float)
    months = np.arange(T)
    plans = {
        "A": (3, 3, np.full(T, 14.0)),
        "B": (3, 15, np.where(months < T - 3, 14.0, 2.0)),
        "C": (15, 3, np.where(months == T - 1, 14.0, 2.0)),
        "D": (15, 15, 10.0 + 1.5 * months),
    }
    centres = {}
    for name, (row, col, series) in plans.items():
        cube[:, row - 1 : row + 2, col - 1 : col + 2] = series[:, None, None]
        centres[name] = row * NX + col
    return cube, centres


@pytest.fixture(scope="module")
def review():
    cube, centres = planted_cube()
    a, b = block_cells(3, 3), block_cells(3, 15)
    return review_selection(cube, [a, b], recent_months=3), centres


def test_the_hotspot_that_went_quiet_has_cooled(review) -> None:
    result, _ = review
    kept, quiet = result.hotspots
    assert result.cooled == (1,)
    assert not kept.cooled and kept.hot_months == 3
    assert quiet.cooled and quiet.hot_months == 0
    assert quiet.last_hot == T - 4
    # Hot every month; whether its z trends depends on the rest of the map (D rises).
    assert kept.category in ("persistent_hot", "diminishing_hot", "intensifying_hot")
    assert quiet.category == "no_pattern"  # hot 9 of 12 months: short of historical's 90%


def test_new_and_intensifying_places_outside_the_selection(review) -> None:
    result, centres = review
    by_category = {p.category: p for p in result.emerging_outside}
    assert set(by_category) == {"new_hot", "intensifying_hot"}
    assert centres["C"] in by_category["new_hot"].cells
    assert centres["D"] in by_category["intensifying_hot"].cells
    assert set(by_category["intensifying_hot"].cells) <= set(block_cells(15, 15))
    selected = set(block_cells(3, 3)) | set(block_cells(3, 15))
    assert not any(set(p.cells) & selected for p in result.emerging_outside)
    # Busiest first, positioned at the peak cell's centre (column, row units here).
    peak = result.emerging_outside[0]
    assert peak.category == "intensifying_hot"
    assert peak.recent == 75.0 * len(peak.cells)  # 23.5 + 25 + 26.5 a cell
    assert (peak.x, peak.y) == (peak.peak_cell % NX + 0.5, peak.peak_cell // NX + 0.5)


def test_places_with_few_recent_incidents_are_left_out() -> None:
    cube, centres = planted_cube()
    review = review_selection(
        cube, [block_cells(3, 3), block_cells(3, 15)], recent_months=3, min_recent=300
    )
    # C had 18 incidents a cell in the last three months (162 in all), D 75 a cell.
    assert [p.category for p in review.emerging_outside] == ["intensifying_hot"]
    assert centres["D"] in review.emerging_outside[0].cells


def test_jaccard_stability_against_the_latest_months(review) -> None:
    result, _ = review
    # The 18 strongest recent cells are blocks A and D: A is kept, B lost, D gained.
    assert result.selected_cells == 18
    assert result.recent_cells == 18
    assert result.jaccard == pytest.approx(9 / 27)


def test_unchanged_selection_is_fully_stable() -> None:
    cube, _ = planted_cube()
    steady = np.repeat(cube[:1], T, axis=0)  # the first month, again and again
    steady[:, 14:17, 14:17] = 2.0  # without D, which the selection left out
    review = review_selection(steady, [block_cells(3, 3), block_cells(3, 15)], recent_months=3)
    assert review.cooled == ()
    assert review.jaccard == 1.0
    assert review.emerging_outside == ()


def test_json_round_trip_and_version_check(review) -> None:
    result, _ = review
    data = result.to_json()
    assert data["schema_version"] == 1
    assert SelectionReview.from_json(data) == result
    with pytest.raises(ValueError, match="schema version"):
        SelectionReview.from_json({**data, "schema_version": 99})


def test_bad_recent_months_is_refused() -> None:
    cube, _ = planted_cube()
    with pytest.raises(ValueError, match="recent_months"):
        review_selection(cube, [block_cells(3, 3)], recent_months=T + 1)


def test_empty_selection_has_no_stability() -> None:
    cube, _ = planted_cube()
    assert review_selection(cube, [], recent_months=3).jaccard is None
