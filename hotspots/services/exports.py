"""A run's hotspots as GeoJSON, CSV and GeoPackage (WGS84 lon/lat, EPSG:4326)."""

import io
import json
import tempfile
from pathlib import Path

import geopandas
import shapely

from core import csvsafe
from hotspots import selectors
from hotspots.models import HotspotRun

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(data.police.uk)."
)
FIELDS = [
    "rank", "label", "incident_count", "harm", "share_of_incidents", "share_of_area", "pai",
    "peak_score", "area_m2", "centroid_lon", "centroid_lat", "patrol_window",
]  # fmt: skip
# The hotspot area (the contiguous significant cluster) each hotspot was carved from.
AREA_FIELDS = ["area_number", "area_label", "area_area_m2"]
AREA_LAYER_FIELDS = ["number", "label", "area_m2", "incident_count", "harm"]


def _properties(hotspot) -> dict:
    properties = {name: getattr(hotspot, name) for name in FIELDS}
    area = hotspot.area
    properties["area_number"] = area.number if area else None
    properties["area_label"] = area.label if area else None
    properties["area_area_m2"] = area.area_m2 if area else None
    properties["counts_by_category"] = json.dumps(hotspot.counts_by_category)
    properties["monthly_trend"] = json.dumps(hotspot.monthly_trend)
    return properties


def _hotspots(run: HotspotRun) -> list:
    return list(selectors.hotspot_list(run=run))


def _area_features(run: HotspotRun) -> list[dict]:
    return [
        {
            "type": "Feature",
            "id": area.number,
            "geometry": area.geometry,
            "properties": {name: getattr(area, name) for name in AREA_LAYER_FIELDS},
        }
        for area in selectors.hotspot_area_list(run=run)
    ]


def hotspots_feature_collection(run: HotspotRun) -> dict:
    """The hotspots as features; their hotspot areas (context) in the member ``areas``."""
    features = [
        {"type": "Feature", "id": h.rank, "geometry": h.geometry, "properties": _properties(h)}
        for h in _hotspots(run)
    ]
    return {
        "type": "FeatureCollection",
        "name": f"hotspots-run-{run.pk}",
        "attribution": ATTRIBUTION,
        "run": {"id": run.pk, "method": run.method, "period": _period(run)},
        "features": features,
        "areas": {"type": "FeatureCollection", "features": _area_features(run)},
    }


def hotspots_csv(run: HotspotRun) -> str:
    out = io.StringIO()
    writer = csvsafe.dict_writer(
        out, [*FIELDS, *AREA_FIELDS, "counts_by_category", "monthly_trend", "wkt"]
    )
    writer.writeheader()
    for hotspot in _hotspots(run):
        row = _properties(hotspot)
        row["wkt"] = shapely.geometry.shape(hotspot.geometry).wkt
        writer.writerow(row)
    out.write(f"# {ATTRIBUTION}\n")
    return out.getvalue()


def hotspots_geopackage(run: HotspotRun) -> bytes:
    """Layers 'hotspots' and 'hotspot_areas' (the clusters they were carved from)."""
    hotspots = _hotspots(run)
    frame = geopandas.GeoDataFrame(
        [_properties(h) for h in hotspots],
        geometry=[shapely.geometry.shape(h.geometry) for h in hotspots],
        crs="EPSG:4326",
        columns=[*FIELDS, *AREA_FIELDS, "counts_by_category", "monthly_trend"],
    )
    areas = _area_features(run)
    area_frame = geopandas.GeoDataFrame(
        [a["properties"] for a in areas],
        geometry=[shapely.geometry.shape(a["geometry"]) for a in areas],
        crs="EPSG:4326",
        columns=AREA_LAYER_FIELDS,
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hotspots.gpkg"
        frame.to_file(path, layer="hotspots", driver="GPKG", engine="pyogrio")
        if areas:
            area_frame.to_file(path, layer="hotspot_areas", driver="GPKG", engine="pyogrio")
        return path.read_bytes()


def _period(run: HotspotRun) -> str:
    return f"{run.period_start:%Y-%m} to {run.period_end:%Y-%m}"
