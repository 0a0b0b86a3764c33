"""Arrays of incidents in, ranked and described Gi* hotspots out.

Coordinates are metres in a projected CRS (EPSG:27700 British National Grid by default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from .clusters import DEFAULT_MAX_AREA_M2, HotspotArea, max_cells_for, patrol_hotspots
from .describe import HotspotRecord, describe_hotspots, records_to_frame
from .gistar import GiStarResult, Neighbourhood, gistar
from .grid import Grid, bin_cells, mask_from_polygon


@dataclass(frozen=True)
class GiStarHotspots:
    """Everything the Gi* pipeline produced; grids are ``(ny, nx)`` on ``grid``.

    ``counts`` are incidents per cell, ``values`` what Gi* was run on (harm if weights
    were given, else counts).
    """

    grid: Grid
    counts: NDArray[np.float64]
    values: NDArray[np.float64]
    gistar: GiStarResult
    hotspots: tuple[HotspotRecord, ...]
    areas: tuple[HotspotArea, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per ranked hotspot (geometry in ``grid.crs`` metres)."""
        return records_to_frame(self.hotspots)


def find_gistar_hotspots(
    x: ArrayLike,
    y: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    cell_m: float = 150.0,
    neighbourhood: Neighbourhood | None = None,
    grid: Grid | None = None,
    mask: ArrayLike | None = None,
    polygon: shapely.Geometry | None = None,
    alpha: float = 0.05,
    min_incidents: float = 10,
    max_hotspots: int | None = 10,
    timestamps: ArrayLike | None = None,
    permutations: int = 0,
    seed: int | None = None,
    max_area_m2: float | None = DEFAULT_MAX_AREA_M2,
) -> GiStarHotspots:
    """Bin incidents, run Gi* with FDR, merge significant hot cells, rank and describe.

    ``x, y`` in metres; ``weights`` are per-incident harm (None = count incidents).
    The grid is ``grid``, else one of ``cell_m`` metres covering ``polygon`` (the study
    area, which also becomes the mask) or the points. ``mask`` must match the grid.
    Significant areas larger than ``max_area_m2`` are split into patrol-scale hotspots (None:
    never split). Hotspots need ``min_incidents`` incidents and are ranked by harm, then peak z.
    With ``permutations > 0`` significance uses the permutation pseudo p-values instead of
    the analytic ones. ``timestamps`` (local time) add profiles and patrol windows.
    """
    if grid is None:
        bounds = None if polygon is None else tuple(shapely.bounds(polygon).tolist())
        grid = Grid.covering(x, y, cell_m, bounds=bounds)  # type: ignore[arg-type]
    study = None if mask is None else np.asarray(mask, dtype=bool)
    if polygon is not None:
        in_poly = mask_from_polygon(grid, polygon)
        study = in_poly if study is None else study & in_poly
    cells = grid.cell_of(x, y)
    counts = bin_cells(grid, cells)
    values = counts if weights is None else bin_cells(grid, cells, weights)
    result = gistar(
        values,
        neighbourhood,
        cell_m=grid.cell_m,
        mask=study,
        alpha=alpha,
        permutations=permutations,
        seed=seed,
        inference="permutation" if permutations > 0 else "analytic",
    )
    chosen = patrol_hotspots(
        result.significant_hot,
        counts,
        harm=values,
        score=result.z,
        min_incidents=min_incidents,
        max_hotspots=max_hotspots,
        max_cells=max_cells_for(max_area_m2, grid.cell_m),
    )
    records = describe_hotspots(grid, chosen.hotspots, point_cells=cells, timestamps=timestamps)
    return GiStarHotspots(grid, counts, values, result, records, chosen.areas)
