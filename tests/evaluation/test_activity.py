"""Patrol activity for the commander's report comes from the visits logged on tablets, read
through patrols.delivery like every other delivered figure."""

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from evaluation.services import patrol_effects
from patrols.models import OfficerProfile, PatrolVisit
from tests.patrols.factories import HotspotFactory, RunFactory

pytestmark = pytest.mark.django_db


def visit(hotspot, officer, started_at, **counts):
    return PatrolVisit.objects.create(
        client_uuid=uuid.uuid4(), hotspot=hotspot, officer=officer, started_at=started_at,
        ended_at=started_at + dt.timedelta(minutes=15), minutes_inside=12, **counts,
    )  # fmt: skip


def setup_of(hotspots, first: dt.date, last: dt.date):
    return SimpleNamespace(
        treated=hotspots, evaluation=SimpleNamespace(after_start=first, after_end=last)
    )


def test_activity_totals_visits_in_the_period_at_the_evaluated_hotspots(officer):
    run = RunFactory()
    patrolled, elsewhere = HotspotFactory(run=run), HotspotFactory(run=run)
    profile = OfficerProfile.objects.create(user=officer, force=run.force, collar_number="9")
    in_period = timezone.make_aware(dt.datetime(2025, 1, 10, 19, 0))
    visit(patrolled, profile, in_period, arrests=2, people_engaged=11, stop_searches=1)
    visit(patrolled, profile, in_period + dt.timedelta(days=3), arrests=1, people_engaged=4)
    visit(elsewhere, profile, in_period, arrests=5)
    visit(patrolled, profile, in_period + dt.timedelta(days=60), arrests=7)
    january = dt.date(2025, 1, 1)
    _, activity = patrol_effects.dose_and_activity(setup_of([patrolled], january, january))
    assert activity.visits_logged == 2
    assert (activity.arrests, activity.people_engaged, activity.stop_searches) == (3, 15, 1)
    assert activity.minutes_inside == 24
    _, elsewhere_activity = patrol_effects.dose_and_activity(
        setup_of([elsewhere], january, january)
    )
    assert elsewhere_activity.arrests == 5


def test_no_visits_says_so():
    january = dt.date(2025, 1, 1)
    dose, activity = patrol_effects.dose_and_activity(setup_of([], january, january))
    assert activity.visits_logged == 0 and activity.note == "no visits logged"
    assert dose.basis == "none"
