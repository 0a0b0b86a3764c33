"""Every page of every role in Debian's Chromium at phone, tablet and desktop widths: no console
error, no failed request (the favicon's included), no response of 400 or more and no
horizontal overflow.

The world is small but complete: a force with two years of incidents, a finished hotspot run, a
published plan with an officer on duty, a reduction report and live calls, so that each page
shows its real content rather than an empty state. (It lives in tests/core so that it runs
before the transactional tests that do not restore the database: its serialized rollback needs
the content types as the migrations left them.)
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from calls.services.events import call_events_apply
from core.months import month_span, month_text
from evaluation.serializers import EvaluationRequestSerializer
from evaluation.services import evaluation_start
from hotspots.models import Force
from hotspots.serializers import RunRequestSerializer
from hotspots.services.imports import incidents_import_police_uk
from hotspots.services.runs import hotspot_run_request
from patrols.models import OfficerProfile
from patrols.services.plans import plan_create, plan_generate_start, plan_publish
from tests.browser import VIEWPORTS, PageProblems, horizontal_overflow, require_chromium, sign_in
from tests.factories import UserFactory
from tests.hotspots import files
from tests.patrols.factories import shift

WAIT_MS = 15_000
BUSY = files.POINT_A
QUIETER = ("-1.440000", "52.940000", "On or near Station Road")
MONTHS = [month_text(m) for m in month_span(dt.date(2024, 1, 1), dt.date(2025, 12, 1))]


def _incidents(tmp_path) -> Force:
    paths = [
        files.write(tmp_path / f"{month}-testshire-street.csv", files.csv_text(
            [files.row(month, point=BUSY) for _ in range(12)]
            + [files.row(month, point=QUIETER) for _ in range(8)]
            + [files.row(month, "Burglary", QUIETER, crime_id=f"b{month}{i}") for i in range(3)]
        ))
        for month in MONTHS
    ]  # fmt: skip
    boundary = files.write(tmp_path / "boundary.geojson", json.dumps(files.BOUNDARY))
    incidents_import_police_uk(paths=paths, boundary_path=boundary)
    return Force.objects.get(slug="testshire")


def _run(force, manager):
    request = RunRequestSerializer(data={"force": force.slug, "period_start": "2024-01",
                                         "period_end": "2024-12", "min_incidents": 5})  # fmt: skip
    assert request.is_valid(), request.errors
    run = hotspot_run_request(data=request.validated_data, user=manager, sync=True)
    assert run.job.status == "succeeded", run.job.error
    return run


def _plan(run, officer_user):
    officer = OfficerProfile.objects.create(user=officer_user, force=run.force,
                                            collar_number="4101")  # fmt: skip
    today = timezone.localdate()
    for offset in range(7):
        shift(officer, today + dt.timedelta(days=offset), "08:00", "20:00")
    windows = [{"days": list(range(7)), "start": "09:00", "end": "19:00"}]
    items = [{"hotspot": h, "windows": windows} for h in run.hotspots.all()[:2]]
    plan = plan_create(run=run, name="This week", first_day=today,
                       last_day=today + dt.timedelta(days=6), hotspots=items)  # fmt: skip
    plan_generate_start(plan=plan, sync=True)
    plan.refresh_from_db()
    return plan_publish(plan=plan)


def _evaluation(plan):
    payload = {"plan": plan.pk, "after_start": "2025-07", "after_end": "2025-12",
               "minimum_count": 5}  # fmt: skip
    request = EvaluationRequestSerializer(data=payload)
    assert request.is_valid(), request.errors
    evaluation = evaluation_start(data=request.validated_data, sync=True)
    assert evaluation.job.status == "succeeded", evaluation.job.error
    return evaluation


def _calls(force):
    now = timezone.now()
    events = [
        {"reference": f"INC-{i}", "status": "received", "incident_type": "ASB", "priority": "3",
         "occurred_at": (now - dt.timedelta(minutes=40 + i)).isoformat(),
         "longitude": float(BUSY[0]) + 0.001 * i, "latitude": float(BUSY[1]),
         "summary": "Caller reports youths"}
        for i in range(3)
    ]  # fmt: skip
    call_events_apply(force=force, raw_events=events, source="api")


@pytest.fixture
def world(transactional_db, django_db_serialized_rollback, tmp_path, settings):
    settings.MAP_TILE_URL = ""  # no tile server on a closed network
    manager = UserFactory(username="morgan", roles=["manager"])
    UserFactory(username="chris", roles=["commander"])
    officer_user = UserFactory(username="priya", roles=["officer"])
    force = _incidents(tmp_path)
    run = _run(force, manager)
    plan = _plan(run, officer_user)
    evaluation = _evaluation(plan)
    _calls(force)
    return {"force": force, "run": run, "plan": plan, "evaluation": evaluation}


def pages(world) -> dict[str | None, list[str]]:
    run, plan, evaluation = world["run"], world["plan"], world["evaluation"]
    return {
        "morgan": [
            "/manager/", "/incidents/", f"/incidents/?job={run.job_id}", "/hotspots/",
            f"/hotspots/runs/{run.pk}/", "/hotspots/compare/", "/patrols/plans/",
            f"/patrols/plans/{plan.pk}/", "/patrols/roster/", "/evaluations/",
            f"/evaluations/{evaluation.pk}/", f"/jobs/{run.job_id}/", "/calls/live/",
            f"/hotspots/runs/{run.pk}/delete/", "/patrols/location-pings/", "/patrols/returns/",
        ],
        "chris": ["/commander/", "/hotspots/", f"/hotspots/runs/{run.pk}/", "/evaluations/",
                  f"/evaluations/{evaluation.pk}/", "/patrols/returns/"],
        "priya": ["/patrols/mine/", "/patrols/field/"],
        None: ["/login/", f"/live/{world['force'].slug}/"],
    }  # fmt: skip


@pytest.mark.browser
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_every_page_loads_cleanly_and_fits(live_server, world, device):
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    found: list[str] = []
    visited = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium),
                                             args=["--no-sandbox", "--disable-gpu",
                                                   "--disable-background-networking",
                                                   "--disable-component-update",
                                                   "--disable-sync"])  # fmt: skip
        try:
            for user, paths in pages(world).items():
                context = browser.new_context(viewport=VIEWPORTS[device],
                                              is_mobile=device == "phone")  # fmt: skip
                page = context.new_page()
                page.set_default_timeout(WAIT_MS)
                problems = PageProblems(page)
                if user:
                    sign_in(page, live_server.url, user)
                    found += [f"{user} sign-in: {p}" for p in problems.take()]
                for path in paths:
                    page.goto(live_server.url + path)
                    page.wait_for_load_state("networkidle")
                    visited += 1
                    found += [f"{device} {user or 'public'} {path}: {p}" for p in problems.take()]
                    over = horizontal_overflow(page)
                    if over > 1:
                        found.append(f"{device} {user or 'public'} {path}: {over}px too wide")
                context.close()
        finally:
            browser.close()
    assert visited == sum(len(p) for p in pages(world).values())
    assert not found, "\n".join(found)
