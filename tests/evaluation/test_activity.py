"""Patrol activity for the commander's report comes from the visits logged on tablets."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from evaluation.selectors import patrol_activity
from patrols.models import OfficerProfile, PatrolPlan, PatrolVisit
from tests.patrols.factories import HotspotFactory, RunFactory

pytestmark = pytest.mark.django_db


def visit(hotspot, officer, started_at, **counts):
    return PatrolVisit.objects.create(
        client_uuid=uuid.uuid4(), hotspot=hotspot, officer=officer, started_at=started_at,
        ended_at=started_at + dt.timedelta(minutes=15), minutes_inside=12, **counts,
    )  # fmt: skip


def test_activity_totals_visits_in_the_period_at_the_plans_hotspots(officer):
    run = RunFactory()
    patrolled, elsewhere = HotspotFactory(run=run), HotspotFactory(run=run)
    profile = OfficerProfile.objects.create(user=officer, force=run.force, collar_number="9")
    plan = PatrolPlan.objects.create(
        force=run.force,
        run=run,
        name="P",
        seed=1,
        first_day=dt.date(2025, 1, 1),
        last_day=dt.date(2025, 1, 31),
    )
    plan.plan_hotspots.create(hotspot=patrolled, windows=[])
    in_period = timezone.make_aware(dt.datetime(2025, 1, 10, 19, 0))
    visit(patrolled, profile, in_period, arrests=2, people_engaged=11, stop_searches=1)
    visit(patrolled, profile, in_period + dt.timedelta(days=3), arrests=1, people_engaged=4)
    visit(elsewhere, profile, in_period, arrests=5)
    visit(patrolled, profile, in_period + dt.timedelta(days=60), arrests=7)
    activity = patrol_activity(plan, (dt.date(2025, 1, 1), dt.date(2025, 1, 31)))
    assert activity["visits_logged"] == 2
    assert (activity["arrests"], activity["people_engaged"], activity["stop_searches"]) == (
        3,
        15,
        1,
    )
    assert activity["minutes_inside"] == 24
    by_ids = patrol_activity([elsewhere.pk], (dt.date(2025, 1, 1), dt.date(2025, 1, 31)))
    assert by_ids["arrests"] == 5


def test_no_visits_says_so():
    activity = patrol_activity([], (dt.date(2025, 1, 1), dt.date(2025, 1, 31)))
    assert activity["visits_logged"] == 0 and activity["note"] == "no visits logged"
