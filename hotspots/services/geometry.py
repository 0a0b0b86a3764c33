"""Between projected metres (settings.PROJECTED_CRS) and WGS84 lon/lat GeoJSON."""

from functools import lru_cache

import numpy as np
import shapely
from django.conf import settings
from pyproj import Transformer

from hotspots.analysis import Grid, mask_from_polygon
from hotspots.models import Force


@lru_cache(maxsize=8)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def to_projected(geometry: shapely.Geometry) -> shapely.Geometry:
    forward = _transformer("EPSG:4326", settings.PROJECTED_CRS)
    return shapely.transform(geometry, lambda xy: np.column_stack(forward.transform(*xy.T)))


def to_lonlat(geometry: shapely.Geometry) -> shapely.Geometry:
    back = _transformer(settings.PROJECTED_CRS, "EPSG:4326")
    return shapely.transform(
        geometry, lambda xy: np.round(np.column_stack(back.transform(*xy.T)), 6)
    )


def point_to_lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _transformer(settings.PROJECTED_CRS, "EPSG:4326").transform(x, y)
    return round(float(lon), 6), round(float(lat), 6)


def force_study_area(
    force: Force, x: np.ndarray, y: np.ndarray, cell_m: float, clip: bool
) -> tuple[Grid, np.ndarray | None]:
    """The grid for a force's analysis and its study-area mask (the boundary's cells), or the
    points' extent and no mask when there is no boundary or clipping is off."""
    if clip and force.boundary:
        polygon = to_projected(shapely.geometry.shape(force.boundary))
        grid = Grid.covering(x, y, cell_m, bounds=tuple(shapely.bounds(polygon).tolist()))
        return grid, mask_from_polygon(grid, polygon)
    if not len(x):
        raise ValueError("No located incidents match: nothing to analyse.")
    return Grid.covering(x, y, cell_m), None
