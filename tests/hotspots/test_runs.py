"""Hotspot runs end to end on planted synthetic data: services, API, exports and command."""

import csv
import io
import json
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from django.core.management import call_command
from sklearn.cluster import DBSCAN

from hotspots import selectors
from hotspots.ingest.force_export import ExportMapping
from hotspots.models import Category, Force, HotspotRun
from hotspots.serializers import RunRequestSerializer
from hotspots.services.imports import incidents_import_force_export, incidents_import_police_uk
from hotspots.services.runs import hotspot_run_request
from hotspots.synthetic import SyntheticConfig, generate_all, month_range

pytestmark = pytest.mark.django_db
MAPPING = Path(__file__).resolve().parents[2] / "examples" / "force-export-mapping.json"
CONFIG = SyntheticConfig(seed=7, months=month_range("2024-07", "2024-12"), artefact_month=None)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    generate_all(CONFIG, folder)
    return folder, json.loads((folder / "ground_truth.json").read_text())


@pytest.fixture
def force(planted):
    folder, _ = planted
    incidents_import_police_uk(
        paths=[folder / "police-uk"],
        force_slug="exampleshire",
        boundary_path=folder / "boundary.geojson",
    )
    return Force.objects.get(slug="exampleshire")


def run(force, **overrides):
    payload = {"force": force.slug, "period_start": "2024-07", "period_end": "2024-12", **overrides}
    serializer = RunRequestSerializer(data=payload)
    assert serializer.is_valid(), serializer.errors
    result = hotspot_run_request(data=serializer.validated_data, user=None, sync=True)
    assert result.job.status == "succeeded", result.job.error
    return HotspotRun.objects.get(pk=result.pk)


def matches(hotspot, planted_hotspot, cell_m) -> bool:
    """A found hotspot matches a planted one when its polygon comes within a cell of the
    planted centre (lon/lat polygons compared in degrees scaled to metres)."""
    polygon = shapely.geometry.shape(hotspot.geometry)
    centre = planted_hotspot["centre"]
    point = shapely.Point(centre["lon"], centre["lat"])
    return polygon.distance(point) * 111_000 <= cell_m


def test_gistar_finds_the_planted_hotspots(force, planted):
    _, truth = planted
    planted_hotspots = truth["hotspots"]
    # Gi* also (rightly) finds the denser town cores of the background, so judge the top of
    # the ranking: as many hotspots as were planted.
    result = run(force, selection="all", max_hotspots=len(planted_hotspots))
    found = list(result.hotspots.all())
    hit = [p for p in planted_hotspots if any(matches(h, p, 150) for h in found)]
    true_found = [h for h in found if any(matches(h, p, 150) for p in planted_hotspots)]
    recall, precision = len(hit) / len(planted_hotspots), len(true_found) / len(found)
    print(f"planted {len(planted_hotspots)}, top {len(found)}: ", end="")
    print(f"recall {recall:.2f}, precision {precision:.2f}")
    assert recall >= 0.9
    assert precision >= 0.9
    top = found[0]
    assert top.share_of_incidents > 10 * top.share_of_area
    assert top.pai == pytest.approx(top.share_of_incidents / top.share_of_area)
    assert set(top.monthly_trend) == {f"2024-{m:02d}" for m in range(7, 13)}
    assert sum(top.monthly_trend.values()) == top.incident_count
    assert sum(top.counts_by_category.values()) == top.incident_count
    assert result.summary["incidents_in_hotspots"] == sum(h.incident_count for h in found)


def test_patrol_windows_come_from_force_export_times(force, planted):
    folder, truth = planted
    mapping = ExportMapping.from_dict(json.loads(MAPPING.read_text()))
    incidents_import_force_export(
        path=folder / "force-export.csv", mapping=mapping, force_slug="exampleshire"
    )
    result = run(force, selection="all")
    night = [p for p in truth["hotspots"] if p["pattern"] == "night_time_economy"]
    windows = {h.patrol_window for h in result.hotspots.all() for p in night if matches(h, p, 150)}
    assert windows and all(
        w.startswith(("Thu", "Fri")) and "18:00" <= w[-11:-6] <= "22:00" for w in windows
    ), windows
    assert all(h.hour_weekday and len(h.hour_weekday) == 7 for h in result.hotspots.all())


def test_dbscan_run_equals_scikit_learn_on_the_same_incidents(force):
    result = run(
        force,
        method="dbscan",
        selection="asb",
        eps_m=150,
        min_samples=40,
        max_hotspots=500,
        min_incidents=1,
    )
    data = selectors.incident_arrays(
        force=force, first=result.period_start, last=result.period_end,
        category_ids=selectors.category_ids_for("asb"), source="police_uk",
    )  # fmt: skip
    labels = DBSCAN(eps=150, min_samples=40).fit(np.column_stack([data.x, data.y])).labels_
    grid = result.grid
    col = np.floor((data.x - grid["x0"]) / grid["cell_m"]).astype(int)
    row = np.floor((data.y - grid["y0"]) / grid["cell_m"]).astype(int)
    expected = set((row * grid["nx"] + col)[labels >= 0].tolist())
    found = {cell for h in result.hotspots.all() for cell in h.cells}
    assert found == expected


@pytest.mark.parametrize(
    ("method", "least_recall"), [("gistar", 0.9), ("kde", 0.9), ("dbscan", 0.7), ("hdbscan", 0.7)]
)
def test_every_method_finds_the_planted_hotspots_at_patrol_scale(
    force, planted, method, least_recall
):
    _, truth = planted
    planted_hotspots = truth["hotspots"]
    result = run(force, method=method, selection="all", max_hotspots=len(planted_hotspots))
    found = list(result.hotspots.select_related("area"))
    hit = [p for p in planted_hotspots if any(matches(h, p, 150) for h in found)]
    true_found = [h for h in found if any(matches(h, p, 150) for p in planted_hotspots)]
    recall, precision = len(hit) / len(planted_hotspots), len(true_found) / len(found)
    print(f"{method}: planted {len(planted_hotspots)}, top {len(found)}: ", end="")
    print(f"recall {recall:.2f}, precision {precision:.2f}")
    assert recall >= least_recall and precision >= least_recall
    assert max(h.area_m2 for h in found) <= 100_000
    assert all(h.area is not None and h.area.area_m2 >= h.area_m2 for h in found)
    assert len({h.label for h in found}) == len(found), "labels repeat within the run"
    assert result.summary["largest_hotspot_km2"] <= 0.1


@pytest.mark.parametrize("method", ["kde", "hdbscan"])
def test_other_methods_rank_hotspots(force, method):
    result = run(force, method=method, selection="all", max_hotspots=5)
    ranks = [h.rank for h in result.hotspots.all()]
    assert ranks == list(range(1, len(ranks) + 1)) and ranks
    harms = [h.harm for h in result.hotspots.all()]
    assert harms == sorted(harms, reverse=True)


def test_harm_weighting_changes_the_ranking_basis(force):
    plain = run(force, selection="crime")
    weighted = run(force, selection="crime", harm_weighted=True)
    assert weighted.hotspots.first().harm > plain.hotspots.first().harm


def test_a_period_without_data_is_refused_naming_the_months(force):
    payload = {"force": force.slug, "period_start": "2019-01", "period_end": "2019-03"}
    serializer = RunRequestSerializer(data=payload)
    assert not serializer.is_valid()
    assert serializer.errors["period_start"] == [
        "Exampleshire has no police.uk data for 2019-01…2019-03; it has 2024-07…2024-12."
    ]


def test_empty_selection_fails_with_explanation(force):
    unused = Category.objects.create(name="Never seen", slug="never-seen", group="crime",
                                     harm_weight=1)  # fmt: skip
    payload = {
        "force": force.slug, "period_start": "2024-07", "period_end": "2024-12",
        "selection": "chosen", "categories": [unused.slug],
    }  # fmt: skip
    serializer = RunRequestSerializer(data=payload)
    assert serializer.is_valid(), serializer.errors
    result = hotspot_run_request(data=serializer.validated_data, user=None, sync=True)
    assert result.job.status == "failed"
    assert "No located incidents" in result.job.error


def test_api_run_and_exports(
    force, manager_client, officer_client, django_capture_on_commit_callbacks, tmp_path
):
    body = {
        "force": force.slug,
        "period_start": "2024-07",
        "period_end": "2024-12",
        "selection": "asb",
    }
    assert (
        officer_client.post("/api/hotspot-runs/", body, content_type="application/json").status_code
        == 403
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post("/api/hotspot-runs/", body, content_type="application/json")
    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    detail = officer_client.get(f"/api/hotspot-runs/{run_id}/").json()
    assert detail["job"]["status"] == "succeeded"
    assert detail["hotspots"][0]["rank"] == 1
    geojson = manager_client.get(f"/api/hotspot-runs/{run_id}/hotspots.geojson")
    assert geojson["Content-Type"] == "application/geo+json"
    collection = geojson.json()
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(detail["hotspots"])
    assert "Open Government Licence" in collection["attribution"]
    assert shapely.geometry.shape(collection["features"][0]["geometry"]).is_valid
    csv_text = manager_client.get(f"/api/hotspot-runs/{run_id}/hotspots.csv").content.decode()
    assert csv_text.splitlines()[0].startswith("rank,label,incident_count")
    gpkg = manager_client.get(f"/api/hotspot-runs/{run_id}/hotspots.gpkg").content
    path = tmp_path / "hotspots.gpkg"
    path.write_bytes(gpkg)
    frame = pyogrio.read_dataframe(path, layer="hotspots")
    assert len(frame) == len(detail["hotspots"])
    assert frame.crs.to_epsg() == 4326
    assert list(frame["rank"]) == [h["rank"] for h in detail["hotspots"]]
    assert frame.geometry.is_valid.all()
    # Every hotspot names the hotspot area it was carved from, exported as its own layer.
    areas = pyogrio.read_dataframe(path, layer="hotspot_areas")
    assert set(frame["area_number"]) == set(areas["number"])
    assert [f["id"] for f in collection["areas"]["features"]] == list(areas["number"])
    by_number = dict(zip(areas["number"], areas.geometry, strict=True))
    for _, row in frame.iterrows():
        assert by_number[row["area_number"]].buffer(1e-9).contains(row.geometry)
    assert "area_number,area_label" in csv_text.splitlines()[0]


def test_api_rejects_bad_requests(force, manager_client):
    body = {"force": force.slug, "period_start": "2024-12", "period_end": "2024-07"}
    response = manager_client.post("/api/hotspot-runs/", body, content_type="application/json")
    assert response.status_code == 400
    assert "period_end" in response.json()
    body = {
        "force": force.slug,
        "period_start": "2024-07",
        "period_end": "2024-12",
        "selection": "chosen",
    }
    assert (
        "categories"
        in manager_client.post("/api/hotspot-runs/", body, content_type="application/json").json()
    )


def test_run_list_query_count_does_not_grow(force, manager_client, django_assert_max_num_queries):
    run(force)
    with django_assert_max_num_queries(8) as few:
        manager_client.get("/api/hotspot-runs/")
    for _ in range(3):
        run(force, method="kde")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert manager_client.get("/api/hotspot-runs/").json()["count"] == 4


def test_comparison_api_scores_every_method(
    force, manager_client, django_capture_on_commit_callbacks
):
    body = {"force": force.slug, "selection_start": "2024-07", "selection_end": "2024-09",
            "test_start": "2024-10", "test_end": "2024-12", "selection": "all"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/api/hotspot-comparisons/", body, content_type="application/json"
        )
    assert response.status_code == 202, response.content
    job = manager_client.get(f"/api/jobs/{response.json()['id']}/").json()
    assert job["status"] == "succeeded", job["error"]
    rows = {row["method"]: row for row in job["result"]["rows"]}
    assert set(rows) == {"gistar", "kde", "dbscan", "hdbscan"}
    for row in rows.values():
        if row["hotspots"]:
            assert row["pai_test"] > 1 and 0 <= row["stability"] <= 1


def test_find_hotspots_command(force, tmp_path, capsys):
    out = tmp_path / "hotspots.gpkg"
    call_command("find_hotspots", "--force", force.slug, "--select", "all", "--export", str(out))
    printed = capsys.readouterr().out
    assert "hotspots hold" in printed and "  1. " in printed
    assert len(pyogrio.read_dataframe(out, layer="hotspots")) >= 1
    assert "Each hotspot is at most 0.1 km²" in printed


@pytest.mark.django_db
def test_hotspot_csv_neutralises_formulas_in_labels():
    from hotspots.services.exports import hotspots_csv
    from tests.patrols.factories import HotspotFactory, RunFactory

    run = RunFactory()
    for label in ('=HYPERLINK("http://x.invalid","a")', "+1+1", "-1+1", "@A1", "\tx"):
        HotspotFactory(run=run, label=label)
    rows = list(csv.DictReader(io.StringIO(hotspots_csv(run))))
    labels = [row["label"] for row in rows if row["rank"] and not row["rank"].startswith("#")]
    assert len(labels) == 5 and all(label.startswith("'") for label in labels)
    assert all(float(row["centroid_lon"]) < 0 for row in rows if row["centroid_lon"])


@pytest.mark.django_db
def test_nested_jobs_follow_job_visibility(manager, officer_client, manager_client):
    from core.models import Job
    from tests.patrols.factories import RunFactory

    job = Job.objects.create(
        kind="hotspots.run", status="failed", created_by=manager, params={"secret": "p"},
        error="details of the manager's job", message="Failed: details", result={"r": 1},
    )  # fmt: skip
    run = RunFactory(job=job)
    for path in (f"/api/hotspot-runs/{run.pk}/", "/api/hotspot-runs/"):
        body = officer_client.get(path).json()
        nested = body["job"] if "job" in body else body["results"][0]["job"]
        assert nested["status"] == "failed" and nested["id"] == job.pk
        assert (nested["params"], nested["error"], nested["result"]) == ({}, "", None)
        assert nested["created_by"] is None and nested["message"] == ""
        assert officer_client.get(f"/api/jobs/{job.pk}/").status_code == 404
    seen = manager_client.get(f"/api/hotspot-runs/{run.pk}/").json()["job"]
    assert seen["params"] == {"secret": "p"} and seen["created_by"] == manager.username
