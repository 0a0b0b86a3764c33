"""The report's maps: data for the Leaflet map on screen, and an SVG map for print and PDF."""

from __future__ import annotations

import math
from types import SimpleNamespace as NS

import shapely

from evaluation.report.format import change_colour, pct
from evaluation.results import MeasureResult, Results
from hotspots.maps import map_base
from hotspots.models import Hotspot


def map_data(
    evaluation, results: Results, measure: MeasureResult | None, geometry: dict[int, Hotspot]
) -> dict:
    """What the Leaflet map draws: boundary, hotspots with their change and colour."""
    rows = {h.id: h for h in measure.hotspots} if measure else {}
    hotspots = []
    for item in results.hotspots:
        found, row = geometry.get(item.id), rows.get(item.id)
        if found is None:
            continue
        hotspots.append({
            "id": item.id, "rank": item.rank, "label": item.label,
            "role": item.role, "geometry": found.geometry, "lat": item.lat,
            "lon": item.lon, "change": pct(row.percent_change) if row else "",
            "colour": change_colour(row) if row else "#ffffff",
            "few": bool(row and not row.claimable),
        })  # fmt: skip
    return {
        "boundary": evaluation.force.boundary, "hotspots": hotspots,
        "measure": measure.label if measure else "",
        "base": map_base(evaluation.force),
    }  # fmt: skip


def print_map(
    evaluation, results: Results, measure: MeasureResult | None, geometry: dict[int, Hotspot]
) -> NS | None:
    """A plain SVG map for print and PDF, where Leaflet cannot run: the force boundary and a
    dot per hotspot coloured by its change (controls hollow)."""
    data = map_data(evaluation, results, measure, geometry)
    points = [(h["lon"], h["lat"]) for h in data["hotspots"]]
    outline = _outline(evaluation.force.boundary)
    extent = outline.bounds if outline is not None else _bounds(points)
    if extent is None:
        return None
    project = _projector(extent, 640, 420)
    path = _svg_path(outline, project) if outline is not None else ""
    dots = [_dot(h, *project(h["lon"], h["lat"])) for h in data["hotspots"]]
    return NS(width=640, height=420, boundary=path, dots=dots)


def _dot(hotspot: dict, x: float, y: float) -> NS:
    return NS(x=x, y=y, colour=hotspot["colour"], control=hotspot["role"] == "control",
              rank=hotspot["rank"], title=f"#{hotspot['rank']} {hotspot['label']} "
              f"{hotspot['change']}")  # fmt: skip


def _outline(boundary: dict | None):
    if not boundary:
        return None
    shape = shapely.geometry.shape(boundary)
    return shapely.simplify(shape, max(shape.bounds[2] - shape.bounds[0], 1e-6) / 400)


def _bounds(points: list[tuple[float, float]]):
    if not points:
        return None
    lons, lats = zip(*points, strict=True)
    pad = 0.02
    return (min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad)


def _projector(extent, width: int, height: int):
    """Equirectangular at the map's middle latitude: fine at county scale."""
    lon0, lat0, lon1, lat1 = extent
    squash = math.cos(math.radians((lat0 + lat1) / 2))
    span_x, span_y = (lon1 - lon0) * squash or 1e-6, (lat1 - lat0) or 1e-6
    scale = min((width - 20) / span_x, (height - 20) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (round(off_x + (lon - lon0) * squash * scale, 1),
                round(height - off_y - (lat - lat0) * scale, 1))  # fmt: skip

    return project


def _svg_path(shape, project) -> str:
    """SVG path data for polygons and lines, whatever collections hold them."""
    paths = []
    for part in shapely.get_parts(shape):
        if isinstance(part, shapely.Polygon):
            rings = [part.exterior, *part.interiors]
            paths += [_line(ring.coords, project) + " Z" for ring in rings]
        elif isinstance(part, shapely.LineString):
            paths.append(_line(part.coords, project))
        elif part.geom_type.endswith("Collection") or part.geom_type.startswith("Multi"):
            paths.append(_svg_path(part, project))
    return " ".join(p for p in paths if p)


def _line(coords, project) -> str:
    points = [project(point[0], point[1]) for point in coords]  # a point may carry a z
    return "M" + " L".join(f"{x},{y}" for x, y in points) if points else ""
