"""Honest run set-up: the months a force holds (calendar, defaults, refusals), flagged months
on a run, a study area without a boundary, incidents in coastal cells, and KDE's peak and
kernels on the run page, API and command."""

import datetime as dt
import json
import math

import numpy as np
import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pyproj import Transformer

from core.models import Job
from hotspots import selectors
from hotspots.analysis import Grid, mask_from_polygon, mask_near_cells
from hotspots.models import Category, Force, HotspotRun, Incident, QualityFlag
from hotspots.serializers import ComparisonRequestSerializer, RunRequestSerializer
from hotspots.services.geometry import INCIDENT_BUFFER_M, to_projected
from hotspots.services.imports import incidents_import_police_uk
from hotspots.services.runs import hotspot_run_request
from tests.hotspots import files

pytestmark = pytest.mark.django_db
FIRST_HALF = [f"2024-{m:02d}" for m in range(1, 7)]
SECOND_HALF = ["2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]
FORCE = files.FORCE  # "Testshire Constabulary"
TO_LONLAT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
# Derby city centre in British National Grid metres.
CENTRE = (435_150.0, 336_150.0)


def d(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[5:7]), 1)


def point(x: float, y: float, location: str = "On or near Market Place") -> tuple:
    lon, lat = TO_LONLAT.transform(x, y)
    return (f"{lon:.6f}", f"{lat:.6f}", location)


def month_rows(month: str, extra: list[tuple] = ()) -> list[str]:
    """A busy place (25 ASB a month within 60 m) and 15 scattered over 3 km."""
    rng = np.random.default_rng(int(month.replace("-", "")))
    busy = [point(CENTRE[0] + dx, CENTRE[1] + dy) for dx, dy in rng.normal(0, 30, (25, 2))]
    spread = [
        point(CENTRE[0] + dx, CENTRE[1] + dy, "On or near Station Road")
        for dx, dy in rng.uniform(-1500, 1500, (15, 2))
    ]
    return [files.row(month, point=p) for p in [*busy, *spread, *extra]]


def import_months(tmp_path, months, boundary: dict | None = files.BOUNDARY, extra=()) -> Force:
    paths = [
        files.write(tmp_path / f"{m}-testshire-street.csv", files.csv_text(month_rows(m, extra)))
        for m in months
    ]
    boundary_path = None
    if boundary is not None:
        boundary_path = files.write(tmp_path / "boundary.geojson", json.dumps(boundary))
    incidents_import_police_uk(paths=paths, boundary_path=boundary_path)
    # Planted flags only: the rules' own verdicts on these tiny months are not under test.
    QualityFlag.objects.all().delete()
    return Force.objects.get(name=FORCE)


@pytest.fixture
def gappy(tmp_path) -> Force:
    """Held 2024-01…2024-06 and 2024-09…2025-02; ASB flagged in 2024-03, 2025-01, 2025-02."""
    force = import_months(tmp_path, FIRST_HALF + SECOND_HALF)
    asb = Category.objects.get(name="Anti-social behaviour")
    for month in ("2024-03", "2025-01", "2025-02"):
        QualityFlag.objects.create(
            force=force, category=asb, month=d(month), rule="test-rule", reason="planted",
            count=25,
        )  # fmt: skip
    return force


def run_sync(force: Force, **payload) -> HotspotRun:
    serializer = RunRequestSerializer(data={"force": force.slug, **payload})
    assert serializer.is_valid(), serializer.errors
    run = hotspot_run_request(data=serializer.validated_data, user=None, sync=True)
    assert run.job.status == "succeeded", run.job.error
    return HotspotRun.objects.get(pk=run.pk)


# Months held


def test_months_held_missing_and_default_period(gappy):
    held = selectors.months_held(force=gappy, source="police_uk")
    assert [f"{m:%Y-%m}" for m in held] == FIRST_HALF + SECOND_HALF
    assert selectors.missing_months(
        force=gappy, source="police_uk", first=d("2024-05"), last=d("2024-10")
    ) == [d("2024-07"), d("2024-08")]
    assert selectors.default_period(force=gappy, source="police_uk") == (d("2024-09"), d("2025-02"))
    assert selectors.default_period(force=gappy, source="force_export") is None


def test_api_serializer_defaults_to_the_latest_months_held_without_a_gap(gappy):
    serializer = RunRequestSerializer(data={"force": gappy.slug})
    assert serializer.is_valid(), serializer.errors
    data = serializer.validated_data
    assert (data["period_start"], data["period_end"]) == (d("2024-09"), d("2025-02"))
    # Given only its end, a period runs back 12 months or to a gap, whichever comes first.
    only_end = RunRequestSerializer(data={"force": gappy.slug, "period_end": "2024-06"})
    assert only_end.is_valid(), only_end.errors
    assert only_end.validated_data["period_start"] == d("2024-01")


def test_a_period_over_a_gap_is_refused_naming_the_months_unless_allowed(gappy):
    payload = {"force": gappy.slug, "period_start": "2024-01", "period_end": "2024-12"}
    refused = RunRequestSerializer(data=payload)
    assert not refused.is_valid()
    assert refused.errors["period_start"] == [
        "Testshire Constabulary has no police.uk data for 2024-07…2024-08. Choose a period it "
        "covers, or allow missing months to count them as empty."
    ]
    allowed = RunRequestSerializer(data={**payload, "allow_missing_months": True})
    assert allowed.is_valid(), allowed.errors


def test_a_source_or_period_with_no_data_at_all_is_refused_even_when_allowed(gappy):
    none = RunRequestSerializer(data={"force": gappy.slug, "source": "force_export"})
    assert not none.is_valid()
    assert none.errors["period_start"] == [
        "Testshire Constabulary has no force export data; import some first."
    ]
    payload = {"force": gappy.slug, "period_start": "2023-01", "period_end": "2023-12",
               "allow_missing_months": True}  # fmt: skip
    old = RunRequestSerializer(data=payload)
    assert not old.is_valid()
    assert old.errors["period_start"] == [
        "Testshire Constabulary has no police.uk data for 2023-01…2023-12; it has "
        "2024-01…2024-06, 2024-09…2025-02."
    ]


def test_comparison_refuses_a_test_period_in_the_gap(gappy):
    payload = {
        "force": gappy.slug, "selection_start": "2024-01", "selection_end": "2024-06",
        "test_start": "2024-07", "test_end": "2024-10",
    }  # fmt: skip
    serializer = ComparisonRequestSerializer(data=payload)
    assert not serializer.is_valid()
    assert "no police.uk data for 2024-07…2024-08" in serializer.errors["test_start"][0]


def test_forms_default_to_the_force_months_and_show_them(gappy, manager_client):
    page = manager_client.get("/hotspots/")
    form = page.context["form"]
    assert (form["period_start"].value(), form["period_end"].value()) == ("2024-09", "2025-02")
    data = form.period_data["forces"]["testshire"]["police_uk"]
    assert data["held"] == "2024-01…2024-06, 2024-09…2025-02"
    assert data["flagged"] == "2024-03, 2025-01…2025-02"
    assert 'id="period-data"' in page.content.decode()
    compare = manager_client.get("/hotspots/compare/").context["form"]
    # Six months held without a gap: select on the first four, test on the last two.
    assert [compare[n].value() for n in ("selection_start", "selection_end", "test_start",
                                         "test_end")] == ["2024-09", "2024-12", "2025-01",
                                                          "2025-02"]  # fmt: skip


def test_run_form_shows_the_missing_months(gappy, manager_client):
    from tests.hotspots.test_pages import run_form_data

    data = run_form_data(period_start="2024-05", period_end="2024-10")
    page = manager_client.post("/hotspots/", data).content.decode()
    assert "has no police.uk data for 2024-07…2024-08" in page
    assert not HotspotRun.objects.exists()


def test_find_hotspots_defaults_and_refusals(gappy, capsys):
    call_command("find_hotspots", "--force", "testshire", "--min-incidents", "5")
    assert "2024-09…2025-02:" in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"no police\.uk data for 2024-07…2024-08"):
        call_command(
            "find_hotspots", "--force", "testshire", "--from", "2024-01", "--to", "2024-12"
        )


# Flagged and missing months on the run


def test_a_run_over_flagged_and_missing_months_says_so(gappy, manager_client):
    run = run_sync(gappy, period_start="2024-01", period_end="2025-02", allow_missing_months=True,
                   min_incidents=5)  # fmt: skip
    assert run.summary["missing_months"] == ["2024-07", "2024-08"]
    assert run.summary["flagged_months"] == {
        m: ["Anti-social behaviour"] for m in ("2024-03", "2025-01", "2025-02")
    }
    page = manager_client.get(f"/hotspots/runs/{run.pk}/").content.decode()
    assert "The period includes flagged months: 2024-03, 2025-01…2025-02" in page
    assert "No police.uk data for 2024-07…2024-08: those months count as empty." in page


def test_flags_of_other_categories_do_not_mark_the_run(gappy):
    burglary = Category.objects.get(name="Burglary")
    QualityFlag.objects.create(force=gappy, category=burglary, month=d("2024-10"), rule="r",
                               reason="planted", count=1)  # fmt: skip
    run = run_sync(gappy, period_start="2024-09", period_end="2024-12", min_incidents=5)
    assert run.summary["flagged_months"] == {}


# The Incident data calendar


def test_incident_data_page_shows_a_calendar_per_force_and_source(gappy, commander_client):
    page = commander_client.get("/incidents/").content.decode()
    assert "Months held" in page and "no data" in page and "flagged (see" in page
    assert (
        '12 months: <span class="nowrap">2024-01…2024-06</span>, '
        '<span class="nowrap">2024-09…2025-02</span>' in page
    )
    assert 'title="Mar 2024: flagged (Anti-social behaviour: test-rule)"' in page
    assert 'title="Jul 2024: no data"' in page
    assert 'title="Dec 2024: held"' in page
    assert '<th scope="row">2024</th>' in page and '<th scope="row">2025</th>' in page


def test_incident_data_calendar_queries_do_not_grow_with_forces(gappy, manager_client, tmp_path):
    with CaptureQueriesContext(connection) as one:
        manager_client.get("/incidents/")
    other = Force.objects.create(name="Otherton", slug="otherton")
    asb = Category.objects.get(name="Anti-social behaviour")
    other.monthly_stats.create(source="police_uk", category=asb, month=d("2023-05"), count=3)
    with CaptureQueriesContext(connection) as two:
        page = manager_client.get("/incidents/").content.decode()
    assert 'title="May 2023: held"' in page
    assert len(two) == len(one)


# Study area


def test_mask_near_cells_is_every_cell_within_the_buffer_with_holes_filled():
    grid = Grid(0.0, 0.0, 100.0, 40, 30)
    rng = np.random.default_rng(1)
    cells = rng.choice(grid.n_cells, 12, replace=False)
    mask = mask_near_cells(grid, np.append(cells, -1), 250.0)
    cx, cy = grid.centres()
    ox, oy = grid.centres(cells)
    near = ((cx[:, None] - ox) ** 2 + (cy[:, None] - oy) ** 2 <= 250.0**2 + 1e-6).any(axis=1)
    # Brute force, then the holes: empty cells that cannot reach the grid edge.
    from scipy import ndimage

    outside, _ = ndimage.label(~near.reshape(grid.shape))
    edge = set(np.unique(np.concatenate([outside[0], outside[-1], outside[:, 0], outside[:, -1]])))
    filled = near.reshape(grid.shape) | ~np.isin(outside, list(edge - {0})) & (outside > 0)
    np.testing.assert_array_equal(mask, filled)
    ring = [
        grid.index(10 + r, 10 + c) for r in range(5) for c in range(5) if r in (0, 4) or c in (0, 4)
    ]
    assert mask_near_cells(grid, np.array(ring), 0.0)[12, 12]  # the ring's middle is filled


def test_a_force_without_a_boundary_gets_a_study_area_from_its_incidents(tmp_path, manager_client):
    # One incident a month in Cardiff: with the incidents' extent as the study area, Wales
    # to Derby would be thousands of km² and every PAI absurd.
    force = import_months(tmp_path, SECOND_HALF, boundary=None, extra=[files.POINT_WALES])
    assert force.boundary is None
    run = run_sync(force, min_incidents=5)
    summary = run.summary
    assert summary["study_area_basis"] == "incidents"
    assert summary["incidents"] == summary["incidents_read"] == 41 * 6
    # Derby's 3 km square plus the buffer, and a small disc in Cardiff: nowhere near 10,000 km².
    assert 9 < summary["study_area_km2"] < (3 + 2 * INCIDENT_BUFFER_M / 1000) ** 2 + 2
    page = manager_client.get(f"/hotspots/runs/{run.pk}/").content.decode()
    assert "has no boundary: the study area" in page
    assert "no boundary: cells near the incidents" in page
    assert "Clipped to boundary" not in page


def _coastal_boundary() -> tuple[dict, tuple[float, float]]:
    """A force whose coast (a north–south line in BNG) cuts a 150 m cell west of its centre,
    and a point on land in that cell: inside the boundary, its cell centre at sea."""
    cell_x = math.floor((CENTRE[0] + 1200) / 150) * 150
    coast = cell_x + 50  # the cell centre is at +75: at sea
    land = shapely.box(CENTRE[0] - 3000, CENTRE[1] - 3000, coast, CENTRE[1] + 3000)
    land = shapely.segmentize(land, 100)  # straight in BNG once turned into lon/lat
    lonlat = shapely.transform(land, lambda xy: np.column_stack(TO_LONLAT.transform(*xy.T)))
    return shapely.geometry.mapping(lonlat), (cell_x + 20, CENTRE[1] + 10)


def test_incidents_in_coastal_cells_are_counted(tmp_path, manager_client):
    boundary, (px, py) = _coastal_boundary()
    force = import_months(tmp_path, SECOND_HALF, boundary=boundary,
                          extra=[point(px, py, "On or near The Quay")] * 3)  # fmt: skip
    # The set-up is coastal: the quay's cell centre is outside the boundary.
    polygon = to_projected(shapely.geometry.shape(force.boundary))
    assert polygon.contains(shapely.Point(px, py))
    grid = Grid.covering([], [], 150, bounds=tuple(shapely.bounds(polygon).tolist()))
    assert not mask_from_polygon(grid, polygon).ravel()[grid.cell_of([px], [py])[0]]

    run = run_sync(force, min_incidents=5)
    summary = run.summary
    # Scattered incidents east of the coast are outside the force and never imported.
    located = Incident.objects.mappable().filter(force=force).count()
    assert summary["incidents"] == summary["incidents_read"] == located
    assert summary["incidents_outside_study_area"] == 0
    assert summary["cells_added_for_incidents"] >= 1
    assert summary["incidents_in_added_cells"] >= 18  # the quay's 3 a month, at least
    assert "cells whose centre is outside it (a coast or an edge)" in summary["notes"][0]
    page = manager_client.get(f"/hotspots/runs/{run.pk}/").content.decode()
    assert "<dt>Edge cells added</dt>" in page
    assert summary["notes"][0] in page


# KDE on the run


def test_kde_run_reports_a_readable_peak_and_warns_of_a_narrow_bandwidth(gappy, manager_client):
    run = run_sync(gappy, method="kde", kernel="quartic", bandwidth_m=100, min_incidents=5)
    top = run.hotspots.order_by("rank").first()
    assert top.peak_score > 100  # incidents per km² over six months, not 0.0003 per m²
    assert run.options["kernel"] == "quartic"
    assert any(
        "bandwidth (100 m) is below the cell size (150 m)" in w for w in run.summary["warnings"]
    )
    page = manager_client.get(f"/hotspots/runs/{run.pk}/").content.decode()
    assert "Peak per km²" in page
    assert f"{top.peak_score:,.0f}" in page
    assert "<dt>Kernel</dt><dd>Quartic (biweight)</dd>" in page


def test_run_form_warns_of_a_narrow_bandwidth(
    gappy, manager_client, django_capture_on_commit_callbacks
):
    from tests.hotspots.test_pages import run_form_data

    data = run_form_data(method="kde", bandwidth_m="100", kernel="quartic",
                         period_start="2024-09", period_end="2025-02")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        page = manager_client.post("/hotspots/", data, follow=True).content.decode()
    assert "The KDE bandwidth (100 m) is below the cell size (150 m)" in page
    assert HotspotRun.objects.get().options["kernel"] == "quartic"


def test_api_and_command_take_the_kernel(gappy, manager_client, capsys):
    body = {"force": gappy.slug, "method": "kde", "kernel": "quartic", "min_incidents": 5}
    response = manager_client.post("/api/hotspot-runs/", body, content_type="application/json")
    assert response.status_code == 202, response.content
    assert response.json()["options"]["kernel"] == "quartic"
    bad = manager_client.post("/api/hotspot-runs/", {**body, "kernel": "epanechnikov"},
                              content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and "kernel" in bad.json()
    call_command("find_hotspots", "--force", "testshire", "--method", "kde", "--kernel",
                 "quartic", "--bandwidth", "100", "--min-incidents", "5")  # fmt: skip
    out = capsys.readouterr().out
    assert "Warning: The KDE bandwidth (100 m) is below the cell size" in out
    assert HotspotRun.objects.order_by("-pk").first().options["kernel"] == "quartic"


def test_run_form_offers_only_forces_with_data_the_newest_first(gappy, manager_client):
    Force.objects.create(slug="aaa-empty", name="Aaa Empty Police")  # first by name, no data
    form = manager_client.get("/hotspots/").context["form"]
    assert [slug for slug, _ in form.fields["force"].choices] == ["testshire"]
    assert form["force"].value() == "testshire"
    compare = manager_client.get("/hotspots/compare/").context["form"]
    assert [slug for slug, _ in compare.fields["force"].choices] == ["testshire"]


def test_a_failed_run_says_so_where_it_was_started(gappy, manager_client):
    run = run_sync(gappy)
    reason = "No located incidents in the force area match this period and selection."
    Job.objects.filter(pk=run.job_id).update(status="failed", error=reason)
    page = manager_client.get(f"/hotspots/?run={run.pk}").content.decode()
    assert 'class="outcome outcome-failed"' in page
    assert f"Failed: {reason}" in page
    assert "The run's page opens when the analysis finishes" not in page
