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


@dataclass(frozen=True)
class Hotspot:
    """One contiguous group of selected cells.

    ``count`` is the number of incidents, ``harm`` the weighted total (equal to ``count``
    when unweighted), ``peak_score`` the largest score in the group (Gi* z for Gi*
    hotspots, density per m^2 for KDE hotspots) found at flat cell ``peak_cell``.
    ``rank`` starts at 1.
    """

    rank: int
    cells: NDArray[np.intp]
    count: float
    harm: float
    peak_score: float
    peak_cell: int

    @property
    def n_cells(self) -> int:
        return int(self.cells.size)


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
) -> tuple[Hotspot, ...]:
    """Merge ``selected`` cells into queen-contiguous hotspots, filter and rank them.

    Hotspots with fewer than ``min_incidents`` incidents (from ``counts``) are dropped;
    the rest are ranked by harm (``counts`` if no ``harm`` grid), then peak score, then
    position, and at most ``max_hotspots`` are kept.
    """
    labels, n = label_contiguous(selected)
    if n == 0:
        return ()
    counts_a = np.asarray(counts, dtype=np.float64)
    harm_a = counts_a if harm is None else np.asarray(harm, dtype=np.float64)
    score_a = counts_a if score is None else np.asarray(score, dtype=np.float64)
    flat = labels.ravel()
    cells = np.flatnonzero(flat)
    # NaN scores (e.g. z outside a mask) must not win the peak.
    cell_score = np.nan_to_num(score_a.ravel()[cells], nan=-np.inf)
    # Within each hotspot: highest score first, ties to the lowest cell index.
    order = cells[np.lexsort((cells, -cell_score, flat[cells]))]
    starts = np.searchsorted(flat[order], np.arange(1, n + 2))
    peak_cell = order[starts[:-1]]
    peak = np.nan_to_num(score_a.ravel()[peak_cell], nan=-np.inf)
    count = np.bincount(flat, weights=counts_a.ravel(), minlength=n + 1)[1:]
    total = np.bincount(flat, weights=harm_a.ravel(), minlength=n + 1)[1:]
    keep = np.flatnonzero(count >= min_incidents)
    ranked = keep[np.lexsort((peak_cell[keep], -peak[keep], -total[keep]))][:max_hotspots]
    return tuple(
        Hotspot(
            rank=rank,
            cells=np.sort(order[starts[g] : starts[g + 1]]).astype(np.intp),
            count=float(count[g]),
            harm=float(total[g]),
            peak_score=float(peak[g]),
            peak_cell=int(peak_cell[g]),
        )
        for rank, g in enumerate(ranked.tolist(), start=1)
    )


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
