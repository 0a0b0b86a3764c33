"""Recording visits and GPS pings sent from tablets, exactly once, and measuring their dose.

Every record carries a client-generated UUID. Sending the same record again returns the stored
one; the same UUID with different content is a conflict, never an overwrite.
"""

import datetime as dt
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hotspots.models import Hotspot
from hotspots.services.geometry import to_projected
from patrols import dosage
from patrols.models import (
    GpsPing,
    OfficerProfile,
    PatrolAssignment,
    PatrolPlan,
    PatrolVisit,
    PlanHotspot,
)

VISIT_FIELDS = (
    "hotspot_id",
    "assignment_id",
    "started_at",
    "ended_at",
    "start_lon",
    "start_lat",
    "start_accuracy_m",
    "end_lon",
    "end_lat",
    "end_accuracy_m",
    "notes",
    *PatrolVisit.ACTIVITY_FIELDS,
)
CLOCK_SKEW = dt.timedelta(minutes=10)
LONGEST_VISIT = dt.timedelta(hours=12)


class VisitError(ValueError):
    """The visit cannot be recorded as sent; the message says why."""


class VisitConflict(Exception):
    """A record with this UUID exists with other content."""


@dataclass(frozen=True)
class Recorded:
    visit: PatrolVisit
    created: bool


def _same(visit: PatrolVisit, fields: dict) -> bool:
    return all(getattr(visit, name) == fields[name] for name in VISIT_FIELDS)


def visit_record(
    *, officer: OfficerProfile, client_uuid, fields: dict, pings: list[dict]
) -> Recorded:
    """Store a finished visit (and any pings sent with it) once. `fields` holds VISIT_FIELDS
    with `hotspot_id` and `assignment_id` as ids."""
    existing = PatrolVisit.objects.filter(client_uuid=client_uuid).first()
    if existing:
        if existing.officer_id != officer.pk or not _same(existing, fields):
            raise VisitConflict(f"Visit {client_uuid} was already received with other content.")
        if pings:
            pings_record(visit=existing, pings=pings)
        return Recorded(existing, created=False)
    _validate(officer, fields)
    try:
        with transaction.atomic():
            visit = PatrolVisit.objects.create(client_uuid=client_uuid, officer=officer, **fields)
            _mark_assignment_done(visit)
            _store_pings(visit, pings)
            visit_dose_refresh(visit=visit)
    except IntegrityError:
        # The same visit arrived twice at once: the other request stored it.
        return visit_record(officer=officer, client_uuid=client_uuid, fields=fields, pings=pings)
    return Recorded(visit, created=True)


def _validate(officer: OfficerProfile, fields: dict) -> None:
    if fields["ended_at"] < fields["started_at"]:
        raise VisitError("The visit ends before it starts.")
    if fields["ended_at"] - fields["started_at"] > LONGEST_VISIT:
        raise VisitError("A visit longer than 12 hours is not plausible.")
    if fields["ended_at"] > timezone.now() + CLOCK_SKEW:
        raise VisitError("The visit ends in the future: check the tablet's clock.")
    if fields["started_at"] < timezone.now() - dt.timedelta(days=settings.VISIT_MAX_AGE_DAYS):
        raise VisitError(
            f"A visit more than {settings.VISIT_MAX_AGE_DAYS} days old cannot be logged from a "
            "tablet; ask a manager."
        )
    if not Hotspot.objects.filter(pk=fields["hotspot_id"]).exists():
        raise VisitError("No such hotspot.")
    if not _in_published_plan(officer, fields["hotspot_id"], fields["started_at"]):
        raise VisitError(
            "That hotspot is not in a published plan of your force running on the visit's day."
        )
    if fields.get("assignment_id"):
        _check_assignment(officer, fields)


def _in_published_plan(officer: OfficerProfile, hotspot_id: int, started_at: dt.datetime) -> bool:
    """The hotspot is patrolled by the officer's force on that local day (a day's grace
    either side for shifts that cross midnight)."""
    day = timezone.localtime(started_at).date()
    return PlanHotspot.objects.filter(
        hotspot_id=hotspot_id,
        plan__force_id=officer.force_id,
        plan__status=PatrolPlan.Status.PUBLISHED,
        plan__first_day__lte=day + dt.timedelta(days=1),
        plan__last_day__gte=day - dt.timedelta(days=1),
    ).exists()


def _check_assignment(officer: OfficerProfile, fields: dict) -> None:
    assignment = (
        PatrolAssignment.objects.for_officer(officer).filter(pk=fields["assignment_id"]).first()
    )
    if assignment is None:
        raise VisitError("That assignment is not yours.")
    if assignment.hotspot_id != fields["hotspot_id"]:
        raise VisitError("The visit's hotspot differs from its assignment's.")


def _mark_assignment_done(visit: PatrolVisit) -> None:
    if visit.assignment_id:
        PatrolAssignment.objects.filter(pk=visit.assignment_id).exclude(
            status=PatrolAssignment.Status.CANCELLED
        ).update(status=PatrolAssignment.Status.DONE)


def _store_pings(visit: PatrolVisit, pings: list[dict]) -> int:
    """Insert new pings; identical resends are skipped, changed ones are conflicts."""
    uuids = [p["client_uuid"] for p in pings]
    known = {p.client_uuid: p for p in GpsPing.objects.filter(client_uuid__in=uuids)}
    fresh = []
    for ping in pings:
        old = known.get(ping["client_uuid"])
        if old is None:
            fresh.append(GpsPing(visit=visit, **ping))
        elif (old.visit_id, old.at, old.lon, old.lat, old.accuracy_m) != (
            visit.pk,
            ping["at"],
            ping["lon"],
            ping["lat"],
            ping["accuracy_m"],
        ):
            raise VisitConflict(
                f"Ping {ping['client_uuid']} was already received with other content."
            )
    GpsPing.objects.bulk_create(fresh)
    return len(fresh)


@transaction.atomic
def pings_record(*, visit: PatrolVisit, pings: list[dict]) -> int:
    """Add a batch of pings to a visit and re-measure its dose; returns how many were new.
    Batches for one visit are serialised on the visit's row, so that two arriving at once
    neither collide on a ping's UUID nor leave a dose measured without the other's pings."""
    PatrolVisit.objects.select_for_update().filter(pk=visit.pk).first()
    added = _store_pings(visit, pings)
    if added:
        visit_dose_refresh(visit=visit)
    return added


def visit_dose_refresh(*, visit: PatrolVisit) -> dosage.Dose:
    """Minutes inside the hotspot (buffered by DOSE_TOLERANCE_M) from the visit's fixes."""
    polygon = to_projected(shapely.geometry.shape(visit.hotspot.geometry))
    fixes = [_ping(p.at, p.lon, p.lat, p.accuracy_m) for p in visit.pings.all()]
    for at, lon, lat, accuracy in (
        (visit.started_at, visit.start_lon, visit.start_lat, visit.start_accuracy_m),
        (visit.ended_at, visit.end_lon, visit.end_lat, visit.end_accuracy_m),
    ):
        if lon is not None and lat is not None and accuracy is not None:
            fixes.append(_ping(at, lon, lat, accuracy))
    dose = dosage.visit_dose(
        sorted(fixes, key=lambda p: p.at),
        polygon,
        started_at=visit.started_at,
        ended_at=visit.ended_at,
        tolerance_m=settings.DOSE_TOLERANCE_M,
        max_gap_s=settings.DOSE_MAX_GAP_S,
    )
    PatrolVisit.objects.filter(pk=visit.pk).update(
        minutes_inside=dose.minutes_inside, minutes_unknown=dose.minutes_unknown, band=dose.band
    )
    return dose


def _ping(at, lon: float, lat: float, accuracy: float) -> dosage.Ping:
    point = to_projected(shapely.Point(lon, lat))
    return dosage.Ping(at=at, x=point.x, y=point.y, accuracy_m=accuracy)
