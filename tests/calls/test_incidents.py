"""Calls for service as an incident source for hotspot runs."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from calls.models import IncidentTypeMapping
from calls.services.incidents import calls_import_as_incidents, calls_import_recent_all
from hotspots.models import Category, Incident
from tests.calls.conftest import LAT, LON, apply, event

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(force):
    asb = Category.objects.get(slug="anti-social-behaviour")
    IncidentTypeMapping.objects.filter(force=force, incident_type="ASB").update(
        incident_category=asb
    )
    return asb


def test_located_mapped_calls_become_force_export_incidents(force, counted):
    apply(
        force,
        event("A", minutes_ago=90),
        event("B", minutes_ago=80),
        event("B", status="resolved", minutes_ago=20),
        event("C", minutes_ago=70, incident_type="BURG"),  # type not counted
        event("D", minutes_ago=60),
        event("D", status="cancelled", minutes_ago=50),  # cancelled: not demand
        event("E", minutes_ago=40, longitude=None, latitude=None),  # no location
    )
    now = timezone.now()
    summary = calls_import_as_incidents(force=force, since=now - dt.timedelta(days=1), until=now)
    assert summary.rows_imported == 2
    rows = Incident.objects.filter(force=force).order_by("reference")
    assert [(r.reference, r.source, r.category, r.status) for r in rows] == [
        ("A", "force_export", counted, "received"),
        ("B", "force_export", counted, "resolved"),
    ]
    assert rows[0].longitude == pytest.approx(LON) and rows[0].latitude == pytest.approx(LAT)
    assert rows[0].x is not None and rows[0].occurred_at is not None
    again = calls_import_as_incidents(force=force, since=now - dt.timedelta(days=1), until=now)
    assert again.rows_imported == 2 and Incident.objects.count() == 2  # replaced, not doubled


def test_command_and_task(force, counted, capsys):
    apply(force, event("A", minutes_ago=90))
    call_command("import_calls_as_incidents", "--force", force.slug, "--days", "1")
    assert "1 calls imported as incidents" in capsys.readouterr().out
    assert calls_import_recent_all(days=2) == 1  # what the beat task runs
    assert Incident.objects.count() == 1


def test_nothing_to_import_without_a_counted_type(force, capsys):
    apply(force, event("A", minutes_ago=90))
    call_command("import_calls_as_incidents", "--force", force.slug)
    assert "No mapped, located calls" in capsys.readouterr().out
    assert not Incident.objects.exists()


def test_beat_schedule_names_the_tasks(settings):
    """Celery tasks are not run here (an eager run would finalize Celery's app for the whole
    test session); the schedule must name the tasks that call the services above."""
    source = (Path(__file__).resolve().parents[2] / "calls" / "tasks.py").read_text()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry["task"].startswith("calls."):
            assert f'name="{entry["task"]}"' in source
