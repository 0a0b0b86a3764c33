"""Fixtures of the live-calls tests: two forces, mapped incident types and event helpers."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from calls.models import IncidentTypeMapping
from calls.services.events import call_events_apply
from calls.services.tokens import token_create
from hotspots.models import Force

# Derby city centre, WGS84.
LON, LAT = -1.4746, 52.9225
TYPES = {
    "ASB": ("anti-social-behaviour", False),
    "BURG": ("burglary", False),
    "RTC": ("road-traffic", False),
    "THEFT": ("theft", False),
    "DOM": ("domestic-abuse", False),  # suppressed by its category, whatever the flag says
    "SEX": ("sexual-offences", True),
    "WELF": ("concern-for-welfare", True),
    "MISPER": ("missing-person", True),
    "MH": ("mental-health", True),
    "DEATH": ("sudden-death", True),
    "FIREARM": ("violence", True),  # sensitive by the force's own choice
}
SENSITIVE_TYPES = {code for code, (category, flag) in TYPES.items() if flag or code == "DOM"}
PUBLIC_TYPES = sorted(set(TYPES) - SENSITIVE_TYPES)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def force(db):
    force = Force.objects.create(name="Derbyshire", slug="derbyshire")
    for code, (category, sensitive) in TYPES.items():
        IncidentTypeMapping.objects.create(
            force=force, incident_type=code, public_category=category, sensitive=sensitive
        )
    return force


@pytest.fixture
def other_force(db):
    return Force.objects.create(name="Nottinghamshire", slug="nottinghamshire")


@pytest.fixture
def token(force):
    return token_create(force=force, name="cad")


@pytest.fixture
def other_token(other_force):
    return token_create(force=other_force, name="cad")


def event(reference="INC-1", status="received", minutes_ago=30.0, **extra) -> dict:
    when = timezone.now() - dt.timedelta(minutes=minutes_ago)
    data = {"reference": reference, "status": status, "occurred_at": when.isoformat()}
    if status == "received":
        data.update(incident_type="ASB", priority="2", longitude=LON, latitude=LAT)
    data.update(extra)
    return data


def apply(force, *events, now=None):
    return call_events_apply(force=force, raw_events=list(events), source="api", now=now)


def add_map_points(force, lonlats) -> None:
    """police.uk incidents at these anonymous map points (WGS84), as an import would store them."""
    import datetime as dt

    import shapely

    from hotspots.models import Category, ImportBatch, Incident
    from hotspots.services.geometry import to_projected

    batch = ImportBatch.objects.create(
        force=force, source="police_uk", file_name="2026-05-street.csv", checksum="0" * 64,
        months=["2026-05"], status="imported",
    )  # fmt: skip
    category = Category.objects.asb().first() or Category.objects.create(
        name="Anti-social behaviour", slug="anti-social-behaviour", group="asb", harm_weight=0
    )
    for lon, lat in lonlats:
        point = to_projected(shapely.Point(lon, lat))
        Incident.objects.create(
            force=force, batch=batch, source="police_uk", month=dt.date(2026, 5, 1),
            category=category, longitude=lon, latitude=lat, x=point.x, y=point.y,
        )  # fmt: skip
