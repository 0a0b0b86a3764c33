import csv
import datetime as dt
import io

import pytest

from core.jobs import job_run
from hotspots.models import Hotspot
from patrols.models import OfficerProfile, PatrolAssignment
from patrols.services.plans import plan_create, plan_generate_start, plan_publish
from tests.patrols.factories import ForceFactory, HotspotFactory, OfficerFactory, RunFactory, shift

pytestmark = pytest.mark.django_db
WEEK = [dt.date(2026, 3, 23) + dt.timedelta(days=i) for i in range(7)]  # holds 29 March
EVENINGS = [{"days": [0, 1, 2, 3, 4, 5, 6], "start": "18:00", "end": "22:00"}]


@pytest.fixture
def published(officer, other_officer):
    run = RunFactory(force=ForceFactory())
    hotspots = [HotspotFactory(run=run) for _ in range(2)]
    profiles = [
        OfficerProfile.objects.create(user=user, force=run.force, collar_number=str(n))
        for n, user in enumerate((officer, other_officer))
    ]
    for profile in profiles:
        for day in WEEK:
            shift(profile, day, "16:00", "23:30")
    items = [{"hotspot": h, "windows": EVENINGS} for h in hotspots]
    plan = plan_create(run=run, name="Spring", first_day=WEEK[0], last_day=WEEK[-1], hotspots=items)
    assert job_run(job_id=plan_generate_start(plan=plan).pk).status == "succeeded"
    return plan_publish(plan=plan), profiles


def test_officer_sees_only_own_published_assignments(
    published, officer_client, other_officer_client
):
    plan, (mine, theirs) = published
    own = officer_client.get("/api/my/assignments/").json()
    assert own and {a["officer"] for a in own} == {mine.pk}
    assert len(own) == PatrolAssignment.objects.filter(officer=mine).count()
    others = other_officer_client.get("/api/my/assignments/").json()
    assert {a["officer"] for a in others} <= {theirs.pk}
    day = officer_client.get("/api/my/assignments/", {"date": "2026-03-29"}).json()
    assert all(a["start"].startswith("2026-03-29") for a in day)
    assert officer_client.get("/api/my/assignments/", {"date": "29/03"}).status_code == 400


def test_draft_plans_are_not_shown_to_officers(published, officer_client):
    plan, _ = published
    plan.status = "draft"
    plan.save()
    assert officer_client.get("/api/my/assignments/").json() == []


@pytest.mark.parametrize("path", ["/api/plans/", "/api/shifts/", "/api/officers/"])
def test_officers_cannot_read_plans_or_rosters(officer_client, path):
    assert officer_client.get(path).status_code == 403


def test_manager_moves_and_officer_cannot(published, manager_client, officer_client):
    plan, (mine, _) = published
    assignment = plan.assignments.filter(officer=mine).first()
    url = f"/api/assignments/{assignment.pk}/"
    assert (
        officer_client.patch(url, {"locked": True}, content_type="application/json").status_code
        == 403
    )
    response = manager_client.patch(url, {"locked": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["locked"] is True
    clash = plan.assignments.filter(officer=mine).exclude(pk=assignment.pk).first()
    body = {"start": clash.start.isoformat(), "end": clash.end.isoformat()}
    refused = manager_client.patch(url, body, content_type="application/json")
    assert refused.status_code == 400
    assert "already assigned" in refused.json()["detail"]


def test_calendar_feed_by_secret_token(published, client):
    plan, (mine, _) = published
    response = client.get(f"/patrols/calendar/{mine.calendar_token}.ics")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    events = body.count("BEGIN:VEVENT")
    assert events == PatrolAssignment.objects.filter(officer=mine).count()
    first = PatrolAssignment.objects.filter(officer=mine).order_by("start").first()
    assert f"DTSTART:{first.start.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert client.get("/patrols/calendar/not-a-token.ics").status_code == 404


def test_plan_csv_and_detail(published, commander_client):
    plan, _ = published
    text = commander_client.get(f"/api/plans/{plan.pk}/plan.csv").content.decode()
    assert text.splitlines()[0].startswith("assignment_id,date,start,end,minutes")
    assert len(text.splitlines()) == plan.assignments.count() + 1
    detail = commander_client.get(f"/api/plans/{plan.pk}/").json()
    assert detail["coverage"]["share"] > 0.9
    assert len(detail["hotspots"]) == 2


def test_manager_creates_plan_and_shift_through_api(
    manager_client, django_capture_on_commit_callbacks
):
    run = RunFactory()
    hotspot = HotspotFactory(run=run)
    body = {
        "run": run.pk,
        "name": "API plan",
        "first_day": "2026-05-04",
        "last_day": "2026-05-10",
        "hotspots": [{"hotspot": hotspot.pk, "windows": EVENINGS}],
    }
    response = manager_client.post("/api/plans/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    bad = {**body, "hotspots": [{"hotspot": hotspot.pk, "windows": [{"days": [9], "start": "x"}]}]}
    assert (
        manager_client.post("/api/plans/", bad, content_type="application/json").status_code == 400
    )
    officer = OfficerFactory(force=run.force)
    shift_body = {
        "officer": officer.pk,
        "start": "2026-05-04T22:00:00+01:00",
        "end": "2026-05-05T06:00:00+01:00",
    }
    assert (
        manager_client.post("/api/shifts/", shift_body, content_type="application/json").status_code
        == 201
    )
    overlap = {
        **shift_body,
        "start": "2026-05-05T05:00:00+01:00",
        "end": "2026-05-05T12:00:00+01:00",
    }
    refused = manager_client.post("/api/shifts/", overlap, content_type="application/json")
    assert refused.status_code == 400 and "already on duty" in refused.json()["detail"]


def test_plan_list_query_count(published, manager_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(10) as few:
        manager_client.get("/api/plans/")
    plan, _ = published
    run = plan.run
    for n in range(3):
        plan_create(
            run=run,
            name=f"Extra {n}",
            first_day=WEEK[0],
            last_day=WEEK[-1],
            hotspots=[{"hotspot": run.hotspots.first()}],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert manager_client.get("/api/plans/").json()["count"] == 4


def test_plan_csv_neutralises_formulas(published, commander_client, officer):
    plan, _ = published
    Hotspot.objects.filter(pk__in=plan.assignments.values("hotspot")).update(
        label="=cmd|' /C calc'!A0"
    )
    officer.first_name, officer.last_name = "@SUM(1", "2)"
    officer.save()
    text = commander_client.get(f"/api/plans/{plan.pk}/plan.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["hotspot"] for row in rows} == {"'=cmd|' /C calc'!A0"}
    assert "'@SUM(1 2)" in {row["officer"] for row in rows}
    assert all(row["centroid_lon"].startswith("-") for row in rows)  # numbers stay numbers


def test_calendar_address_is_rotated_revoked_and_dies_with_the_account(
    published, client, officer_client, officer
):
    profile = OfficerProfile.objects.get(user=officer)
    old = f"/patrols/calendar/{profile.calendar_token}.ics"
    assert client.get(old).status_code == 200
    assert officer_client.post("/patrols/mine/calendar/", {"action": "rotate"}).status_code == 302
    profile.refresh_from_db()
    new = f"/patrols/calendar/{profile.calendar_token}.ics"
    assert client.get(old).status_code == 404 and client.get(new).status_code == 200
    officer.is_active = False
    officer.save()
    assert client.get(new).status_code == 404
    officer.is_active = True
    officer.save()
    officer_client.post("/patrols/mine/calendar/", {"action": "off"})
    profile.refresh_from_db()
    assert profile.calendar_token is None and client.get(new).status_code == 404
    assert "calendar feed is off" in officer_client.get("/patrols/mine/").content.decode()
