import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import factory

from hotspots.models import Force, Hotspot, HotspotRun
from patrols.models import DutyShift, OfficerProfile, PatrolVisit
from tests.factories import UserFactory

LONDON = ZoneInfo("Europe/London")


class ForceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Force
        django_get_or_create = ("slug",)

    name = "Testshire Constabulary"
    slug = "testshire"


class RunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HotspotRun

    force = factory.SubFactory(ForceFactory)
    period_start = dt.date(2025, 1, 1)
    period_end = dt.date(2025, 12, 1)


def square(x: float, y: float, half: float = 75) -> dict:
    """A GeoJSON-like square (the coordinates only matter for display here)."""
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [x - half, y - half],
                [x + half, y - half],
                [x + half, y + half],
                [x - half, y + half],
                [x - half, y - half],
            ]
        ],
    }


class HotspotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hotspot

    run = factory.SubFactory(RunFactory)
    rank = factory.Sequence(lambda n: n + 1)
    label = factory.Sequence(lambda n: f"Street {n}")
    cells = factory.LazyFunction(list)
    centroid_x = factory.Sequence(lambda n: 435_000 + 600 * n)
    centroid_y = 336_000
    centroid_lon = -1.47
    centroid_lat = 52.92
    geometry = factory.LazyAttribute(lambda h: square(h.centroid_x, h.centroid_y))
    area_m2 = 22_500
    incident_count = 100
    harm = 100
    share_of_incidents = 0.01
    share_of_area = 0.001
    pai = 10
    peak_score = 5


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficerProfile

    user = factory.SubFactory(UserFactory, roles=["officer"])
    force = factory.SubFactory(ForceFactory)
    collar_number = factory.Sequence(lambda n: f"{1000 + n}")


def local(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), LONDON)


def shift(officer: OfficerProfile, day: dt.date, start: str, end: str) -> DutyShift:
    end_day = day if end > start else day + dt.timedelta(days=1)
    return DutyShift.objects.create(
        officer=officer, start=local(day, start), end=local(end_day, end)
    )


def delivered_visit(assignment) -> PatrolVisit:
    """A visit logged for the assignment, the whole of it measured inside the hotspot by GPS
    (the stored dose, as patrols.services.visits would have measured it)."""
    minutes = (assignment.end - assignment.start).total_seconds() / 60
    return PatrolVisit.objects.create(
        client_uuid=uuid.uuid4(), assignment=assignment, hotspot_id=assignment.hotspot_id,
        officer_id=assignment.officer_id, started_at=assignment.start, ended_at=assignment.end,
        minutes_inside=minutes, minutes_unknown=0,
    )  # fmt: skip


def delivered_if_done(assignment):
    """The assignment, with a fully measured visit logged for it when it is marked done."""
    if assignment.status == "done":
        delivered_visit(assignment)
    return assignment
