"""One definition of delivered patrol minutes, read alike by every page, API, export and report.

The plan below has planted deliveries whose minutes are known without the code under test:
a planned visit walked inside for 12 minutes of its 15 (GPS), a planned visit with no fixes
(20 minutes logged, not verified), a planned visit whose only fixes are 500 m circles (9 minutes
logged) and an ad hoc visit walked inside for 8 minutes (GPS).
"""

import datetime as dt
import re
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from evaluation.report.headline import _dose_phrase
from evaluation.services import patrol_effects
from patrols import delivery
from patrols.models import (
    GpsPing,
    OfficerProfile,
    PatrolAssignment,
    PatrolPlan,
    PatrolVisit,
    Team,
)
from patrols.services.visits import visit_dose_refresh
from tests.patrols.factories import LONDON, HotspotFactory, RunFactory
from tests.patrols.test_visits import CENTRE, lonlat, square_lonlat

pytestmark = pytest.mark.django_db

GPS_INSIDE, LOGGED_NO_FIX, LOGGED_BAD_FIX, AD_HOC_INSIDE = 12, 20, 9, 8
VERIFIED = GPS_INSIDE + AD_HOC_INSIDE
DELIVERED = VERIFIED + LOGGED_NO_FIX + LOGGED_BAD_FIX


def plan_days() -> tuple[dt.date, dt.date]:
    """Up to a week ending today, inside the current month (a month- or quarter-long return
    and the home card both see it)."""
    today = timezone.localdate()
    return max(today.replace(day=1), today - dt.timedelta(days=6)), today


def _visit(hotspot, officer, start, minutes, *, assignment=None, fixes=(), accuracy=8.0):
    visit = PatrolVisit.objects.create(
        client_uuid=uuid.uuid4(), hotspot=hotspot, officer=officer, assignment=assignment,
        started_at=start, ended_at=start + dt.timedelta(minutes=minutes),
        arrests=1, stop_searches=2, dispersals=1, asb_warnings=3, people_engaged=10,
        intelligence_reports=1,
    )  # fmt: skip
    lon, lat = lonlat(*CENTRE)
    for seconds in fixes:
        GpsPing.objects.create(
            client_uuid=uuid.uuid4(), visit=visit, at=start + dt.timedelta(seconds=seconds),
            lon=lon, lat=lat, accuracy_m=accuracy,
        )  # fmt: skip
    visit_dose_refresh(visit=visit)
    return visit


@pytest.fixture
def planted(officer):
    run = RunFactory()
    lon, lat = lonlat(*CENTRE)
    hotspot = HotspotFactory(
        run=run, geometry=square_lonlat(), centroid_x=CENTRE[0], centroid_y=CENTRE[1],
        centroid_lon=lon, centroid_lat=lat,
    )  # fmt: skip
    first, last = plan_days()
    plan = PatrolPlan.objects.create(
        force=run.force, run=run, name="Agreement week", seed=1, status="published",
        first_day=first, last_day=last,
    )  # fmt: skip
    plan.plan_hotspots.create(hotspot=hotspot)
    team = Team.objects.create(force=run.force, name="North SNT")
    profile = OfficerProfile.objects.create(
        user=officer, force=run.force, collar_number="77", team=team
    )
    start = dt.datetime.combine(first, dt.time(10), LONDON)
    assignments = [
        PatrolAssignment.objects.create(
            plan=plan,
            hotspot=hotspot,
            officer=profile,
            status="published",
            start=start + dt.timedelta(hours=2 * k),
            end=start + dt.timedelta(hours=2 * k, minutes=15),
        )  # fmt: skip
        for k in range(4)
    ]
    # Fixes every 30 s for the first 12 minutes of 15: 12 inside, 3 unknown.
    _visit(hotspot, profile, assignments[0].start, 15, assignment=assignments[0],
           fixes=range(0, 12 * 60 + 1, 30))  # fmt: skip
    _visit(hotspot, profile, assignments[1].start, LOGGED_NO_FIX, assignment=assignments[1])
    _visit(hotspot, profile, assignments[2].start, LOGGED_BAD_FIX, assignment=assignments[2],
           fixes=range(0, LOGGED_BAD_FIX * 60 + 1, 30), accuracy=500)  # fmt: skip
    _visit(hotspot, profile, start + dt.timedelta(hours=9), AD_HOC_INSIDE,
           fixes=range(0, AD_HOC_INSIDE * 60 + 1, 30))  # fmt: skip
    return SimpleNamespace(plan=plan, hotspot=hotspot, officer=profile, team=team)


def test_every_group_and_the_total_agree_with_the_planted_visits(planted):
    found = delivery.plan_delivery(planted.plan)
    total = found.total()
    assert total.planned_minutes == 4 * 15
    assert total.delivered_minutes == pytest.approx(DELIVERED)
    assert total.minutes_by_source == pytest.approx(
        {"gps": VERIFIED, "logged": LOGGED_NO_FIX + LOGGED_BAD_FIX, "passive": 0}
    )
    assert (total.visits, total.ad_hoc_visits, total.verified_visits) == (4, 1, 2)
    assert total.outcomes["asb_warnings"] == 4 * 3
    for group in delivery.GROUPS:
        rows = found.rows(group)
        assert sum(r.delivered_minutes for r in rows) == pytest.approx(DELIVERED), group
        assert sum(r.planned_minutes for r in rows) == 60, group
    by_assignment = {r.key: r for r in found.rows("assignment")}
    assert by_assignment["ad hoc"].delivered_minutes == pytest.approx(AD_HOC_INSIDE)
    assert [r.label for r in found.rows("team")] == ["North SNT"]


def _plan_page_minutes(html: str) -> float:
    return float(re.search(r'class="total" data-delivered-minutes="([\d.]+)"', html).group(1))


def _card_minutes(html: str, plan) -> float:
    found = re.search(rf'data-plan="{plan.pk}" data-delivered-minutes="([\d.]+)"', html)
    return float(found.group(1))


def test_plan_page_dose_api_home_card_and_evaluation_agree(
    planted, manager_client, commander_client
):
    plan = planted.plan
    page = manager_client.get(f"/patrols/plans/{plan.pk}/").content.decode()
    assert _plan_page_minutes(page) == pytest.approx(DELIVERED, abs=0.01)
    assert "Not verified by GPS" in page
    for group in delivery.GROUPS:
        rows = commander_client.get(f"/api/plans/{plan.pk}/dose/", {"group_by": group}).json()
        assert sum(r["delivered_minutes"] for r in rows) == pytest.approx(DELIVERED), group
        assert sum(r["unverified_minutes"] for r in rows) == pytest.approx(
            LOGGED_NO_FIX + LOGGED_BAD_FIX
        )
    home = manager_client.get("/manager/").content.decode()
    assert _card_minutes(home, plan) == pytest.approx(DELIVERED, abs=0.01)

    # The evaluation of these hotspots over the plan's months: its dose, its dose–response
    # hours per hotspot and the headline's words.
    first, last = plan.first_day, plan.last_day
    setup = SimpleNamespace(
        treated=[planted.hotspot],
        evaluation=SimpleNamespace(after_start=first.replace(day=1), after_end=last.replace(day=1)),
    )
    dose, activity = patrol_effects.dose_and_activity(setup)
    assert dose.delivered_hours * 60 == pytest.approx(DELIVERED)
    assert dose.verified_hours * 60 == pytest.approx(VERIFIED)
    assert patrol_effects.dose_hours(setup, dose) == pytest.approx([DELIVERED / 60])
    assert activity.visits_logged == 4 and activity.arrests == 4
    phrase = _dose_phrase(SimpleNamespace(dose=dose, activity=activity))
    assert phrase.startswith(f"from {DELIVERED / 60:.1f} patrol hours")


def test_dose_api_is_for_managers_and_commanders(planted, officer_client):
    assert officer_client.get(f"/api/plans/{planted.plan.pk}/dose/").status_code == 403


def test_delivery_queries_do_not_grow_with_visits(planted, django_assert_max_num_queries):
    # Assignments, visits, officers, and for passive minutes the plan's hotspots and the pings.
    with django_assert_max_num_queries(8):
        delivery.plan_delivery(planted.plan).rows("officer")


def test_a_passive_source_adds_only_minutes_beyond_the_visits(planted, monkeypatch):
    """The passive hook: 50 minutes seen by location pings on the day of 49 delivered by
    visits adds 1 passive minute; another officer's cell adds all of its minutes."""
    other = OfficerProfile.objects.create(
        user=planted.officer.user.__class__.objects.create(username="ruth"),
        force=planted.plan.force, collar_number="88",
    )  # fmt: skip
    day = planted.plan.first_day
    cells = {(planted.hotspot.pk, planted.officer.pk, day): DELIVERED + 1.0,
             (planted.hotspot.pk, other.pk, day): 30.0}  # fmt: skip
    monkeypatch.setattr(delivery, "_passive_minutes", lambda scope: cells)
    found = delivery.plan_delivery(planted.plan)
    total = found.total()
    assert total.minutes_by_source["passive"] == pytest.approx(31)
    assert total.delivered_minutes == pytest.approx(DELIVERED + 31)
    assert total.visits == 4  # passive time is not a visit
    by_officer = {r.key: r for r in found.rows("officer")}
    assert by_officer["88"].delivered_minutes == pytest.approx(30)


def _xlsx_rows(body: bytes) -> list[tuple]:
    import io

    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))


def test_the_funder_return_agrees_on_page_csv_xlsx_and_api(
    planted, manager_client, commander_client
):
    query = {"force": planted.plan.force.slug, "period": f"{planted.plan.first_day:%Y-%m}"}
    hours = round(DELIVERED / 60, 1)
    api = commander_client.get("/api/returns/", query).json()
    assert api["total"]["delivered_hours"] == pytest.approx(DELIVERED / 60)
    assert api["total"]["verified_hours"] == pytest.approx(VERIFIED / 60)
    assert (api["total"]["patrols"], api["total"]["ad_hoc_patrols"]) == (4, 1)
    assert api["total"]["asb_warnings"] == 12 and api["total"]["intelligence_reports"] == 4
    assert "Open Government Licence" in api["attribution"]
    page = manager_client.get("/patrols/returns/", query).content.decode()
    found = re.search(r'class="total" data-delivered-hours="([\d.]+)"', page)
    assert float(found.group(1)) == pytest.approx(DELIVERED / 60, abs=1e-4)
    assert "Open Government Licence" in page
    csv_text = manager_client.get("/api/returns/return.csv", query).content.decode()
    total_line = next(line for line in csv_text.splitlines() if line.startswith(",Total,"))
    assert float(total_line.split(",")[4]) == hours
    workbook = manager_client.get("/api/returns/return.xlsx", query).content
    total_row = next(row for row in _xlsx_rows(workbook) if row[1] == "Total")
    assert total_row[4] == hours and total_row[5] == round(VERIFIED / 60, 1)
