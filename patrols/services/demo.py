"""A year of demo patrols: weekly published plans at a force's top hotspots, the visits
officers logged on them (GPS fixes for most, none for some, ad hoc visits besides) and what
they recorded, so that the funder's return, the reduction report and the guardrails have
something to read.

The dose of every visit is measured from its fixes by patrols.dosage, exactly as a visit sent
from a tablet is. One hotspot (the third ranked) is planted with stop-searches and arrests at
several times the programme's rate, so the legitimacy guardrail has something to flag.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotspots.models import Hotspot
from hotspots.services.geometry import point_to_lonlat, to_projected
from patrols import dosage
from patrols.models import (
    GpsPing,
    OfficerProfile,
    PatrolAssignment,
    PatrolPlan,
    PatrolVisit,
    PlanHotspot,
)

# Outcomes per visit (Poisson means), about the seed programme's year: 111 arrests and
# over 30,000 people spoken to in some 9,000 hours.
RATES = {
    "arrests": 0.005, "stop_searches": 0.012, "dispersals": 0.006, "asb_warnings": 0.03,
    "people_engaged": 1.4, "intelligence_reports": 0.04,
}  # fmt: skip
PLANTED = {"stop_searches": 6.0, "arrests": 4.0}  # multipliers at the planted hotspot
SLOTS = ("16:00", "19:00", "22:00")
FIX_EVERY_S = 120


@dataclass(frozen=True)
class DemoPatrols:
    plans: int
    assignments: int
    visits: int
    pings: int


def _weeks(year: int) -> list[tuple[dt.date, dt.date]]:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append((max(monday, first), min(monday + dt.timedelta(days=6), last)))
        monday += dt.timedelta(days=7)
    return weeks


@transaction.atomic
def demo_patrols_create(
    *, run, officers: list[OfficerProfile], year: int, hotspots: int = 20, seed: int = 2025
) -> DemoPatrols:
    """Weekly published plans for `year` at the run's top `hotspots`, with logged visits."""
    rng = np.random.default_rng(seed)
    places = list(Hotspot.objects.filter(run=run).order_by("rank")[:hotspots])
    polygons = {h.pk: to_projected(shapely.geometry.shape(h.geometry)) for h in places}
    zone = timezone.get_default_timezone()
    planted = places[2].pk if len(places) > 2 else None
    counts = {"plans": 0, "assignments": 0, "visits": 0, "pings": 0}
    for first, last in _weeks(year):
        plan = PatrolPlan.objects.create(
            force=run.force, run=run, name=f"Demo patrols: week of {first:%-d %B %Y}",
            first_day=first, last_day=last, seed=int(rng.integers(1, 10**6)),
            status=PatrolPlan.Status.PUBLISHED, published_at=timezone.now(),
        )  # fmt: skip
        PlanHotspot.objects.bulk_create(
            PlanHotspot(plan=plan, hotspot=h, visits_per_day=len(SLOTS), minutes_per_visit=20)
            for h in places
        )
        visits: list[tuple[PatrolVisit, list]] = []
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        assignments = []
        for day in days:
            for hotspot in places:
                for slot in SLOTS:
                    start = dt.datetime.combine(day, dt.time.fromisoformat(slot), zone)
                    start += dt.timedelta(minutes=int(rng.integers(0, 90)))
                    assignments.append(
                        PatrolAssignment(
                            plan=plan, hotspot=hotspot, start=start,
                            end=start + dt.timedelta(minutes=20),
                            officer=officers[int(rng.integers(len(officers)))],
                        )
                    )  # fmt: skip
        for a in assignments:
            draw = rng.random()
            a.status = "missed" if draw < 0.08 else "published" if draw < 0.11 else "done"
        PatrolAssignment.objects.bulk_create(assignments)
        for a in assignments:
            if a.status == "done":
                visits.append(_visit(rng, a.hotspot, a.officer, a.start, a, polygons, planted))
        for day in days:  # ad hoc visits, about two a day
            for _ in range(int(rng.poisson(2))):
                hotspot = places[int(rng.integers(len(places)))]
                start = dt.datetime.combine(day, dt.time(12), zone)
                start += dt.timedelta(minutes=int(rng.integers(0, 600)))
                officer = officers[int(rng.integers(len(officers)))]
                visits.append(_visit(rng, hotspot, officer, start, None, polygons, planted))
        PatrolVisit.objects.bulk_create([v for v, _ in visits])
        pings = [GpsPing(visit=v, **fix) for v, fixes in visits for fix in fixes]
        GpsPing.objects.bulk_create(pings, batch_size=5000)
        counts["plans"] += 1
        counts["assignments"] += len(assignments)
        counts["visits"] += len(visits)
        counts["pings"] += len(pings)
    return DemoPatrols(**counts)


def _visit(rng, hotspot, officer, planned_start, assignment, polygons, planted):
    """A visit with its fixes (three in four visits have them), dose measured from them."""
    started = planned_start + dt.timedelta(minutes=int(rng.integers(-5, 10)))
    minutes = float(np.clip(rng.normal(20, 4), 5, 45))
    ended = started + dt.timedelta(minutes=minutes)
    polygon = polygons[hotspot.pk]
    fixes, measured = [], []
    if rng.random() < 0.75:
        leaves_at = minutes * rng.uniform(0.6, 1.2)  # some walk out of the hotspot
        centre = polygon.representative_point()
        for seconds in range(0, int(minutes * 60) + 1, FIX_EVERY_S):
            away = 400.0 if seconds / 60 > leaves_at else 0.0
            x = centre.x + away + rng.normal(0, 8)
            y = centre.y + rng.normal(0, 8)
            at = started + dt.timedelta(seconds=seconds)
            accuracy = float(rng.uniform(4, 20))
            measured.append(dosage.Ping(at=at, x=x, y=y, accuracy_m=accuracy))
            lon, lat = point_to_lonlat(x, y)
            fixes.append({"client_uuid": uuid.uuid4(), "at": at, "lon": lon, "lat": lat,
                          "accuracy_m": accuracy})  # fmt: skip
    dose = dosage.visit_dose(
        measured, polygon, started_at=started, ended_at=ended,
        tolerance_m=settings.DOSE_TOLERANCE_M, max_gap_s=settings.DOSE_MAX_GAP_S,
    )  # fmt: skip
    scale = PLANTED if hotspot.pk == planted else {}
    outcomes = {name: int(rng.poisson(rate * scale.get(name, 1.0))) for name, rate in RATES.items()}
    visit = PatrolVisit(
        client_uuid=uuid.uuid4(), assignment=assignment, hotspot=hotspot, officer=officer,
        started_at=started, ended_at=ended, minutes_inside=dose.minutes_inside,
        minutes_unknown=dose.minutes_unknown, band=dose.band, **outcomes,
    )  # fmt: skip
    return visit, fixes
