"""Visits from tablets: exactly once by client UUID, conflicts, permissions and GPS dose."""

import datetime as dt
import uuid

import pytest
import shapely
from django.utils import timezone
from pyproj import Transformer

from patrols.models import GpsPing, OfficerProfile, PatrolAssignment, PatrolPlan, PatrolVisit
from tests.patrols.factories import ForceFactory, HotspotFactory, RunFactory

pytestmark = pytest.mark.django_db
TO_LONLAT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
CENTRE = (435_000.0, 336_000.0)  # metres, EPSG:27700


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_LONLAT.transform(x, y)
    return round(lon, 7), round(lat, 7)


def square_lonlat(half: float = 75) -> dict:
    x, y = CENTRE
    ring = [
        lonlat(x + dx, y + dy)
        for dx, dy in ((-half, -half), (half, -half), (half, half), (-half, half), (-half, -half))
    ]
    return shapely.geometry.mapping(shapely.Polygon(ring))


def make_hotspot(run, *, plan_status="published"):
    """A hotspot at CENTRE in a plan of the run's force running this week."""
    lon, lat = lonlat(*CENTRE)
    hotspot = HotspotFactory(
        run=run,
        geometry=square_lonlat(),
        centroid_x=CENTRE[0],
        centroid_y=CENTRE[1],
        centroid_lon=lon,
        centroid_lat=lat,
    )
    today = timezone.localdate()
    plan = PatrolPlan.objects.create(
        force=run.force, run=run, name="This week", seed=1, status=plan_status,
        first_day=today - dt.timedelta(days=3), last_day=today + dt.timedelta(days=3),
    )  # fmt: skip
    plan.plan_hotspots.create(hotspot=hotspot)
    return hotspot


@pytest.fixture
def hotspot():
    return make_hotspot(RunFactory())


@pytest.fixture
def profiles(hotspot, officer, other_officer):
    return [
        OfficerProfile.objects.create(user=user, force=hotspot.run.force, collar_number=str(n))
        for n, user in enumerate((officer, other_officer))
    ]


def visit_body(hotspot, *, minutes=12, outside_after=None, **extra):
    """A visit walking inside the hotspot with a ping every 30 s (optionally leaving it)."""
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=minutes + 5)
    pings = []
    for step in range(minutes * 2 + 1):
        at = start + dt.timedelta(seconds=30 * step)
        x = CENTRE[0] + (500 if outside_after is not None and step >= outside_after * 2 else 0)
        lon, lat = lonlat(x, CENTRE[1])
        pings.append(
            {
                "client_uuid": str(uuid.uuid4()),
                "at": at.isoformat(),
                "lon": lon,
                "lat": lat,
                "accuracy_m": 8,
            }
        )
    body = {
        "client_uuid": str(uuid.uuid4()), "hotspot": hotspot.pk, "started_at": start.isoformat(),
        "ended_at": (start + dt.timedelta(minutes=minutes)).isoformat(),
        "start": {"lon": pings[0]["lon"], "lat": pings[0]["lat"], "accuracy_m": 8},
        "end": {"lon": pings[-1]["lon"], "lat": pings[-1]["lat"], "accuracy_m": 8},
        "arrests": 1, "people_engaged": 7, "dispersals": 2, "notes": "Groups dispersed near shops",
        "pings": pings, **extra,
    }  # fmt: skip
    return body


def post(client, body):
    return client.post("/api/visits/", body, content_type="application/json")


def test_identical_resend_returns_the_same_record(hotspot, profiles, officer_client):
    body = visit_body(hotspot)
    first = post(officer_client, body)
    assert first.status_code == 201, first.content
    again = post(officer_client, body)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert PatrolVisit.objects.count() == 1
    assert GpsPing.objects.count() == len(body["pings"])
    visit = PatrolVisit.objects.get()
    assert (visit.arrests, visit.people_engaged, visit.dispersals) == (1, 7, 2)


def test_same_uuid_with_other_content_is_a_conflict(hotspot, profiles, officer_client):
    body = visit_body(hotspot)
    assert post(officer_client, body).status_code == 201
    changed = {**body, "arrests": 3}
    response = post(officer_client, changed)
    assert response.status_code == 409
    assert PatrolVisit.objects.get().arrests == 1


def test_another_officers_uuid_is_a_conflict_not_a_leak(
    hotspot, profiles, officer_client, other_officer_client
):
    body = visit_body(hotspot)
    post(officer_client, body)
    response = post(other_officer_client, body)
    assert response.status_code == 409
    assert "arrests" not in response.json()


def test_dose_from_pings_and_koper_band(hotspot, profiles, officer_client):
    inside = post(officer_client, visit_body(hotspot, minutes=12)).json()
    assert inside["minutes_inside"] == pytest.approx(12, abs=0.01)
    assert inside["band"] == "10-15"
    partly = post(officer_client, visit_body(hotspot, minutes=12, outside_after=4)).json()
    # the last fix inside is at 3:30, the first outside at 4:00: 3.5 minutes plus half of
    # the crossing segment (15 s)
    assert partly["minutes_inside"] == pytest.approx(3.75, abs=0.01)
    assert partly["band"] == "under 10"


def test_pings_in_later_batches_are_idempotent(hotspot, profiles, officer_client):
    body = visit_body(hotspot, minutes=12)
    pings, body["pings"] = body["pings"], []
    post(officer_client, body)
    url = f"/api/visits/{body['client_uuid']}/pings/"
    first = officer_client.post(url, pings[:10], content_type="application/json").json()
    assert first["added"] == 10
    again = officer_client.post(url, pings, content_type="application/json").json()
    assert again["added"] == len(pings) - 10
    assert again["band"] == "10-15"
    assert GpsPing.objects.count() == len(pings)
    moved = [{**pings[0], "lon": pings[0]["lon"] + 0.01}]
    assert officer_client.post(url, moved, content_type="application/json").status_code == 409


def test_assignment_visit_marks_it_done_and_must_be_own(
    hotspot, profiles, officer_client, other_officer_client
):
    plan = PatrolPlan.objects.create(
        force=hotspot.run.force,
        run=hotspot.run,
        name="P",
        seed=1,
        first_day=timezone.localdate(),
        last_day=timezone.localdate(),
        status="published",
    )
    now = timezone.now()
    assignment = PatrolAssignment.objects.create(
        plan=plan,
        hotspot=hotspot,
        officer=profiles[0],
        start=now,
        end=now + dt.timedelta(minutes=15),
        status="published",
    )
    body = visit_body(hotspot, assignment=assignment.pk)
    assert post(other_officer_client, body).status_code == 400
    assert post(officer_client, body).status_code == 201
    assignment.refresh_from_db()
    assert assignment.status == "done"


@pytest.mark.parametrize("persona", ["commander_client", "manager_client", "anonymous_client"])
def test_only_officers_log_visits(request, hotspot, persona):
    response = post(request.getfixturevalue(persona), visit_body(hotspot))
    assert response.status_code in (401, 403)


def test_officers_read_only_their_own_visits(
    hotspot, profiles, officer_client, other_officer_client, manager_client, commander_client
):
    post(officer_client, visit_body(hotspot))
    post(other_officer_client, visit_body(hotspot))
    mine = officer_client.get("/api/visits/").json()
    assert len(mine) == 1 and mine[0]["officer"] == profiles[0].pk
    assert len(manager_client.get("/api/visits/").json()) == 2
    assert commander_client.get("/api/visits/").status_code == 403


def test_bad_visits_are_refused_clearly(hotspot, profiles, officer_client):
    body = visit_body(hotspot)
    backwards = {**body, "ended_at": body["started_at"], "started_at": body["ended_at"]}
    assert "ends before" in post(officer_client, backwards).json()["detail"]
    future = {
        **body,
        "client_uuid": str(uuid.uuid4()),
        "ended_at": (timezone.now() + dt.timedelta(hours=2)).isoformat(),
    }
    assert "future" in post(officer_client, future).json()["detail"]
    assert post(officer_client, {**body, "hotspot": 999999}).status_code == 400
    assert PatrolVisit.objects.count() == 0


def test_visits_only_at_published_hotspots_of_own_force_and_recent(
    hotspot, profiles, officer_client
):
    elsewhere = make_hotspot(RunFactory(force=ForceFactory(slug="elsewhere", name="Elsewhere")))
    refused = post(officer_client, visit_body(elsewhere))
    assert refused.status_code == 400 and "published plan of your force" in refused.json()["detail"]
    draft = make_hotspot(hotspot.run, plan_status="draft")
    assert "published plan" in post(officer_client, visit_body(draft)).json()["detail"]
    old = visit_body(hotspot)
    for key, days in (("started_at", 9), ("ended_at", 9)):
        moment = dt.datetime.fromisoformat(old[key]) - dt.timedelta(days=days)
        old[key] = moment.isoformat()
    assert "days old" in post(officer_client, old).json()["detail"]
    ancient = {**old, "started_at": "2019-03-01T10:00:00+00:00",
               "ended_at": "2019-03-01T10:15:00+00:00"}  # fmt: skip
    assert post(officer_client, ancient).status_code == 400
    assert PatrolVisit.objects.count() == 0
    assert post(officer_client, visit_body(hotspot)).status_code == 201


def test_nearest_hotspot_for_ad_hoc_visits(hotspot, profiles, officer_client):
    lon, lat = lonlat(CENTRE[0] + 300, CENTRE[1])
    found = officer_client.get("/api/hotspots/nearest/", {"lon": lon, "lat": lat}).json()
    assert found["hotspot"] == hotspot.pk
    assert found["distance_m"] == pytest.approx(300, abs=2)


def test_planned_against_delivered_dose(
    hotspot, profiles, officer_client, manager_client, commander_client
):
    plan = PatrolPlan.objects.create(
        force=hotspot.run.force,
        run=hotspot.run,
        name="P",
        seed=1,
        first_day=timezone.localdate() - dt.timedelta(days=1),
        last_day=timezone.localdate(),
        status="published",
    )
    plan.plan_hotspots.create(
        hotspot=hotspot, windows=[{"days": [0], "start": "10:00", "end": "11:00"}]
    )
    now = timezone.now()
    assignment = PatrolAssignment.objects.create(
        plan=plan,
        hotspot=hotspot,
        officer=profiles[0],
        start=now,
        end=now + dt.timedelta(minutes=15),
        status="published",
    )
    post(officer_client, visit_body(hotspot, minutes=12, assignment=assignment.pk))
    rows = commander_client.get(f"/api/plans/{plan.pk}/dose/", {"group_by": "hotspot"}).json()
    assert len(rows) == 1
    assert rows[0]["planned_minutes"] == 15
    assert rows[0]["delivered_minutes"] == pytest.approx(12)
    assert rows[0]["minutes_inside"] == pytest.approx(12, abs=0.01)
    assert rows[0]["bands"] == {"10-15": 1}
    by_officer = manager_client.get(f"/api/plans/{plan.pk}/dose/", {"group_by": "officer"}).json()
    assert by_officer[0]["label"].startswith("0 ")
    assert manager_client.get(f"/api/plans/{plan.pk}/dose/", {"group_by": "x"}).status_code == 400
    assert officer_client.get(f"/api/plans/{plan.pk}/dose/").status_code == 403


@pytest.mark.parametrize(
    ("lon", "lat"), [("inf", "0"), ("nan", "0"), ("200", "100"), ("1e308", "0"), ("-inf", "nan")]
)
def test_nearest_hotspot_refuses_impossible_positions(hotspot, profiles, officer_client, lon, lat):
    response = officer_client.get("/api/hotspots/nearest/", {"lon": lon, "lat": lat})
    assert response.status_code == 400 and "lon must be within" in response.json()["detail"]
