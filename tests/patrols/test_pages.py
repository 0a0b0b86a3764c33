import datetime as dt

import pytest

from core.jobs import job_run
from core.models import Job
from patrols.models import OfficerProfile, PatrolPlan
from patrols.services.plans import plan_create, plan_generate_start, plan_publish
from tests.patrols.factories import (
    ForceFactory,
    HotspotFactory,
    OfficerFactory,
    RunFactory,
    shift,
)

pytestmark = pytest.mark.django_db
WEEK = [dt.date(2026, 6, 1) + dt.timedelta(days=i) for i in range(7)]


@pytest.fixture
def plan(officer):
    run = RunFactory()

    hotspots = [HotspotFactory(run=run) for _ in range(2)]
    profile = OfficerProfile.objects.create(user=officer, force=run.force, collar_number="42")
    for day in WEEK:
        shift(profile, day, "16:00", "23:00")
    windows = [{"days": list(range(7)), "start": "18:00", "end": "21:00"}]
    items = [{"hotspot": h, "windows": windows} for h in hotspots]
    plan = plan_create(run=run, name="June", first_day=WEEK[0], last_day=WEEK[-1], hotspots=items)
    job_run(job_id=plan_generate_start(plan=plan).pk)
    plan.refresh_from_db()
    return plan


def test_plan_page_shows_timeline_coverage_and_actions(plan, manager_client, commander_client):
    page = manager_client.get(f"/patrols/plans/{plan.pk}/").content.decode()
    assert "By officer" in page and "tl-block" in page
    assert "Dose scheduled" in page and 'value="publish"' in page
    commander_page = commander_client.get(f"/patrols/plans/{plan.pk}/").content.decode()
    assert "tl-block" in commander_page and 'value="publish"' not in commander_page
    assert (
        commander_client.post(f"/patrols/plans/{plan.pk}/", {"action": "publish"}).status_code
        == 403
    )


def test_manager_locks_moves_and_publishes(plan, manager_client, officer_client):
    assignment = plan.assignments.first()
    url = f"/patrols/plans/{plan.pk}/"
    manager_client.post(url, {"action": "lock", "assignment": assignment.pk})
    assignment.refresh_from_db()
    assert assignment.locked
    clash = plan.assignments.exclude(pk=assignment.pk).filter(officer=assignment.officer).first()
    start = clash.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    response = manager_client.post(
        url,
        {
            "action": "move",
            "assignment": assignment.pk,
            "officer": assignment.officer_id,
            "start": start,
            "end": start,
        },
        follow=True,
    )
    assert "must end after" in response.content.decode() or "already" in response.content.decode()
    manager_client.post(url, {"action": "publish"})
    plan.refresh_from_db()
    assert plan.status == PatrolPlan.Status.PUBLISHED
    mine = officer_client.get("/patrols/mine/")
    assert mine.status_code == 200


def test_officer_home_lists_upcoming_published_patrols(plan, officer_client):
    plan_publish(plan=plan)
    page = officer_client.get("/patrols/mine/").content.decode()
    assert "calendar feed" in page


def test_plan_form_creates_and_solves(manager_client, django_capture_on_commit_callbacks):
    run = RunFactory()
    run.job = Job.objects.create(kind="hotspots.find", status="succeeded")
    run.save()
    HotspotFactory(run=run)
    officer = OfficerFactory(force=run.force)
    shift(officer, WEEK[0], "16:00", "23:00")
    body = {
        "run": run.pk,
        "name": "Form plan",
        "first_day": "2026-06-01",
        "last_day": "2026-06-07",
        "design": "crossover",
        "travel_speed_kmh": 20,
        "top": 5,
        "visits_per_day": 1,
        "minutes_per_visit": 15,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post("/patrols/plans/", body)
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = PatrolPlan.objects.get(name="Form plan")
    assert plan.job.status == "succeeded"
    bad = {**body, "last_day": "2026-05-01"}
    assert "ends before it starts" in manager_client.post("/patrols/plans/", bad).content.decode()


def test_manager_changes_dose_adds_and_removes_hotspots(plan, manager_client):
    url = f"/patrols/plans/{plan.pk}/"
    item = plan.plan_hotspots.first()
    windows = '[{"days": [4, 5], "start": "20:00", "end": "23:30"}]'
    body = {
        "action": "dose",
        "item": item.pk,
        "visits_per_day": 2,
        "minutes_per_visit": 12,
        "min_gap_minutes": 45,
        "windows": windows,
    }
    manager_client.post(url, body)
    item.refresh_from_db()
    assert (item.visits_per_day, item.minutes_per_visit, item.min_gap_minutes) == (2, 12, 45)
    assert item.windows == [{"days": [4, 5], "start": "20:00", "end": "23:30"}]
    bad = manager_client.post(url, {**body, "windows": '[{"days": [8]}]'}, follow=True)
    assert "days must be numbers" in bad.content.decode()
    extra = HotspotFactory(run=plan.run)
    manager_client.post(url, {"action": "add", "hotspot": extra.pk})
    assert plan.plan_hotspots.filter(hotspot=extra).exists()
    manager_client.post(url, {"action": "remove", "item": item.pk})
    assert not plan.plan_hotspots.filter(pk=item.pk).exists()
    assert not plan.assignments.filter(hotspot=item.hotspot).exists()
    page = manager_client.get(url).content.decode()
    assert "&quot;days&quot;" in page or '"days"' in page


def test_plan_form_offers_runs_of_forces_with_officers_named_by_force(manager_client):
    empty_force = ForceFactory(slug="emptyshire", name="Emptyshire Police")
    staffed, empty = RunFactory(), RunFactory(force=empty_force)
    for run in (staffed, empty):
        run.job = Job.objects.create(kind="hotspots.find", status="succeeded")
        run.save()
    OfficerFactory(force=staffed.force)
    form = manager_client.get("/patrols/plans/").context["form"]
    choices = [(value.value, label) for value, label in form.fields["run"].choices if value]
    assert [value for value, _ in choices] == [staffed.pk]
    assert choices[0][1].startswith(f"{staffed.force.name}: #{staffed.pk} ")
