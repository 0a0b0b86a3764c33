"""Every map has a base: OpenStreetMap by default, switched off by a setting, and when tiles
cannot load, the force's boundary and the street names of its police.uk map points."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotspots.models import Force
from hotspots.services.imports import incidents_import_police_uk
from tests.hotspots import files

ROOT = Path(__file__).resolve().parents[2]


def _setting(name: str, **env) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MAP_TILE")}
    environment.update(env)
    code = "import django; django.setup(); from django.conf import settings; "
    code += f"print(settings.{name})"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_openstreetmap_is_the_default_with_its_attribution():
    assert _setting("MAP_TILE_URL") == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap</a> contributors" in _setting("MAP_TILE_ATTRIBUTION")


def test_the_base_map_can_be_switched_off_or_replaced():
    assert _setting("MAP_TILE_URL", MAP_TILE_URL="off") == ""
    assert (
        _setting("MAP_TILE_ATTRIBUTION", MAP_TILE_URL="https://maps.force.example/{z}/{x}/{y}.png")
        == ""
    )


def test_the_content_security_policy_follows_the_tile_server(client, settings):
    settings.MAP_TILE_URL = "https://tiles.force.example/{z}/{x}/{y}.png"
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.force.example" in policy


@pytest.fixture
def streets(tmp_path, db) -> Force:
    rows = (
        [files.row("2025-01", point=files.POINT_A) for _ in range(5)]
        + [files.row("2025-01", point=("-1.440000", "52.940000", "On or near Station Road"))]
        + [files.row("2025-01", point=("-1.441000", "52.941000", "On or near Supermarket"))]
        + [files.row("2025-01", point=("-1.300000", "52.700000", "On or near Far Lane"))]
    )
    path = files.write(tmp_path / "2025-01-testshire-street.csv", files.csv_text(rows))
    incidents_import_police_uk(paths=[path])
    return Force.objects.get(slug="testshire")


def test_street_names_in_a_box_busiest_first_without_generic_places(streets, client):
    url = f"/api/forces/{streets.slug}/streets/?bbox=-1.50,52.90,-1.40,52.97"
    response = client.get(url)  # police.uk's published map points: anyone may read them
    assert response.status_code == 200
    names = [row["name"] for row in response.json()]
    street_a = files.POINT_A[2].removeprefix("On or near ")
    assert names == [street_a, "Station Road"]
    assert "public" in response["Cache-Control"]


@pytest.mark.parametrize("bbox", ["", "1,2,3", "a,b,c,d", "-1.4,52.9,-1.5,52.97", "nan,0,1,1"])
def test_a_bad_box_is_refused_in_words(streets, client, bbox):
    response = client.get(f"/api/forces/{streets.slug}/streets/?bbox={bbox}")
    assert response.status_code == 400
    assert "bbox" in response.json()


def test_a_box_too_wide_to_read_gets_no_names(streets, client):
    response = client.get(f"/api/forces/{streets.slug}/streets/?bbox=-2,52,-1,53")
    assert response.status_code == 200 and response.json() == []


def test_maps_carry_the_base_and_the_street_names_address(
    streets, manager_client, settings, django_capture_on_commit_callbacks
):
    from tests.hotspots.test_pages import run_for

    settings.MAP_TILE_URL = "https://tiles.force.example/{z}/{x}/{y}.png"
    with django_capture_on_commit_callbacks(execute=True):
        run = run_for(streets, period_start="2025-01", period_end="2025-01")
    response = manager_client.get(f"/hotspots/runs/{run.pk}/")
    page = response.content.decode()
    data = response.context["map_data"]
    assert data["base"]["tiles"]["url"] == settings.MAP_TILE_URL
    assert data["base"]["streets"] == f"/api/forces/{streets.slug}/streets/"
    assert "core/basemap.js" in page


@pytest.fixture
def live_run(transactional_db, django_db_serialized_rollback, tmp_path, settings):
    from hotspots.serializers import RunRequestSerializer
    from hotspots.services.runs import hotspot_run_request
    from tests.factories import UserFactory
    from tests.hotspots.test_pages import BUSY, QUIETER

    paths = [
        files.write(tmp_path / f"{m}-testshire-street.csv", files.csv_text(
            [files.row(m, point=BUSY)] * 20 + [files.row(m, point=QUIETER)] * 15))
        for m in ("2025-01", "2025-02", "2025-03", "2025-04")
    ]  # fmt: skip
    boundary = files.write(tmp_path / "boundary.geojson", json.dumps(files.BOUNDARY))
    incidents_import_police_uk(paths=paths, boundary_path=boundary)
    UserFactory(username="morgan", roles=["manager"])
    request = RunRequestSerializer(data={"force": "testshire", "period_start": "2025-01",
                                         "period_end": "2025-04"})  # fmt: skip
    assert request.is_valid(), request.errors
    run = hotspot_run_request(data=request.validated_data, user=None, sync=True)
    assert run.job.status == "succeeded", run.job.error
    # A tile server that cannot be reached, as on a closed force network.
    settings.MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    return run


@pytest.mark.browser
def test_unreachable_tiles_fall_back_to_street_names(live_server, live_run):
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, require_chromium, sign_in

    chromium = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 1000})
            page.set_default_timeout(15_000)
            sign_in(page, live_server.url, "morgan")
            page.goto(f"{live_server.url}/hotspots/runs/{live_run.pk}/")
            page.wait_for_selector(".map-fallback")
            assert "No base map here" in page.inner_text(".map-note")
            page.wait_for_selector(".street-label")
            labels = page.locator(".street-label").all_inner_texts()
            assert files.POINT_A[2].removeprefix("On or near ") in labels
            assert "police.uk" in page.inner_text(".leaflet-control-attribution")
        finally:
            browser.close()
