import functools
import gzip
import json
import re
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from pyproj import Transformer

from hotspots.models import Force, Incident

FORCE_SUFFIX = re.compile(r"\s+(constabulary|police service|police force|police)$", re.IGNORECASE)


def force_get_or_create(key: str) -> Force:
    """A force by slug or name; a new force's slug drops 'Constabulary'/'Police' from its name."""
    if not key:
        raise ValueError("The file does not say which force it belongs to; pass --force SLUG.")
    force = Force.objects.filter(slug=key).first() or Force.objects.filter(name=key).first()
    if force:
        return force
    slug = slugify(FORCE_SUFFIX.sub("", key.strip())) or slugify(key)
    force = Force.objects.filter(slug=slug).first()
    return force or Force.objects.create(slug=slug, name=key.strip() if " " in key else key.title())


def boundary_read(path: Path) -> shapely.Geometry:
    """A force boundary from GeoJSON (optionally gzipped) in WGS84 lon/lat: the union of its
    polygons. A file read before and unchanged since is not converted again."""
    try:
        status = path.stat()
    except OSError as error:
        raise ValueError(f"{path}: cannot read the boundary GeoJSON: {error}") from None
    return _boundary_read(path.resolve(), status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=8)
def _boundary_read(path: Path, mtime_ns: int, size: int) -> shapely.Geometry:
    try:
        raw = path.read_bytes()
        data = json.loads(gzip.decompress(raw) if path.name.endswith(".gz") else raw)
    except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: cannot read the boundary GeoJSON: {error}") from None
    geometries = _geometries(data)
    polygons = [g for g in geometries if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        raise ValueError(f"{path}: the GeoJSON holds no Polygon or MultiPolygon")
    merged = shapely.union_all(polygons)
    minx, miny, maxx, maxy = merged.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError(f"{path}: coordinates are not longitude/latitude (WGS84)")
    # Published boundaries often touch or cross themselves; rebuilding the rings as areas
    # keeps every polygon (and is far quicker than re-noding all the line work).
    return shapely.make_valid(merged, method="structure", keep_collapsed=False)


def _geometries(data: dict) -> list[shapely.Geometry]:
    kind = data.get("type")
    if kind == "FeatureCollection":
        return [shapely.geometry.shape(f["geometry"]) for f in data.get("features", [])]
    if kind == "Feature":
        return [shapely.geometry.shape(data["geometry"])]
    return [shapely.geometry.shape(data)]


def force_has_boundary(force: Force, geometry: shapely.Geometry) -> bool:
    """Whether the force already has this boundary (then its incidents are flagged by it)."""
    return force.boundary is not None and boundary_geometry(force).equals_exact(geometry, 1e-9)


def boundary_geometry(force: Force) -> shapely.Geometry:
    """The force's stored boundary as a geometry (it must have one)."""
    return shapely.from_geojson(json.dumps(force.boundary))


@transaction.atomic
def force_set_boundary(
    *, force: Force, geometry: shapely.Geometry, path: Path | None = None
) -> int:
    """Store the boundary and re-flag the force's incidents inside/outside it.
    Returns how many located incidents lie outside."""
    force.boundary = shapely.geometry.mapping(geometry)
    force.boundary_area_km2 = _area_km2(geometry)
    force.save(update_fields=["boundary", "boundary_area_km2"])
    shapely.prepare(geometry)
    located = Incident.objects.filter(force=force, has_location=True)
    rows = list(located.values_list("id", "longitude", "latitude", "in_force_area"))
    if not rows:
        return 0
    ids, lon, lat, flagged = (np.array(column) for column in zip(*rows, strict=True))
    inside = shapely.contains_xy(geometry, lon.astype(float), lat.astype(float))
    _update_in_chunks(ids[inside & ~flagged.astype(bool)], in_force_area=True)
    _update_in_chunks(ids[~inside & flagged.astype(bool)], in_force_area=False)
    return int((~inside).sum())


def _update_in_chunks(ids: np.ndarray, **values) -> None:
    for start in range(0, len(ids), 5000):
        Incident.objects.filter(id__in=ids[start : start + 5000].tolist()).update(**values)


def _area_km2(geometry: shapely.Geometry) -> float:
    to_metres = Transformer.from_crs("EPSG:4326", settings.PROJECTED_CRS, always_xy=True)
    projected = shapely.transform(
        geometry, lambda xy: np.column_stack(to_metres.transform(xy[:, 0], xy[:, 1]))
    )
    return projected.area / 1e6
