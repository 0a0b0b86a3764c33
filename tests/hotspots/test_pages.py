"""The hotspot analysis pages: runs list and form, one run's map page, method comparison."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from core.jobs import job_start
from core.models import Job
from hotspots.forms_runs import ComparisonForm, RunForm
from hotspots.models import Category, Force, HotspotRun
from hotspots.serializers import RunRequestSerializer
from hotspots.services.imports import incidents_import_police_uk
from hotspots.services.runs import hotspot_run_request
from tests.hotspots import files

MONTHS = ("2025-01", "2025-02", "2025-03", "2025-04")
# Two places 3 km apart, one busy and one less so, on an otherwise empty force.
BUSY = files.POINT_A
QUIETER = ("-1.440000", "52.940000", "On or near Station Road")
EXTERNAL_ASSET = re.compile(r"<(script|link)[^>]+(src|href)=\"(https?:)?//", re.IGNORECASE)


@pytest.fixture
def force(tmp_path, db) -> Force:
    boundary = files.write(tmp_path / "boundary.geojson", json.dumps(files.BOUNDARY))
    paths = [
        files.write(
            tmp_path / f"{month}-testshire-street.csv",
            files.csv_text(
                [files.row(month, point=BUSY) for _ in range(20)]
                + [files.row(month, point=QUIETER) for _ in range(15)]
            ),
        )
        for month in MONTHS
    ]
    incidents_import_police_uk(paths=paths, boundary_path=boundary)
    return Force.objects.get(slug="testshire")


def run_for(force: Force, user=None, **overrides) -> HotspotRun:
    payload = {"force": force.slug, "period_start": "2025-01", "period_end": "2025-04"}
    serializer = RunRequestSerializer(data={**payload, **overrides})
    assert serializer.is_valid(), serializer.errors
    return hotspot_run_request(data=serializer.validated_data, user=user)


@pytest.fixture
def finished_run(force, manager, django_capture_on_commit_callbacks) -> HotspotRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = run_for(force, manager)
    run.refresh_from_db()
    assert run.job.status == "succeeded", run.job.error
    return run


def run_form_data(**overrides) -> dict:
    data = {
        "force": "testshire", "source": "police_uk", "method": "gistar",
        "period_start": "2025-01", "period_end": "2025-04", "selection": "asb",
        "cell_m": "150", "neighbourhood_kind": "queen", "neighbourhood_order": "1",
        "alpha": "0.05", "bandwidth_m": "300", "kernel": "gaussian", "kde_share": "0.02",
        "eps_m": "150",
        "min_samples": "40", "min_cluster_size": "60", "min_incidents": "10",
        "max_hotspots": "20", "clip_to_boundary": "on",
    }  # fmt: skip
    return {**data, **overrides}


def comparison_form_data(**overrides) -> dict:
    # Small clustering thresholds so that every method finds these small hotspots.
    data = run_form_data(
        selection_start="2025-01", selection_end="2025-02", test_start="2025-03",
        test_end="2025-04", min_samples="10", min_cluster_size="20",
    )  # fmt: skip
    for name in ("method", "period_start", "period_end", "clip_to_boundary"):
        data.pop(name)
    return {**data, **overrides}


# Access


@pytest.mark.parametrize(
    ("persona", "runs", "run", "compare"),
    [
        ("manager_client", 200, 200, 200),
        ("commander_client", 200, 200, 403),
        ("officer_client", 403, 403, 403),
    ],
)
def test_page_access_by_role(request, finished_run, persona, runs, run, compare):
    client = request.getfixturevalue(persona)
    assert client.get("/hotspots/").status_code == runs
    assert client.get(f"/hotspots/runs/{finished_run.pk}/").status_code == run
    assert client.get("/hotspots/compare/").status_code == compare


@pytest.mark.parametrize("path", ["/hotspots/", "/hotspots/runs/1/", "/hotspots/compare/"])
def test_anonymous_visitors_are_sent_to_login(anonymous_client, db, path):
    response = anonymous_client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_each_page_declares_its_roles():
    assert resolve("/hotspots/").func.allowed_roles == ("manager", "commander")
    assert resolve("/hotspots/runs/1/").func.allowed_roles == ("manager", "commander")
    assert resolve("/hotspots/compare/").func.allowed_roles == ("manager",)


def test_only_managers_get_and_post_the_run_form(force, manager_client, commander_client):
    assert 'name="period_start"' in manager_client.get("/hotspots/").content.decode()
    assert 'name="period_start"' not in commander_client.get("/hotspots/").content.decode()
    assert commander_client.post("/hotspots/", run_form_data()).status_code == 403
    assert not HotspotRun.objects.exists()


def test_nav_links_to_the_pages(manager_client, commander_client):
    manager_nav = manager_client.get("/manager/").content.decode()
    assert 'href="/hotspots/"' in manager_nav and 'href="/hotspots/compare/"' in manager_nav
    assert 'href="/hotspots/"' in commander_client.get("/commander/").content.decode()


# Runs list and form


def test_run_form_defaults(force, manager_client, settings):
    settings.GRID_CELL_M = 250
    form = manager_client.get("/hotspots/").context["form"]
    assert form["cell_m"].value() == 250
    assert form["period_end"].value() == "2025-04"
    assert form["alpha"].value() == 0.05
    assert form["clip_to_boundary"].value() is True


def test_run_form_starts_a_run_and_shows_its_progress(
    force, manager, manager_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post("/hotspots/", run_form_data(harm_weighted="on"))
    run = HotspotRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/hotspots/?run={run.pk}"
    assert (run.created_by, run.method, run.harm_weighted) == (manager, "gistar", True)
    assert run.options["neighbourhood"] == {"kind": "queen", "order": 1}
    page = manager_client.get(response["Location"]).content.decode()
    assert 'class="job-progress"' in page
    assert f'data-done-url="/hotspots/runs/{run.pk}/"' in page
    assert "core/jobs.js" in page
    run.job.refresh_from_db()
    assert run.job.status == "succeeded", run.job.error
    assert run.hotspots.exists()


def test_runs_list_shows_headline_figures(finished_run, commander_client):
    page = commander_client.get("/hotspots/").content.decode()
    assert f'href="/hotspots/runs/{finished_run.pk}/"' in page
    assert "Getis-Ord Gi*" in page and "Testshire" in page and "Jan 2025 – Apr 2025" in page
    assert "status-succeeded" in page
    assert f"{finished_run.summary['pai']:,.1f}" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"period_end": "2024-12"}, "period_end", "The period ends before it starts."),
        ({"selection": "chosen"}, "categories", "Choose at least one category."),
        ({"neighbourhood_kind": "distance"}, "neighbourhood_band_m", "needs band_m"),
        ({"period_start": "January"}, "period_start", "format"),
        ({"cell_m": "five"}, "cell_m", "whole number"),
        ({"alpha": "0.9"}, "alpha", "less than or equal to 0.2"),
        ({"force": "atlantis"}, "force", "not one of the available choices"),
    ],
)
def test_bad_run_input_is_shown_on_the_form(force, manager_client, overrides, field, message):
    response = manager_client.post("/hotspots/", run_form_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field]), errors
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not HotspotRun.objects.exists()


def test_chosen_categories_are_passed_on(force, manager_client, django_capture_on_commit_callbacks):
    data = run_form_data(selection="chosen", categories=["anti-social-behaviour"], method="kde")
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post("/hotspots/", data)
    run = HotspotRun.objects.get()
    assert list(run.categories.values_list("slug", flat=True)) == ["anti-social-behaviour"]
    assert run.options["bandwidth_m"] == 300


def test_runs_list_query_count_does_not_grow(force, manager_client):
    run_for(force)
    with CaptureQueriesContext(connection) as few:
        assert manager_client.get("/hotspots/").status_code == 200
    for _ in range(3):
        run_for(force, selection="chosen", categories=["anti-social-behaviour"])
    with CaptureQueriesContext(connection) as many:
        manager_client.get("/hotspots/")
    assert len(many) == len(few)


# One run


def test_run_page_has_map_data_downloads_and_attribution(finished_run, commander_client):
    response = commander_client.get(f"/hotspots/runs/{finished_run.pk}/")
    page = response.content.decode()
    assert 'id="run-map"' in page
    data = json.loads(re.search(r'id="run-map-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert [h["rank"] for h in data["hotspots"]] == [1, 2]
    assert data["hotspots"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert data["boundary"]["type"] == "Polygon"
    assert data["base"]["tiles"]["url"] == ""
    for suffix in ("hotspots.geojson", "hotspots.csv", "hotspots.gpkg"):
        assert f'href="/api/hotspot-runs/{finished_run.pk}/{suffix}"' in page
    assert "Open Government Licence" in page
    assert "vendor/leaflet/leaflet.js" in page and "hotspots/run_map.js" in page
    assert 'tr data-rank="1"' in page


def test_run_page_loads_nothing_from_outside(finished_run, manager_client):
    page = manager_client.get(f"/hotspots/runs/{finished_run.pk}/").content.decode()
    assert not EXTERNAL_ASSET.search(page), EXTERNAL_ASSET.search(page)


def test_run_page_passes_a_configured_tile_server(finished_run, manager_client, settings):
    settings.MAP_TILE_URL = "https://tiles.example.police.uk/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "Example Constabulary"
    response = manager_client.get(f"/hotspots/runs/{finished_run.pk}/")
    tiles = response.context["map_data"]["base"]["tiles"]
    assert tiles == {"url": settings.MAP_TILE_URL, "attribution": "Example Constabulary"}


def test_unfinished_run_page_shows_progress_not_map(force, manager_client):
    run = run_for(force)  # on-commit callbacks not run: the job stays queued
    page = manager_client.get(f"/hotspots/runs/{run.pk}/").content.decode()
    assert 'class="job-progress"' in page
    assert f'data-done-url="/hotspots/runs/{run.pk}/"' in page
    assert 'id="run-map"' not in page


def test_failed_run_page_explains(force, manager_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        unused = Category.objects.create(name="Never seen", slug="never-seen", group="crime",
                                         harm_weight=1)  # fmt: skip
        run = run_for(force, selection="chosen", categories=[unused.slug])
    page = manager_client.get(f"/hotspots/runs/{run.pk}/").content.decode()
    assert "The run failed" in page and "No located incidents" in page


def test_missing_run_is_404(manager_client):
    assert manager_client.get("/hotspots/runs/999/").status_code == 404


# Method comparison


def test_comparison_starts_a_job_and_shows_all_four_methods(
    force, manager_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post("/hotspots/compare/", comparison_form_data())
    job = Job.objects.get(kind="hotspots.compare")
    assert response.status_code == 302
    assert response["Location"] == f"/hotspots/compare/?job={job.pk}"
    assert job.params["selection_end"] == "2025-02" and job.params["cell_m"] == 150
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    page = manager_client.get(response["Location"]).content.decode()
    table = page[page.index('<table class="comparison">') : page.index("</table>")]
    for method in ("Getis-Ord Gi*", "Kernel density", "DBSCAN", "HDBSCAN"):
        assert f">{method}" in table
    for measure in (
        "Area share",
        "Hit rate, test",
        "PAI, test (out of sample)",
        "RRI",
        "Stability",
    ):
        assert measure in table
    assert "best out-of-sample PAI" in table
    assert 'class="num best"' in table


def test_comparison_in_progress_shows_its_bar(force, manager, manager_client):
    job = job_start(kind="hotspots.compare", params={}, user=manager)
    page = manager_client.get(f"/hotspots/compare/?job={job.pk}").content.decode()
    assert 'class="job-progress"' in page
    assert f'data-done-url="/hotspots/compare/?job={job.pk}"' in page


def test_bad_comparison_input_is_shown_on_the_form(force, manager_client):
    response = manager_client.post("/hotspots/compare/", comparison_form_data(test_start="2025-02"))
    assert response.status_code == 200
    assert "The test period must come after the selection period." in response.content.decode()
    assert not Job.objects.exists()


def test_comparison_by_id_only_for_comparison_jobs(force, manager, manager_client):
    other = job_start(kind="core.selftest", params={}, user=manager)
    assert manager_client.get(f"/hotspots/compare/?job={other.pk}").status_code == 404
    assert manager_client.get("/hotspots/compare/?job=abc").status_code == 404
    assert manager_client.get("/hotspots/compare/?job=999").status_code == 404


# Assets and forms


@pytest.mark.parametrize(
    "path",
    [
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet/leaflet.css",
        "vendor/leaflet/LICENSE",
        "vendor/leaflet/images/layers.png",
        "vendor/leaflet/images/marker-icon.png",
        "hotspots/run_map.js",
        "hotspots/run_form.js",
        "hotspots/hotspots.css",
    ],
)
def test_static_files_are_bundled(path):
    assert finders.find(path), path


def test_leaflet_is_the_bundled_release_with_its_licence():
    source = Path(finders.find("vendor/leaflet/leaflet.js")).read_text(encoding="utf-8")
    assert 'version="1.9.4"' in source
    licence = Path(finders.find("vendor/leaflet/LICENSE")).read_text(encoding="utf-8")
    assert "BSD 2-Clause" in licence


@pytest.mark.parametrize("form_class", [RunForm, ComparisonForm])
def test_form_layout_shows_every_field(db, form_class):
    laid_out = [name for _, _, names in form_class.layout for name in names]
    assert sorted(laid_out) == sorted(form_class.base_fields)


def test_comparison_table_shows_gaps_and_the_best_test_pai(manager, manager_client):
    row = dict.fromkeys(
        ("hotspots", "area_share", "hit_rate_selection", "hit_rate_test", "pai_selection", "rri"),
        1,
    )
    rows = [
        {**row, "method": "gistar", "pai_test": 12.5, "stability": 0.5},
        {**row, "method": "kde", "pai_test": 30.25, "stability": 0.5},
        {**row, "method": "dbscan", "pai_test": None, "stability": None},
        {**row, "method": "hdbscan", "pai_test": 8.0, "stability": 0.25},
    ]
    job = Job.objects.create(
        kind="hotspots.compare", status="succeeded", created_by=manager,
        result={"incidents": {"selection": 10, "test": 9}, "rows": rows},
    )  # fmt: skip
    page = manager_client.get(f"/hotspots/compare/?job={job.pk}").content.decode()
    assert '<td class="num best">30.25</td>' in page
    assert page.count('class="num best"') == 2  # the KDE column head and its test PAI
    assert '<td class="num">—</td>' in page
