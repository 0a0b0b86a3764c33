"""Merge selected grid cells into contiguous, ranked hotspots.

Cells are flat indices of a :class:`~hotspots.analysis.grid.Grid` (``row * nx + col``);
grids are ``(ny, nx)`` arrays. Contiguity is queen (cells sharing an edge or a corner).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage

QUEEN = np.ones((3, 3), dtype=bool)


# A hotspot is a micro-place one officer covers on foot in one visit: the UK trials patrolled
# 150 m x 150 m cells or a 150 m radius (about 0.07 km²), so 0.1 km² holds four 150 m cells.
DEFAULT_MAX_AREA_M2 = 100_000.0


@dataclass(frozen=True)
class Hotspot:
    """One patrol-scale group of selected cells.

    ``count`` is the number of incidents, ``harm`` the weighted total (equal to ``count``
    when unweighted), ``peak_score`` the largest score in the group (Gi* z for Gi*
    hotspots, density for KDE hotspots) found at flat cell ``peak_cell``. ``rank`` starts
    at 1. ``area`` is the number of the :class:`HotspotArea` it was carved from (0: none).
    """

    rank: int
    cells: NDArray[np.intp]
    count: float
    harm: float
    peak_score: float
    peak_cell: int
    area: int = 0

    @property
    def n_cells(self) -> int:
        return int(self.cells.size)


@dataclass(frozen=True)
class HotspotArea:
    """A contiguous selected cluster (e.g. a town centre) that hotspots were carved from.

    Kept as context around its hotspots; numbered from 1 in the order of its best hotspot.
    """

    number: int
    cells: NDArray[np.intp]
    count: float
    harm: float
    peak_score: float

    @property
    def n_cells(self) -> int:
        return int(self.cells.size)


@dataclass(frozen=True)
class Selection:
    """Ranked patrol-scale hotspots and the hotspot areas they were carved from."""

    hotspots: tuple[Hotspot, ...]
    areas: tuple[HotspotArea, ...]


def max_cells_for(max_area_m2: float | None, cell_m: float) -> int | None:
    """How many cells of side ``cell_m`` metres fit in ``max_area_m2`` (at least one);
    None (no limit) when ``max_area_m2`` is None."""
    if max_area_m2 is None:
        return None
    return max(1, int(max_area_m2 // (cell_m * cell_m) + 1e-9))


def label_contiguous(selected: ArrayLike) -> tuple[NDArray[np.int32], int]:
    """Queen-connected components of a boolean ``(ny, nx)`` mask (0 = not selected)."""
    labels, n = ndimage.label(np.asarray(selected, dtype=bool), structure=QUEEN)
    return labels.astype(np.int32, copy=False), int(n)


def hotspots_from_cells(
    selected: ArrayLike,
    counts: ArrayLike,
    *,
    harm: ArrayLike | None = None,
    score: ArrayLike | None = None,
    min_incidents: float = 1,
    max_hotspots: int | None = None,
    max_cells: int | None = None,
) -> tuple[Hotspot, ...]:
    """Ranked hotspots of :func:`patrol_hotspots` (without their areas)."""
    return patrol_hotspots(
        selected, counts, harm=harm, score=score, min_incidents=min_incidents,
        max_hotspots=max_hotspots, max_cells=max_cells,
    ).hotspots  # fmt: skip


def patrol_hotspots(
    selected: ArrayLike,
    counts: ArrayLike,
    *,
    harm: ArrayLike | None = None,
    score: ArrayLike | None = None,
    min_incidents: float = 1,
    max_hotspots: int | None = None,
    max_cells: int | None = None,
) -> Selection:
    """Merge ``selected`` cells into queen-contiguous areas, carve patrol-scale hotspots of at
    most ``max_cells`` cells out of the larger ones, filter and rank them.

    An area of at most ``max_cells`` cells is one hotspot as it stands. A larger one is split
    around its local peaks (:func:`split_area`). Hotspots with fewer than ``min_incidents``
    incidents (from ``counts``) are dropped; the rest are ranked by harm (``counts`` if no
    ``harm`` grid), then peak score, then position, and at most ``max_hotspots`` are kept,
    with the areas they came from. ``max_cells=None`` never splits.
    """
    labels, n = label_contiguous(selected)
    if n == 0:
        return Selection((), ())
    counts_a = np.asarray(counts, dtype=np.float64)
    harm_a = counts_a if harm is None else np.asarray(harm, dtype=np.float64)
    # NaN scores (e.g. z outside a mask) must never win a peak.
    score_a = np.nan_to_num(
        counts_a if score is None else np.asarray(score, dtype=np.float64), nan=-np.inf
    )
    pieces = _pieces(labels, n, harm_a, score_a, max_cells)
    flat_counts, flat_harm, flat_score = counts_a.ravel(), harm_a.ravel(), score_a.ravel()
    count = np.array([flat_counts[c].sum() for c, _ in pieces])
    total = np.array([flat_harm[c].sum() for c, _ in pieces])
    peak_cell = np.array([_peak(c, flat_score) for c, _ in pieces], dtype=np.intp)
    peak = flat_score[peak_cell]
    keep = np.flatnonzero(count >= min_incidents)
    ranked = keep[np.lexsort((peak_cell[keep], -peak[keep], -total[keep]))][:max_hotspots]
    area_number: dict[int, int] = {}
    for g in ranked.tolist():
        area_number.setdefault(pieces[g][1], len(area_number) + 1)
    hotspots = tuple(
        Hotspot(
            rank=rank,
            cells=pieces[g][0],
            count=float(count[g]),
            harm=float(total[g]),
            peak_score=float(peak[g]),
            peak_cell=int(peak_cell[g]),
            area=area_number[pieces[g][1]],
        )
        for rank, g in enumerate(ranked.tolist(), start=1)
    )
    return Selection(hotspots, _areas(labels, area_number, flat_counts, flat_harm, flat_score))


def _peak(cells: NDArray[np.intp], score: NDArray[np.float64]) -> int:
    # Highest score; ties to the lowest cell index (cells are sorted).
    return int(cells[int(np.argmax(score[cells]))])


def _pieces(labels, n, harm, score, max_cells) -> list[tuple[NDArray[np.intp], int]]:
    """(sorted flat cells, area label) of every hotspot candidate."""
    flat = labels.ravel()
    cells = np.flatnonzero(flat)
    order = cells[np.argsort(flat[cells], kind="stable")]
    starts = np.searchsorted(flat[order], np.arange(1, n + 2))
    pieces = []
    for g in range(n):
        members = np.sort(order[starts[g] : starts[g + 1]]).astype(np.intp)
        if max_cells is None or members.size <= max_cells:
            pieces.append((members, g + 1))
            continue
        nx = labels.shape[1]
        for piece in split_area(members, nx, harm.ravel(), score.ravel(), max_cells):
            pieces.append((piece, g + 1))
    return pieces


def split_area(
    cells: NDArray[np.intp],
    nx: int,
    harm: NDArray[np.float64],
    score: NDArray[np.float64],
    max_cells: int,
) -> list[NDArray[np.intp]]:
    """Carve non-overlapping, compact pieces of at most ``max_cells`` cells out of one
    contiguous area (flat ``cells`` of a grid ``nx`` cells wide; flat ``harm``/``score``).

    The unassigned cell with the most harm (then the highest score, then the lowest index)
    seeds a piece, which grows one queen neighbour at a time, always taking the neighbour
    with the most harm, but only among cells within a disc around the seed just large enough
    for ``max_cells`` cells, so pieces stay compact rather than snaking along a street. A piece
    never takes a cell without incidents, and cells without incidents never seed one: what is
    left stays in the area as context. Deterministic: ties go to the lowest cell index.
    """
    radius2 = max(1.5, math.sqrt(max_cells / math.pi) + 0.5) ** 2
    member = {int(c) for c in cells}
    free = {c for c in member if harm[c] > 0}
    seeds = sorted(free, key=lambda c: (-harm[c], -score[c], c))
    pieces = []
    for seed in seeds:
        if seed not in free:
            continue
        free.discard(seed)
        piece = [seed]
        sr, sc = divmod(seed, nx)
        frontier: set[int] = set()
        while len(piece) < max_cells:
            r, c = divmod(piece[-1], nx)
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    rr, cc = r + dr, c + dc
                    if 0 <= cc < nx and (rr - sr) ** 2 + (cc - sc) ** 2 <= radius2:
                        frontier.add(rr * nx + cc)
            frontier &= free
            if not frontier:
                break
            best = min(frontier, key=lambda k: (-harm[k], -score[k], k))
            free.discard(best)
            frontier.discard(best)
            piece.append(best)
        pieces.append(np.array(sorted(piece), dtype=np.intp))
    return pieces


def _areas(labels, area_number, counts, harm, score) -> tuple[HotspotArea, ...]:
    flat = labels.ravel()
    areas = []
    for label, number in sorted(area_number.items(), key=lambda item: item[1]):
        cells = np.flatnonzero(flat == label).astype(np.intp)
        areas.append(
            HotspotArea(
                number=number,
                cells=cells,
                count=float(counts[cells].sum()),
                harm=float(harm[cells].sum()),
                peak_score=float(score[_peak(cells, score)]),
            )
        )
    return tuple(areas)


def top_cells(
    density: ArrayLike, share_of_area: float, mask: ArrayLike | None = None
) -> NDArray[np.bool_]:
    """The highest-density cells making up ``share_of_area`` of the (in-mask) cells.

    Takes ``ceil(share * n_cells)`` cells; cells with zero density are never taken; ties
    are broken by flat cell index so the result is deterministic.
    """
    d = np.asarray(density, dtype=np.float64)
    inside = np.ones(d.shape, bool) if mask is None else np.asarray(mask, dtype=bool)
    n_take = math.ceil(share_of_area * int(inside.sum()))
    flat = np.where(inside & (d > 0), d, -np.inf).ravel()
    chosen = np.argsort(-flat, kind="stable")[:n_take]
    chosen = chosen[np.isfinite(flat[chosen])]
    out = np.zeros(d.size, dtype=bool)
    out[chosen] = True
    return out.reshape(d.shape)


def density_hotspots(
    density: ArrayLike,
    counts: ArrayLike,
    share_of_area: float,
    *,
    harm: ArrayLike | None = None,
    mask: ArrayLike | None = None,
    min_incidents: float = 1,
    max_hotspots: int | None = None,
) -> tuple[Hotspot, ...]:
    """Top-density cells (e.g. KDE) covering ``share_of_area``, merged and ranked."""
    selected = top_cells(density, share_of_area, mask)
    return hotspots_from_cells(
        selected,
        counts,
        harm=harm,
        score=density,
        min_incidents=min_incidents,
        max_hotspots=max_hotspots,
    )
