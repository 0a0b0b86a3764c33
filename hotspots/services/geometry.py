"""Between projected metres (settings.PROJECTED_CRS) and WGS84 lon/lat GeoJSON, and the study
area a force's analysis runs on."""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from django.conf import settings
from pyproj import Transformer

from hotspots.analysis import Grid, mask_from_polygon, mask_near_cells
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


# A force without a boundary: its study area is the cells within this distance of a cell holding
# one of the analysed incidents (holes filled). About a ten-minute walk: streets next to the
# incidents count as places that could have had them; empty moorland or sea miles away does not.
INCIDENT_BUFFER_M = 500.0


@dataclass(frozen=True)
class StudyArea:
    """The grid and mask an analysis runs on, and where the mask came from.

    `basis` is "boundary" (cells whose centre is inside the force boundary, plus any cell
    holding an in-boundary incident: `added_cells` of them holding `added_incidents`, e.g. on
    a coast the boundary cuts through), "incidents" (no boundary: cells within
    INCIDENT_BUFFER_M of the incidents' cells) or "extent" (clipping off: the incidents'
    bounding box, no mask)."""

    grid: Grid
    mask: np.ndarray | None
    basis: str
    added_cells: int = 0
    added_incidents: int = 0

    @property
    def cells(self) -> int:
        return self.grid.n_cells if self.mask is None else int(self.mask.sum())

    @property
    def area_km2(self) -> float:
        return self.cells * self.grid.cell_area_m2 / 1e6

    def holds(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Which points fall in a study-area cell."""
        cells = self.grid.cell_of(x, y)
        inside = cells >= 0
        if self.mask is not None:
            inside[inside] = self.mask.ravel()[cells[inside]]
        return inside


def study_area(force: Force, x: np.ndarray, y: np.ndarray, cell_m: float, clip: bool) -> StudyArea:
    """The study area of an analysis of the points `x`, `y` (metres, settings.PROJECTED_CRS)."""
    if clip and force.boundary:
        polygon = to_projected(shapely.geometry.shape(force.boundary))
        grid = Grid.covering(x, y, cell_m, bounds=tuple(shapely.bounds(polygon).tolist()))
        mask = mask_from_polygon(grid, polygon)
        # Incidents are imported only when inside the boundary, so a cell holding one belongs
        # to the force even when its centre is over the sea.
        cells = grid.cell_of(x, y)
        cells = cells[cells >= 0]
        outside = cells[~mask.ravel()[cells]]
        mask.ravel()[outside] = True
        return StudyArea(grid, mask, "boundary", len(np.unique(outside)), len(outside))
    if not len(x):
        raise ValueError("No located incidents match: nothing to analyse.")
    grid = Grid.covering(x, y, cell_m)
    if clip:
        return StudyArea(
            grid, mask_near_cells(grid, grid.cell_of(x, y), INCIDENT_BUFFER_M), "incidents"
        )
    return StudyArea(grid, None, "extent")


def force_study_area(
    force: Force, x: np.ndarray, y: np.ndarray, cell_m: float, clip: bool
) -> tuple[Grid, np.ndarray | None]:
    """The grid and study-area mask of :func:`study_area`."""
    area = study_area(force, x, y, cell_m, clip)
    return area.grid, area.mask
