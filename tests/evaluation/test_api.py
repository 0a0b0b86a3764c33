"""The evaluation API, pages, exports and roles on a small hand-built force."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.models import Evaluation
from evaluation.results import SCHEMA_VERSION, Results, SchemaError, StaleResults
from evaluation.serializers import EvaluationRequestSerializer
from evaluation.services import JOB_KIND, evaluation_start
from hotspots.models import Category, Force, Hotspot, HotspotRun, ImportBatch, Incident
from patrols.models import OfficerProfile, PatrolAssignment, PatrolPlan, PlanHotspot
from tests.factories import UserFactory
from tests.patrols.factories import delivered_if_done

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
X0, Y0, CELL = 430_000.0, 330_000.0, 150.0
# (column, row) of each hotspot's one cell, and ASB/crime counts per month before → after.
HOTSPOTS = [((4, 4), (30, 20), (12, 10)), ((12, 4), (25, 18), (10, 9)), ((4, 12), (20, 21), (8, 8))]
SQUARE = {"type": "Polygon", "coordinates": [[[-1.5, 52.9], [-1.4, 52.9], [-1.4, 53.0],
                                               [-1.5, 53.0], [-1.5, 52.9]]]}  # fmt: skip


def month(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[5:7]), 1)


def build_world(*, plan_hotspots: int = 2) -> tuple[HotspotRun, PatrolPlan]:
    """Three one-cell hotspots on a 20 × 20 grid of 150 m cells; ASB and violence in them
    and in the rest of the force in 2024-01…03 and 2025-01…03; a plan with the first
    `plan_hotspots` of them (the others are controls) and a few patrols."""
    force = Force.objects.create(name="Testshire", slug="testshire", boundary=SQUARE)
    grid = {"x0": X0, "y0": Y0, "cell_m": CELL, "nx": 20, "ny": 20, "crs": "EPSG:27700"}
    run = HotspotRun.objects.create(
        force=force, period_start=month("2024-01"), period_end=month("2024-03"), grid=grid
    )
    hotspots = [_hotspot(run, rank, col, row) for rank, ((col, row), _, _) in
                enumerate(HOTSPOTS, start=1)]  # fmt: skip
    _incidents(force)
    plan = PatrolPlan.objects.create(
        force=force, run=run, name="Spring patrols", first_day=dt.date(2025, 1, 6),
        last_day=dt.date(2025, 2, 2), status="published", seed=1,
    )  # fmt: skip
    officer = OfficerProfile.objects.create(
        user=UserFactory(username="pc-api", roles=["officer"]), force=force, collar_number="1"
    )
    for hotspot in hotspots[:plan_hotspots]:
        PlanHotspot.objects.create(plan=plan, hotspot=hotspot)
        start = dt.datetime(2025, 1, 10, 19, tzinfo=LONDON)
        end = start + dt.timedelta(minutes=30)
        delivered_if_done(
            PatrolAssignment.objects.create(
                plan=plan, hotspot=hotspot, officer=officer, start=start, end=end, status="done"
            )
        )
    return run, plan


def _hotspot(run: HotspotRun, rank: int, col: int, row: int) -> Hotspot:
    return Hotspot.objects.create(
        run=run, rank=rank, label=f"Street {rank}", cells=[row * 20 + col], geometry=SQUARE,
        centroid_lon=-1.45, centroid_lat=52.95, centroid_x=X0 + (col + 0.5) * CELL,
        centroid_y=Y0 + (row + 0.5) * CELL, area_m2=CELL**2, incident_count=1, harm=1,
        share_of_incidents=0, share_of_area=0, pai=0, peak_score=0,
    )  # fmt: skip


def _incidents(force: Force) -> None:
    asb = Category.objects.get(slug="anti-social-behaviour")
    violence = Category.objects.get(slug="violence-and-sexual-offences")
    batch = ImportBatch.objects.create(force=force, source="police_uk", file_name="t.csv",
                                       checksum="0", status="imported")  # fmt: skip
    rows = []
    places = [(col, row, b, a) for (col, row), b, a in HOTSPOTS] + [(18, 18, (40, 44), (9, 9))]
    for col, row, (asb_b, asb_a), (vio_b, vio_a) in places:
        x, y = X0 + (col + 0.5) * CELL, Y0 + (row + 0.5) * CELL
        for m in ("01", "02", "03"):
            for year, n_asb, n_vio in (("2024", asb_b, vio_b), ("2025", asb_a, vio_a)):
                rows += [(x, y, asb, f"{year}-{m}")] * (n_asb // 3)
                rows += [(x, y, violence, f"{year}-{m}")] * (n_vio // 3)
    Incident.objects.bulk_create(
        Incident(force=force, batch=batch, source="police_uk", month=month(m), category=c,
                 x=x, y=y, longitude=-1.45, latitude=52.95)
        for x, y, c, m in rows
    )  # fmt: skip


def finished(run=None, plan=None, **overrides) -> Evaluation:
    payload = {"after_start": "2025-01", "after_end": "2025-03", **overrides}
    payload.update({"plan": plan.pk} if plan else {"run": run.pk})
    request = EvaluationRequestSerializer(data=payload)
    assert request.is_valid(), request.errors
    evaluation = evaluation_start(data=request.validated_data, sync=True)
    assert evaluation.job.status == "succeeded", evaluation.job.error
    return evaluation


@pytest.fixture
def world():
    return build_world()


def test_manager_starts_an_evaluation_and_reads_its_report(
    world, manager_client, django_capture_on_commit_callbacks
):
    run, plan = world
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/api/evaluations/",
            {"plan": plan.pk, "after_start": "2025-01", "after_end": "2025-03",
             "comparison": "control"},
            content_type="application/json",
        )  # fmt: skip
    assert response.status_code == 202, response.content
    created = response.json()
    assert created["before_start"] == "2024-01" and created["before_end"] == "2024-03"
    detail = manager_client.get(f"/api/evaluations/{created['id']}/").json()
    assert detail["job"]["status"] == "succeeded", detail["job"]
    asb = detail["results"]["measures"]["asb"]
    assert asb["totals"]["treated"] == {"before": 54.0, "after": 36.0, "percent_change": -100 / 3}
    assert asb["totals"]["controls"]["before"] == 18.0
    assert detail["headline"].startswith("ASB in the 2 hotspot areas down")
    assert "from 1.0 patrol hours" in detail["headline"]
    assert any(w["kind"] == "rtm" for w in detail["warnings"])
    assert all(isinstance(w["details"], list) for w in detail["warnings"])
    # Both periods in police.uk's fourteen-category scheme: nothing to harmonise.
    assert detail["results"]["categories"] is None and detail["results"]["releases"] == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"run": "RUN"}, "not both"),
        ({"plan": None, "run": "RUN", "comparison": "control"}, "Control hotspots need a plan"),
        ({"before_start": "2023-01", "before_end": "2023-05"}, "as many months"),
        ({"before_start": "2024-12"}, "must end before"),
        ({"measures": ["chosen"]}, "Choose the categories"),
    ],
)
def test_bad_requests_are_refused_with_reasons(world, manager_client, change, message):
    run, plan = world
    payload = {"plan": plan.pk, "after_start": "2025-01", "after_end": "2025-03", **change}
    payload = {k: run.pk if v == "RUN" else v for k, v in payload.items()}
    response = manager_client.post("/api/evaluations/", payload, content_type="application/json")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_roles(world, manager_client, commander_client, officer_client, anonymous_client):
    run, _ = world
    evaluation = finished(run=run)
    body = {"run": run.pk, "after_start": "2025-01", "after_end": "2025-03"}
    assert commander_client.get("/api/evaluations/").status_code == 200
    assert commander_client.get(f"/api/evaluations/{evaluation.pk}/").status_code == 200
    assert commander_client.post("/api/evaluations/", body).status_code == 403
    assert officer_client.get("/api/evaluations/").status_code == 403
    assert anonymous_client.get("/api/evaluations/").status_code in (401, 403)
    for path in ("/evaluations/", f"/evaluations/{evaluation.pk}/",
                 f"/evaluations/{evaluation.pk}/report.pdf"):  # fmt: skip
        assert officer_client.get(path).status_code == 403
        assert anonymous_client.get(path)["Location"].startswith("/login/")
    assert commander_client.post("/evaluations/", {}).status_code == 403
    page = commander_client.get("/evaluations/").content.decode()
    assert (
        "New evaluation" not in page
        and "New evaluation" in manager_client.get("/evaluations/").content.decode()
    )


def test_list_query_count_does_not_grow(world, commander_client):
    run, plan = world
    finished(run=run)
    with CaptureQueriesContext(connection) as few:
        assert commander_client.get("/api/evaluations/").status_code == 200
    for _ in range(3):
        finished(plan=plan, comparison="control")
    with CaptureQueriesContext(connection) as many:
        page = commander_client.get("/api/evaluations/").json()
    assert page["count"] == 4
    assert len(many) == len(few)
    assert all(item["headline"] for item in page["results"])
    with CaptureQueriesContext(connection) as pages:
        commander_client.get("/evaluations/")
    finished(run=run)
    with CaptureQueriesContext(connection) as more_pages:
        commander_client.get("/evaluations/")
    assert len(more_pages) == len(pages)


def test_report_page_pdf_and_csv(world, commander_client):
    _, plan = world
    evaluation = finished(plan=plan, comparison="control")
    page = commander_client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert evaluation.headline[:60] in page.replace("&#x27;", "'")
    assert page.count("<svg") >= 4  # trend ×2, forest, dose, print map
    assert "Open Government Licence" in page
    assert "evaluation-map-data" in page and "leaflet.js" in page
    pdf = commander_client.get(f"/evaluations/{evaluation.pk}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    rows = commander_client.get(f"/api/evaluations/{evaluation.pk}/hotspots.csv")
    lines = rows.content.decode().splitlines()
    assert lines[0].startswith("rank,hotspot_id,label")
    assert len(lines) == 1 + 2 * 2 + 1  # two hotspots × two measures, and the licence line
    assert "Open Government Licence" in lines[-1]


def test_unfinished_evaluation_shows_progress(world, manager_client):
    run, _ = world
    request = EvaluationRequestSerializer(
        data={"run": run.pk, "after_start": "2025-01", "after_end": "2025-03"}
    )
    assert request.is_valid()
    evaluation = evaluation_start(data=request.validated_data)  # queued, never run here
    page = manager_client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "job-progress" in page and "jobs.js" in page
    assert manager_client.get(f"/api/evaluations/{evaluation.pk}/hotspots.csv").status_code == 409


def test_manager_form_starts_an_evaluation(
    world, manager_client, django_capture_on_commit_callbacks
):
    _, plan = world
    form = {"hotspots": f"plan:{plan.pk}", "after_start": "2025-01", "after_end": "2025-03",
            "measures": ["asb", "crime"], "comparison": "rest", "buffer_m": 250,
            "flagged_months": "warn", "minimum_count": 20, "source": "police_uk"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post("/evaluations/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    evaluation = Evaluation.objects.get()
    assert response["Location"] == f"/evaluations/{evaluation.pk}/"
    assert evaluation.plan == plan and evaluation.before_start == dt.date(2024, 1, 1)
    bad = manager_client.post(
        "/evaluations/", {**form, "before_start": "2024-02", "before_end": "2024-03"}
    )
    assert "as many months" in bad.content.decode()


def test_schema_names_the_roles(manager_client):
    schema = manager_client.get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/evaluations/"]
    assert "Who may use it: manager, commander." in operations["get"]["description"]
    assert "Who may use it: manager." in operations["post"]["description"]


def test_command_prints_the_headline(world, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    _, plan = world
    out = StringIO()
    call_command("evaluate", "--plan", str(plan.pk), "--after", "2025-01:2025-03",
                 "--csv", str(tmp_path / "h.csv"), stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "ASB in the 2 hotspot areas down" in text
    assert "Open Government Licence" in text
    assert (tmp_path / "h.csv").read_text().startswith("rank,")


def test_report_csv_neutralises_formulas_in_labels(commander_client):
    run, plan = build_world()
    Hotspot.objects.filter(run=run, rank=1).update(label='=HYPERLINK("http://x.invalid","a")')
    evaluation = finished(plan=plan)
    text = commander_client.get(f"/api/evaluations/{evaluation.pk}/hotspots.csv").content
    labels = {row["label"] for row in csv.DictReader(io.StringIO(text.decode())) if row["label"]}
    assert '\'=HYPERLINK("http://x.invalid","a")' in labels
    assert not any(label.startswith(("=", "+", "-", "@")) for label in labels)


def _old_format(results: dict) -> dict:
    """Results as stored before the layout had a version: no `schema_version`, the WDD
    without its method, the regression check without the long-run months."""
    old = {k: v for k, v in results.items() if k != "schema_version"}
    old["rtm"] = {k: v for k, v in old["rtm"].items() if k != "long_run"}
    for measure in old["measures"].values():
        measure["wdd"] = {k: v for k, v in measure["wdd"].items() if k not in ("method", "note")}
    return old


def test_results_of_an_older_layout_are_recomputed_never_shown_half_empty(
    world, commander_client, django_capture_on_commit_callbacks
):
    _, plan = world
    evaluation = finished(plan=plan, comparison="control")
    current = evaluation.results
    with pytest.raises(StaleResults):
        Results.from_json(_old_format(current))
    Evaluation.objects.filter(pk=evaluation.pk).update(results=_old_format(current), headline="old")
    listed = commander_client.get("/evaluations/").content.decode()
    assert "Computed by an earlier version" in listed
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = commander_client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    # The old figures are not drawn: the page says they are being computed again.
    assert "computed by an earlier version" in page and "Before and after" not in page
    stored = Evaluation.objects.get(pk=evaluation.pk)
    assert stored.results == {} and stored.headline == ""
    assert stored.job_id != evaluation.job_id and stored.job.kind == JOB_KIND
    export = commander_client.get(f"/api/evaluations/{evaluation.pk}/hotspots.csv")
    assert export.status_code == 409
    for callback in callbacks:  # the recomputation job, run as a worker would
        callback()
    stored.refresh_from_db()
    assert stored.results["schema_version"] == SCHEMA_VERSION
    assert Results.from_json(stored.results).measures.keys() == {"asb", "crime"}
    detail = commander_client.get(f"/api/evaluations/{evaluation.pk}/").json()
    assert detail["results"]["schema_version"] == SCHEMA_VERSION and detail["headline"]
    assert (
        "Computed by an earlier version"
        not in commander_client.get("/evaluations/").content.decode()
    )


def test_the_api_answers_stale_results_with_null_and_the_new_job(
    world, manager_client, django_capture_on_commit_callbacks
):
    _, plan = world
    evaluation = finished(plan=plan, comparison="control")
    Evaluation.objects.filter(pk=evaluation.pk).update(results=_old_format(evaluation.results))
    with django_capture_on_commit_callbacks(execute=False):
        detail = manager_client.get(f"/api/evaluations/{evaluation.pk}/").json()
    assert detail["results"] is None and detail["warnings"] == []
    assert detail["job"]["id"] != evaluation.job_id and detail["job"]["status"] == "queued"


def test_stale_results_are_recomputed_by_the_command(world, django_capture_on_commit_callbacks):
    _, plan = world
    evaluation = finished(plan=plan, comparison="control")
    Evaluation.objects.filter(pk=evaluation.pk).update(results=_old_format(evaluation.results))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("evaluate", "--recompute-stale", stdout=io.StringIO())
    evaluation.refresh_from_db()
    assert evaluation.results["schema_version"] == SCHEMA_VERSION
    assert evaluation.job.status == "succeeded"


def test_broken_results_are_a_schema_error_naming_the_field(world):
    _, plan = world
    data = finished(plan=plan, comparison="control").results
    del data["measures"]["asb"]["wdd"]["lower"]
    with pytest.raises(SchemaError, match=r"results\.measures\.asb\.wdd: missing field 'lower'"):
        Results.from_json(data)


def test_commanders_home_shows_the_latest_reports_in_a_fixed_number_of_queries(
    world, commander_client, django_assert_max_num_queries
):
    run, _ = world
    first = finished(run=run)
    page = commander_client.get("/commander/").content.decode()
    card = page[page.index('id="latest-reports"') :]
    assert f"/evaluations/{first.pk}/" in card and first.headline in card
    with CaptureQueriesContext(connection) as one:
        commander_client.get("/commander/")
    for _ in range(3):
        finished(run=run)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = commander_client.get("/commander/").content.decode()
    assert page.count('<li><a href="/evaluations/') == 3, "the three latest only"
