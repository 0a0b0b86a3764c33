"""Pure, Django-free hotspot analysis on a regular grid in a projected CRS.

Coordinates and distances are metres (EPSG:27700 British National Grid by default).
"""

from .clusters import (
    DEFAULT_MAX_AREA_M2,
    Hotspot,
    HotspotArea,
    Selection,
    density_hotspots,
    hotspots_from_cells,
    label_contiguous,
    max_cells_for,
    patrol_hotspots,
    split_area,
    top_cells,
)
from .describe import (
    HotspotRecord,
    PatrolWindow,
    cells_to_polygon,
    describe_hotspots,
    hour_weekday_profile,
    monthly_trend,
    polygon_centroid,
    records_to_frame,
    suggest_patrol_window,
)
from .gistar import GiStarResult, Neighbourhood, fdr_bh, gistar, window_sum
from .grid import (
    BNG,
    Grid,
    bin_cells,
    bin_points,
    cells_to_mask,
    mask_from_polygon,
    mask_near_cells,
)
from .kde import gaussian_kernel, kde_from_grid, kde_surface, quartic_kernel
from .metrics import OutOfSampleScore, capture_share, jaccard, out_of_sample, pai, rri
from .pipeline import GiStarHotspots, find_gistar_hotspots
from .points import (
    CollapsedPoints,
    cluster_cells,
    cluster_mask,
    collapse_points,
    dbscan_labels,
    hdbscan_labels,
)

__all__ = [
    "BNG",
    "DEFAULT_MAX_AREA_M2",
    "HotspotArea",
    "Selection",
    "max_cells_for",
    "patrol_hotspots",
    "split_area",
    "CollapsedPoints",
    "GiStarHotspots",
    "GiStarResult",
    "Grid",
    "Hotspot",
    "HotspotRecord",
    "Neighbourhood",
    "OutOfSampleScore",
    "PatrolWindow",
    "bin_cells",
    "bin_points",
    "capture_share",
    "cells_to_mask",
    "cells_to_polygon",
    "cluster_cells",
    "cluster_mask",
    "collapse_points",
    "dbscan_labels",
    "density_hotspots",
    "describe_hotspots",
    "fdr_bh",
    "find_gistar_hotspots",
    "gaussian_kernel",
    "gistar",
    "hdbscan_labels",
    "hotspots_from_cells",
    "hour_weekday_profile",
    "jaccard",
    "kde_from_grid",
    "kde_surface",
    "label_contiguous",
    "mask_from_polygon",
    "mask_near_cells",
    "monthly_trend",
    "out_of_sample",
    "pai",
    "polygon_centroid",
    "quartic_kernel",
    "records_to_frame",
    "rri",
    "suggest_patrol_window",
    "top_cells",
    "window_sum",
]
