"""The staff map and list meet the day's patrols: the hotspots of published patrol plans running
today are drawn, and calls inside one are marked with the plan; queries do not grow."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Job
from hotspots.models import Hotspot, HotspotRun
from patrols.models import OfficerProfile, PatrolAssignment, PatrolPlan, PlanHotspot
from tests.calls.conftest import LAT, LON, apply, event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HALF = 0.001  # degrees: a square of about 140 m × 220 m around a point


def _square(lon: float, lat: float) -> dict:
    ring = [[lon - HALF, lat - HALF], [lon + HALF, lat - HALF], [lon + HALF, lat + HALF],
            [lon - HALF, lat + HALF], [lon - HALF, lat - HALF]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


def _run(force) -> HotspotRun:
    return HotspotRun.objects.create(
        force=force, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 1),
        job=Job.objects.create(kind="hotspot_run", status="succeeded"),
    )  # fmt: skip


def _hotspot(run, rank: int, lon: float, lat: float) -> Hotspot:
    return Hotspot.objects.create(
        run=run, rank=rank, label=f"Spot {rank}", cells=[], centroid_lon=lon, centroid_lat=lat,
        centroid_x=0, centroid_y=0, area_m2=1, incident_count=1, harm=1, share_of_incidents=0,
        share_of_area=0, pai=1, peak_score=1, geometry=_square(lon, lat),
    )  # fmt: skip


def _plan(force, name, hotspots, *, status="published", days=(-3, 3), patrol_days=None):
    today = timezone.localdate()
    plan = PatrolPlan.objects.create(
        force=force, name=name, seed=1, status=status, patrol_days=patrol_days or {},
        first_day=today + dt.timedelta(days=days[0]), last_day=today + dt.timedelta(days=days[1]),
    )  # fmt: skip
    for hotspot in hotspots:
        PlanHotspot.objects.create(plan=plan, hotspot=hotspot)
    return plan


def _assign(plan, hotspot, *, hours_from_midnight=10, status="published"):
    user = UserFactory(roles=["officer"])
    officer = OfficerProfile.objects.create(
        user=user, force=plan.force, collar_number=user.username
    )
    start = dt.datetime.combine(timezone.localdate(), dt.time(hours_from_midnight),
                                timezone.get_current_timezone())  # fmt: skip
    return PatrolAssignment.objects.create(plan=plan, hotspot=hotspot, officer=officer,
                                           start=start, end=start + dt.timedelta(minutes=15),
                                           status=status)  # fmt: skip


def _rows(client) -> dict:
    return {row["reference"]: row for row in client.get("/api/calls/?force=derbyshire").json()}


def test_calls_inside_a_patrolled_hotspot_are_marked_with_the_plan(manager_client, force):
    run = _run(force)
    patrolled = _hotspot(run, 1, LON, LAT)
    _hotspot(run, 2, LON + 0.05, LAT)
    plan = _plan(force, "Summer nights", [patrolled])
    _assign(plan, patrolled)
    _assign(plan, patrolled, hours_from_midnight=14)
    _assign(plan, patrolled, hours_from_midnight=15, status="cancelled")
    apply(force, event("IN"), event("OUT", longitude=LON + 0.05, latitude=LAT),
          event("EDGE", longitude=LON + 2 * HALF, latitude=LAT), event("NOWHERE", longitude=None,
                                                                      latitude=None))  # fmt: skip
    rows = _rows(manager_client)
    assert rows["IN"]["patrolled"] == {
        "plan": "Summer nights",
        "plan_id": plan.pk,
        "hotspot": "Spot 1",
        "rank": 1,
        "assignments_today": 2,
    }
    # Inside the run's hotspot 2 but no plan patrols it: ranked, not patrolled.
    assert rows["OUT"]["hotspot_rank"] == 2 and rows["OUT"]["patrolled"] is None
    assert rows["EDGE"]["patrolled"] is None and rows["NOWHERE"]["patrolled"] is None


def test_only_published_plans_running_today_on_a_patrol_day_count(manager_client, force):
    run = _run(force)
    spots = [_hotspot(run, rank, LON + 0.01 * rank, LAT) for rank in range(1, 6)]
    today = timezone.localdate().isoformat()
    _plan(force, "Draft", [spots[0]], status="draft")
    _plan(force, "Ended", [spots[1]], days=(-10, -1))
    _plan(force, "Not yet", [spots[2]], days=(1, 5))
    _plan(
        force,
        "Crossover",
        spots[3:5],
        patrol_days={str(spots[3].pk): {today: False}, str(spots[4].pk): {today: True}},
    )
    apply(force, *[event(f"C{s.rank}", longitude=LON + 0.01 * s.rank) for s in spots])
    marked = {ref: row["patrolled"] for ref, row in _rows(manager_client).items()}
    assert {ref for ref, mark in marked.items() if mark} == {"C5"}
    assert marked["C5"]["plan"] == "Crossover" and marked["C5"]["assignments_today"] == 0


def test_staff_map_draws_todays_patrols(manager_client, commander_client, force, other_force):
    run = _run(force)
    spot = _hotspot(run, 3, LON, LAT)
    _plan(force, "Town centre", [spot])
    _plan(other_force, "Elsewhere", [_hotspot(_run(other_force), 1, LON, LAT)])
    for client in (manager_client, commander_client):
        response = client.get("/calls/live/?force=derbyshire")
        config = response.context["config"]
        assert [(p["plan"], p["rank"], p["label"]) for p in config["patrols"]] == [
            ("Town centre", 3, "Spot 3")]  # fmt: skip
        assert config["patrols"][0]["geometry"] == spot.geometry
        page = response.content.decode()
        assert "Town centre: hotspot 3 Spot 3" in page and "In a patrolled hotspot" in page
        assert "Open Government Licence" in page  # the hotspots derive from police.uk data
    empty = manager_client.get("/calls/live/?force=nottinghamshire").content.decode()
    assert "Elsewhere: hotspot 1" in empty and "Town centre" not in empty


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/api/calls/?force=derbyshire", "/calls/live/?force=derbyshire"])
def test_patrol_overlay_costs_constant_queries(manager_client, force, url):
    run = _run(force)
    first = _hotspot(run, 1, LON, LAT)
    plan = _plan(force, "One", [first])
    _assign(plan, first)
    apply(force, event("A"))
    few = _count(manager_client, url)
    spots = [_hotspot(run, rank, LON + 0.01 * rank, LAT) for rank in range(2, 8)]
    for i in range(3):
        more = _plan(force, f"More {i}", spots)
        for spot in spots:
            _assign(more, spot)
    apply(force, *[event(f"B{i}", longitude=LON + 0.01 * (i % 8)) for i in range(20)])
    assert _count(manager_client, url) == few
