"""The field app's schedule (the shift in progress and 48 hours ahead), hotspot briefings and
hotspots nearby, and who may read them."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from patrols import dosage, fieldapp
from patrols.models import DutyShift, PatrolAssignment, PatrolPlan, PatrolVisit, PlanHotspot
from tests.factories import UserFactory
from tests.patrols.factories import HotspotFactory, OfficerFactory, RunFactory

pytestmark = pytest.mark.django_db
SCHEDULE = "/api/my/schedule/"
NEARBY = "/api/my/nearby/"
LONDON_NOW = dt.datetime(2026, 3, 14, 23, 50)  # a Saturday night; no clock change near


@pytest.fixture
def now():
    return timezone.make_aware(LONDON_NOW)


@pytest.fixture
def me(officer):
    return OfficerFactory(user=officer)


@pytest.fixture
def plan(me):
    run = RunFactory(force=me.force)
    return PatrolPlan.objects.create(
        force=me.force, name="March", run=run, first_day=dt.date(2026, 3, 1),
        last_day=dt.date(2026, 3, 31), seed=1, status=PatrolPlan.Status.PUBLISHED,
    )  # fmt: skip


def _hotspot(plan, rank, **fields):
    hotspot = HotspotFactory(run=plan.run, rank=rank, **fields)
    PlanHotspot.objects.create(plan=plan, hotspot=hotspot)
    return hotspot


def _assign(plan, hotspot, officer, start, minutes=20, **fields):
    fields.setdefault("status", PatrolAssignment.Status.PUBLISHED)
    return PatrolAssignment.objects.create(
        plan=plan, hotspot=hotspot, officer=officer, start=start,
        end=start + dt.timedelta(minutes=minutes), **fields,
    )  # fmt: skip


def test_schedule_holds_the_shift_in_progress_and_48_hours_ahead(me, plan, now):
    spot = _hotspot(plan, 1)
    DutyShift.objects.create(
        officer=me, start=now - dt.timedelta(hours=14), end=now + dt.timedelta(hours=2)
    )
    h = dt.timedelta(hours=1)
    early_in_shift = _assign(plan, spot, me, now - 13 * h)  # before the 12 hours back
    after_midnight = _assign(plan, spot, me, now + dt.timedelta(minutes=40))  # 00:30
    last = _assign(plan, spot, me, now + 47 * h)
    _assign(plan, spot, me, now + 49 * h)  # beyond 48 hours
    _assign(plan, spot, me, now + 2 * h, status=PatrolAssignment.Status.CANCELLED)
    colleague = OfficerFactory(force=me.force)
    _assign(plan, spot, colleague, now + 3 * h)  # not mine
    as_partner = _assign(plan, spot, colleague, now + 4 * h, partner=me)
    draft = PatrolPlan.objects.create(
        force=me.force, name="Draft", run=plan.run, first_day=plan.first_day,
        last_day=plan.last_day, seed=2,
    )  # fmt: skip
    _assign(draft, spot, me, now + 5 * h, status=PatrolAssignment.Status.PLANNED)

    data = fieldapp.schedule(officer=me, now=now)

    ids = [a["id"] for a in data["assignments"]]
    assert ids == [early_in_shift.pk, after_midnight.pk, as_partner.pk, last.pk]
    assert data["window"]["start"] == (now - 14 * h).isoformat()
    assert data["window"]["end"] == (now + 48 * h).isoformat()
    partnered = data["assignments"][2]
    assert partnered["with"] == str(colleague)
    assert [h["id"] for h in data["hotspots"]] == [spot.pk]


def test_window_stretches_to_the_end_of_a_shift_running_at_48_hours(me, now):
    end = now + dt.timedelta(hours=50)
    DutyShift.objects.create(officer=me, start=now + dt.timedelta(hours=44), end=end)
    start, until = fieldapp.schedule_window(officer=me, now=now)
    assert start == now - dt.timedelta(hours=12)
    assert until == end


def test_inside_rule_is_the_dose_rule(settings):
    settings.DOSE_TOLERANCE_M = 40
    limit = dosage.visit_dose.__kwdefaults__["max_accuracy_m"]
    assert fieldapp.inside_rule() == {"toleranceM": 40, "maxAccuracyM": limit}


def test_briefing_from_the_run_figures_and_recent_notes(me, plan, now):
    week = [[0] * 24 for _ in range(7)]
    for day in (4, 5):  # Friday and Saturday nights, 22:00 to 01:00 across midnight
        for hour in (22, 23, 0):
            week[day][hour] = 10
    week[1][9] = 3
    monthly = {
        f"2025-{m:02d}": n
        for m, n in zip(range(1, 13), [9] * 6 + [4, 5, 6, 10, 12, 14], strict=True)
    }
    spot = _hotspot(
        plan, 1, counts_by_category={"Drugs": 5, "Anti-social behaviour": 30, "Robbery": 15,
                                     "Shoplifting": 1},
        hour_weekday=week, monthly_trend=monthly, patrol_window="Fri–Sat 22:00–02:00",
    )  # fmt: skip
    colleague = OfficerFactory(force=me.force)
    for days, who, notes in [
        (1, me, "Gate to the car park forced."), (2, colleague, "Quiet."), (3, me, ""),
        (100, me, "Too old to show."),
    ]:  # fmt: skip
        start = now - dt.timedelta(days=days)
        PatrolVisit.objects.create(
            client_uuid=uuid.uuid4(), hotspot=spot, officer=who, started_at=start,
            ended_at=start + dt.timedelta(minutes=10), notes=notes,
        )  # fmt: skip

    brief = fieldapp.briefing(spot, officer=me, now=now)

    total = 5 + 30 + 15 + 1
    assert brief["top_categories"] == [
        {"name": "Anti-social behaviour", "count": 30, "share": round(30 / total, 3)},
        {"name": "Robbery", "count": 15, "share": round(15 / total, 3)},
        {"name": "Drugs", "count": 5, "share": round(5 / total, 3)},
    ]
    assert brief["peak"] == {"window": "Fri–Sat 22:00–02:00", "days": ["Fri", "Sat"],
                             "hours": "22:00–01:00"}  # fmt: skip
    assert brief["trend"]["direction"] == "rising"
    assert (brief["trend"]["recent"], brief["trend"]["before"]) == (10 + 12 + 14, 4 + 5 + 6)
    assert [m["month"] for m in brief["trend"]["months"]] == [f"2025-{m:02d}" for m in range(7, 13)]
    assert [(n["text"], n["mine"]) for n in brief["notes"]] == [
        ("Gate to the car park forced.", True), ("Quiet.", False)
    ]  # fmt: skip
    assert brief["period"] == "Jan 2025 to Dec 2025"


@pytest.mark.parametrize(
    ("counts", "direction"),
    [([10] * 6, "steady"), ([10, 10, 10, 7, 7, 7], "falling"), ([10] * 5, "unknown"),
     ([0, 0, 0, 0, 0, 1], "rising"), ([0] * 6, "steady")],
)  # fmt: skip
def test_trend_direction(counts, direction):
    monthly = {f"2025-{m:02d}": n for m, n in enumerate(counts, start=1)}
    assert fieldapp._trend(monthly)["direction"] == direction


def test_nearby_by_distance_with_visits_today(me, plan, now):
    def at(dx):
        x, y = 435_000 + dx, 336_000
        return {"centroid_x": x, "centroid_y": y}

    far, near, middle = (_hotspot(plan, r, **at(dx)) for r, dx in ((1, 900), (2, 40), (3, 300)))
    lon, lat = _lonlat(435_000, 336_000)
    midnight = now.replace(hour=0, minute=0)
    for start in (midnight + dt.timedelta(minutes=5), midnight - dt.timedelta(minutes=5)):
        PatrolVisit.objects.create(
            client_uuid=uuid.uuid4(), hotspot=near, officer=OfficerFactory(force=me.force),
            started_at=start, ended_at=start + dt.timedelta(minutes=10),
        )  # fmt: skip

    rows = fieldapp.nearby(officer=me, lon=lon, lat=lat, now=now)

    assert [r["hotspot"] for r in rows] == [near.pk, middle.pk, far.pk]
    assert [r["distance_m"] for r in rows] == pytest.approx([40, 300, 900], abs=1)
    assert [r["visits_today"] for r in rows] == [1, 0, 0]


def _lonlat(x: float, y: float) -> tuple[float, float]:
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(x, y)
    return lon, lat


def test_nearby_falls_back_to_the_latest_run(me, now):
    spot = HotspotFactory(run=RunFactory(force=me.force), rank=1)
    lon, lat = _lonlat(spot.centroid_x, spot.centroid_y)
    assert [r["hotspot"] for r in fieldapp.nearby(officer=me, lon=lon, lat=lat, now=now)] == [
        spot.pk
    ]


def test_officer_reads_own_schedule(me, plan, officer_client):
    spot = _hotspot(plan, 1)
    mine = _assign(plan, spot, me, timezone.now() + dt.timedelta(hours=1))
    _assign(plan, spot, OfficerFactory(force=me.force), timezone.now() + dt.timedelta(hours=1))
    response = officer_client.get(SCHEDULE, {"for": "priya"})
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["assignments"]] == [mine.pk]
    assert response["Cache-Control"] == "no-store"


def test_nearby_checks_its_input(me, officer_client):
    assert officer_client.get(NEARBY, {"lon": "x", "lat": "1"}).status_code == 400
    assert officer_client.get(NEARBY, {"lon": "nan", "lat": "1"}).status_code == 400
    assert officer_client.get(NEARBY, {"lon": "1", "lat": "1"}).json() == []


@pytest.mark.parametrize("url", [SCHEDULE, NEARBY + "?lon=-1.47&lat=52.92"])
@pytest.mark.parametrize("persona", ["manager_client", "commander_client", "client"])
def test_only_officers_read_the_field_api(request, url, persona):
    assert request.getfixturevalue(persona).get(url).status_code in (401, 403)


@pytest.mark.parametrize("url", [SCHEDULE, NEARBY + "?lon=-1.47&lat=52.92"])
def test_officer_without_profile_is_refused(officer_client, url):
    assert officer_client.get(url).status_code == 403


def test_visits_of_other_officers_stay_counts(me, plan, now):
    spot = _hotspot(plan, 1)
    other = OfficerFactory(force=me.force, user=UserFactory(username="sam", roles=["officer"]))
    PatrolVisit.objects.create(
        client_uuid=uuid.uuid4(), hotspot=spot, officer=other, started_at=now,
        ended_at=now + dt.timedelta(minutes=5), arrests=2, notes="",
    )  # fmt: skip
    data = fieldapp.schedule(officer=me, now=now)
    text = str(data)
    assert data["hotspots"][0]["visits_today"] == 1
    assert "sam" not in text and other.collar_number not in text and "arrests" not in text


def test_dose_reached_today_comes_from_the_dose_cap_selector(me, plan, now):
    """A hotspot whose day's cap is met by today's patrols reads "dose reached today" in the
    schedule and among the hotspots nearby; one with time left does not."""
    capped, free = _hotspot(plan, 1), _hotspot(plan, 2)
    PatrolPlan.objects.filter(pk=plan.pk).update(cap_day_minutes=10)
    start = now - dt.timedelta(hours=1)
    PatrolVisit.objects.create(  # 20 minutes logged without GPS fixes: all of it unplaced
        client_uuid=uuid.uuid4(), hotspot=capped, officer=me, started_at=start,
        ended_at=start + dt.timedelta(minutes=20), minutes_unknown=20, notes="",
    )  # fmt: skip
    data = fieldapp.schedule(officer=me, now=now)
    assert {h["id"]: h["dose_reached_today"] for h in data["hotspots"]} == {
        capped.pk: True, free.pk: False
    }  # fmt: skip
    lon, lat = _lonlat(capped.centroid_x, capped.centroid_y)
    rows = fieldapp.nearby(officer=me, lon=lon, lat=lat, now=now)
    assert {r["hotspot"]: r["dose_reached_today"] for r in rows} == {
        capped.pk: True,
        free.pk: False,
    }
