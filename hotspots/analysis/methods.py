"""One entry point for the four hotspot methods, and their out-of-sample comparison.

All take incidents as projected coordinates (metres) with optional harm weights, on a shared
grid and study-area mask, and return ranked :class:`~hotspots.analysis.clusters.Hotspot`
cell sets, so that Gi*, KDE, DBSCAN and HDBSCAN are described and scored the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .clusters import (
    DEFAULT_MAX_AREA_M2,
    Hotspot,
    HotspotArea,
    Selection,
    max_cells_for,
    patrol_hotspots,
    top_cells,
)
from .gistar import Neighbourhood, gistar
from .grid import Grid, bin_cells
from .kde import kde_surface
from .metrics import jaccard, out_of_sample
from .points import cluster_cells, dbscan_labels, hdbscan_labels

METHODS = ("gistar", "kde", "dbscan", "hdbscan")


@dataclass(frozen=True)
class MethodOptions:
    """Settings of every method; each uses its own. Distances in metres.

    Gi*: ``neighbourhood`` and ``alpha`` (after the FDR correction). KDE: ``kernel``
    ("gaussian", bandwidth = standard deviation, or "quartic", bandwidth = search radius),
    ``bandwidth_m`` and the share of the study area to select (``kde_share``). DBSCAN: ``eps_m`` and
    ``min_samples``. HDBSCAN: ``min_cluster_size`` (set it above typical stack sizes: a map
    point holding that many incidents becomes a cluster of its own).
    """

    neighbourhood: Neighbourhood = field(default_factory=Neighbourhood.queen)
    alpha: float = 0.05
    permutations: int = 0
    bandwidth_m: float = 300.0
    kernel: str = "gaussian"
    kde_share: float = 0.02
    eps_m: float = 150.0
    min_samples: int = 40
    min_cluster_size: int = 60
    min_incidents: float = 10
    max_hotspots: int | None = 20
    max_area_m2: float | None = DEFAULT_MAX_AREA_M2
    seed: int = 0


@dataclass(frozen=True)
class MethodResult:
    """Ranked patrol-scale hotspots, the hotspot areas they were carved from, and the per-cell
    score behind them: Gi* z, KDE density (incidents, or harm, per km² over the period) or
    cluster cell count."""

    method: str
    hotspots: tuple[Hotspot, ...]
    score: NDArray[np.float64]
    counts: NDArray[np.float64]
    areas: tuple[HotspotArea, ...] = ()

    @property
    def hot_mask(self) -> NDArray[np.bool_]:
        mask = np.zeros(self.counts.size, dtype=bool)
        for hotspot in self.hotspots:
            mask[hotspot.cells] = True
        return mask.reshape(self.counts.shape)


def find_hotspots(
    method: str,
    grid: Grid,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    weights: NDArray[np.float64] | None = None,
    *,
    mask: NDArray[np.bool_] | None = None,
    options: MethodOptions | None = None,
) -> MethodResult:
    """Ranked hotspots by one method; incidents outside the mask are ignored."""
    options = options or MethodOptions()
    cells = grid.cell_of(x, y)
    if mask is not None:
        inside = cells >= 0
        inside[inside] = mask.ravel()[cells[inside]]
        cells = np.where(inside, cells, -1)
    counts = bin_cells(grid, cells)
    values = counts if weights is None else bin_cells(grid, cells, weights)
    if method == "gistar":
        return _gistar(counts, values, grid, mask, options)
    if method == "kde":
        keep = cells >= 0
        w = None if weights is None else np.asarray(weights, dtype=float)[keep]
        return _kde(counts, values, grid, mask, options, (x[keep], y[keep], w))
    if method in ("dbscan", "hdbscan"):
        keep = cells >= 0
        return _clusters(method, grid, x[keep], y[keep], counts, values, options)
    raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")


def _gistar(counts, values, grid: Grid, mask, options: MethodOptions) -> MethodResult:
    result = gistar(
        values, options.neighbourhood, cell_m=grid.cell_m, mask=mask, alpha=options.alpha,
        permutations=options.permutations, seed=options.seed,
        inference="permutation" if options.permutations else "analytic",
    )  # fmt: skip
    chosen = _select(result.significant_hot, counts, values, result.z, grid, options)
    return MethodResult("gistar", chosen.hotspots, result.z, counts, chosen.areas)


def _kde(counts, values, grid: Grid, mask, options: MethodOptions, points) -> MethodResult:
    # The density of the incidents themselves at each cell centre (not of incidents moved to
    # their cell's centre), per km², not per m²: a town-centre peak reads as hundreds.
    x, y, w = points
    density = kde_surface(grid, x, y, w, bandwidth_m=options.bandwidth_m, kernel=options.kernel)
    density *= 1e6
    selected = top_cells(density, options.kde_share, mask)
    chosen = _select(selected, counts, values, density, grid, options)
    return MethodResult("kde", chosen.hotspots, density, counts, chosen.areas)


def _clusters(method, grid: Grid, x, y, counts, values, options: MethodOptions) -> MethodResult:
    if method == "dbscan":
        labels = dbscan_labels(x, y, options.eps_m, options.min_samples)
    else:
        labels = hdbscan_labels(x, y, options.min_cluster_size, seed=options.seed)
    groups = cluster_cells(grid, x, y, labels)
    score = np.zeros(counts.size)
    for cluster in groups:
        score[cluster] = np.maximum(score[cluster], counts.ravel()[cluster])
    selected = np.zeros(counts.size, dtype=bool)
    for cluster in groups:
        selected[cluster] = True
    score = score.reshape(counts.shape)
    chosen = _select(selected.reshape(counts.shape), counts, values, score, grid, options)
    return MethodResult(method, chosen.hotspots, score, counts, chosen.areas)


def _select(selected, counts, values, score, grid: Grid, options: MethodOptions) -> Selection:
    """Patrol-scale hotspots out of any method's selected cells: one rule for every method."""
    return patrol_hotspots(
        selected, counts, harm=values, score=score, min_incidents=options.min_incidents,
        max_hotspots=options.max_hotspots,
        max_cells=max_cells_for(options.max_area_m2, grid.cell_m),
    )  # fmt: skip


@dataclass(frozen=True)
class MethodComparison:
    """How one method's selection on one period holds up on a later one."""

    method: str
    hotspots: int
    area_share: float
    hit_rate_selection: float
    hit_rate_test: float
    pai_selection: float
    pai_test: float
    rri: float
    stability: float


def compare_methods(
    grid: Grid,
    selection: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None],
    test: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None],
    *,
    mask: NDArray[np.bool_] | None = None,
    options: MethodOptions | None = None,
    methods: tuple[str, ...] = METHODS,
) -> list[MethodComparison]:
    """Select hotspots on the selection period and score them on the test period (PAI, RRI,
    hit rate); stability is the Jaccard overlap with the same method's test-period hotspots."""
    rows = []
    for method in methods:
        chosen = find_hotspots(method, grid, *selection, mask=mask, options=options)
        later = find_hotspots(method, grid, *test, mask=mask, options=options)
        score = out_of_sample(chosen.hot_mask, chosen.counts, later.counts, mask)
        rows.append(
            MethodComparison(
                method=method,
                hotspots=len(chosen.hotspots),
                area_share=score.area_share,
                hit_rate_selection=score.hit_rate_train,
                hit_rate_test=score.hit_rate_test,
                pai_selection=score.pai_train,
                pai_test=score.pai_test,
                rri=score.rri,
                stability=jaccard(chosen.hot_mask, later.hot_mask),
            )  # fmt: skip
        )
    return rows
