"""Reads of the calls app."""

import datetime as dt
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.geometry
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from calls.events import CallEventIn
from calls.models import Call, CallEvent, FeedSource, IncidentTypeMapping, RejectedEvent
from hotspots.models import Force, Hotspot, HotspotRun, ImportBatch, Incident
from patrols.selectors import patrolled_hotspots


def forces_with_calls() -> list[Force]:
    """Forces that have received calls, by name: one query."""
    has_calls = Exists(Call.objects.filter(force=OuterRef("pk")))
    return list(Force.objects.filter(has_calls).order_by("name"))


def mappings_for(*, force: Force) -> dict[str, IncidentTypeMapping]:
    return {m.incident_type: m for m in IncidentTypeMapping.objects.filter(force=force)}


def staff_call_list(*, force: Force, since: dt.datetime):
    """Calls received since `since`, newest first, with exact locations (staff only)."""
    return Call.objects.filter(force=force, received_at__gte=since).select_related("force")


def call_detail(*, pk: int):
    return Call.objects.select_related("force").prefetch_related("events", "public_actions__user")


def rejected_event_list(*, force: Force | None = None):
    events = RejectedEvent.objects.select_related("force", "token")
    return events.filter(force=force) if force else events


def feed_sources():
    return FeedSource.objects.filter(enabled=True).select_related("force")


@dataclass(frozen=True)
class WindowCall:
    pk: int
    reference: str
    x: float | None
    y: float | None
    public_action: str
    involves_juvenile: bool
    events: list[CallEventIn]


def public_window_calls(*, force: Force, start: dt.datetime, end: dt.datetime) -> list[WindowCall]:
    """Calls received in [start, end] with all their events: two queries."""
    calls = list(
        Call.objects.filter(force=force)
        .received_between(start, end)
        .values_list("pk", "reference", "x", "y", "public_action", "involves_juvenile")
    )
    events: dict[int, list[CallEventIn]] = {pk: [] for pk, *_ in calls}
    rows = CallEvent.objects.filter(call_id__in=list(events))
    for call_id, payload in rows.values_list("call_id", "payload").iterator(chunk_size=2000):
        events[call_id].append(CallEventIn.from_json(payload))
    return [WindowCall(*row, events=events[row[0]]) for row in calls]


_MAP_POINTS: dict[tuple[int, int | None], tuple[np.ndarray, np.ndarray]] = {}


def map_points(*, force: Force) -> tuple[np.ndarray, np.ndarray]:
    """The force's anonymous police.uk map points: projected (n, 2) metres and WGS84 (n, 2)
    lon/lat as published. Kept in memory until the force's police.uk data changes."""
    latest = ImportBatch.objects.filter(force=force, source=ImportBatch.Source.POLICE_UK).aggregate(
        latest=Max("id")
    )["latest"]
    key = (force.pk, latest)
    if key not in _MAP_POINTS:
        rows = (
            Incident.objects.filter(force=force, source=ImportBatch.Source.POLICE_UK)
            .mappable()
            .exclude(x__isnull=True)
            .values_list("x", "y", "longitude", "latitude")
            .distinct()
        )
        array = np.array(list(rows), dtype=float).reshape(-1, 4)
        _MAP_POINTS.clear()  # one force's points at a time is plenty
        _MAP_POINTS[key] = (array[:, :2], array[:, 2:])
    return _MAP_POINTS[key]


def current_hotspots(*, force: Force) -> list[Hotspot]:
    """The hotspots of the force's latest finished run, for the staff map."""
    run = HotspotRun.objects.filter(force=force).finished().order_by("-created_at").first()
    return list(run.hotspots.all()) if run else []


def todays_patrols(*, force: Force) -> list:
    """The hotspots patrolled today under the force's published plans (PlanHotspot rows with
    their plan, hotspot and `assignments_today`)."""
    return patrolled_hotspots(force=force, day=timezone.localdate())


def _inside(calls: list[Call], geometry: dict) -> list[int]:
    """Ids of the located calls whose exact WGS84 location lies inside a GeoJSON geometry."""
    located = [call for call in calls if call.longitude is not None]
    if not located:
        return []
    lon = np.array([call.longitude for call in located])
    lat = np.array([call.latitude for call in located])
    inside = shapely.contains_xy(shapely.geometry.shape(geometry), lon, lat)
    return [located[i].pk for i in np.flatnonzero(inside)]


def hotspot_ranks(*, calls: list[Call], hotspots: list[Hotspot]) -> dict[int, int]:
    """Call id → rank of the (best-ranked) hotspot its exact location falls in."""
    ranks: dict[int, int] = {}
    for hotspot in sorted(hotspots, key=lambda h: h.rank, reverse=True):
        ranks.update(dict.fromkeys(_inside(calls, hotspot.geometry), hotspot.rank))
    return ranks


def patrol_marks(*, calls: list[Call], patrols: list) -> dict[int, dict]:
    """Call id → the patrolled hotspot (plan, hotspot label and rank) its exact location falls
    in; where plans overlap, the first in `patrols` order (plan name, then rank)."""
    marks: dict[int, dict] = {}
    for ph in reversed(patrols):
        mark = {"plan": ph.plan.name, "plan_id": ph.plan_id, "hotspot": ph.hotspot.label,
                "rank": ph.hotspot.rank, "assignments_today": ph.assignments_today}  # fmt: skip
        marks.update(dict.fromkeys(_inside(calls, ph.hotspot.geometry), mark))
    return marks
