"""A run's hotspots as GeoJSON, CSV and GeoPackage (WGS84 lon/lat, EPSG:4326)."""

import csv
import io
import json
import tempfile
from pathlib import Path

import geopandas
import shapely

from hotspots.models import HotspotRun

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(data.police.uk)."
)
FIELDS = [
    "rank", "label", "incident_count", "harm", "share_of_incidents", "share_of_area", "pai",
    "peak_score", "area_m2", "centroid_lon", "centroid_lat", "patrol_window",
]  # fmt: skip


def _properties(hotspot) -> dict:
    properties = {name: getattr(hotspot, name) for name in FIELDS}
    properties["counts_by_category"] = json.dumps(hotspot.counts_by_category)
    properties["monthly_trend"] = json.dumps(hotspot.monthly_trend)
    return properties


def hotspots_feature_collection(run: HotspotRun) -> dict:
    features = [
        {"type": "Feature", "id": h.rank, "geometry": h.geometry, "properties": _properties(h)}
        for h in run.hotspots.order_by("rank")
    ]
    return {
        "type": "FeatureCollection",
        "name": f"hotspots-run-{run.pk}",
        "attribution": ATTRIBUTION,
        "run": {"id": run.pk, "method": run.method, "period": _period(run)},
        "features": features,
    }


def hotspots_csv(run: HotspotRun) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, [*FIELDS, "counts_by_category", "monthly_trend", "wkt"])
    writer.writeheader()
    for hotspot in run.hotspots.order_by("rank"):
        row = _properties(hotspot)
        row["wkt"] = shapely.geometry.shape(hotspot.geometry).wkt
        writer.writerow(row)
    out.write(f"# {ATTRIBUTION}\n")
    return out.getvalue()


def hotspots_geopackage(run: HotspotRun) -> bytes:
    hotspots = list(run.hotspots.order_by("rank"))
    frame = geopandas.GeoDataFrame(
        [_properties(h) for h in hotspots],
        geometry=[shapely.geometry.shape(h.geometry) for h in hotspots],
        crs="EPSG:4326",
        columns=[*FIELDS, "counts_by_category", "monthly_trend"],
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hotspots.gpkg"
        frame.to_file(path, layer="hotspots", driver="GPKG", engine="pyogrio")
        return path.read_bytes()


def _period(run: HotspotRun) -> str:
    return f"{run.period_start:%Y-%m} to {run.period_end:%Y-%m}"
