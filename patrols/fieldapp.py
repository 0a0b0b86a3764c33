"""What the officers' field app downloads: the officer's schedule for the rest of the shift and
the next 48 hours, the hotspots in it with their outlines and briefings, and the hotspots
nearby for an ad hoc visit with how many visits each has had today.

The schedule is one answer with no date in its address, so that the service worker's stored
copy is still the one the app asks for after midnight: a device offline at 23:50 still has the
00:30 visit. Officers see their own assignments only; a briefing's notes from earlier visits
are the hotspot's shared notes (what colleagues saw there), without who wrote them unless it
was the officer reading.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import shapely
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from hotspots.models import Hotspot
from hotspots.services.geometry import to_projected
from patrols import dosage
from patrols.models import (
    DutyShift,
    OfficerProfile,
    PatrolAssignment,
    PatrolPlan,
    PatrolVisit,
    PlanHotspot,
)

AHEAD = dt.timedelta(hours=48)
BEHIND = dt.timedelta(hours=12)  # the earlier part of a shift in progress, at the least
NOTES_DAYS = 90
NOTES_SHOWN = 5
NEARBY_SHOWN = 5
TREND_MONTHS = 3
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def inside_rule() -> dict:
    """The live "inside the hotspot" reading uses the rule that measures a visit's dose
    (patrols/services/visits.py): the DOSE_TOLERANCE_M buffer, and dosage's accuracy limit."""
    return {
        "toleranceM": settings.DOSE_TOLERANCE_M,
        "maxAccuracyM": dosage.visit_dose.__kwdefaults__["max_accuracy_m"],
    }


def schedule_window(
    *, officer: OfficerProfile, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """From the start of the shift in progress (12 hours back at the least) to 48 hours ahead,
    stretched to the end of a shift running at that moment."""
    start, end = now - BEHIND, now + AHEAD
    running = DutyShift.objects.filter(officer=officer, start__lte=now, end__gt=now)
    for shift in running:
        start = min(start, shift.start)
    for shift in DutyShift.objects.filter(officer=officer, start__lt=end, end__gt=end):
        end = max(end, shift.end)
    return start, end


def schedule(*, officer: OfficerProfile, now: dt.datetime | None = None) -> dict:
    """The officer's published assignments (lead or partner) in the schedule window, the
    hotspots in them and in the force's plans running in it, each with its briefing."""
    now = now or timezone.now()
    start, end = schedule_window(officer=officer, now=now)
    assignments = list(
        PatrolAssignment.objects.for_officer(officer)
        .published()
        .filter(start__lt=end, end__gt=start)
        .select_related("hotspot", "plan", "officer__user", "partner__user")
        .order_by("start", "id")
    )
    zone = timezone.get_current_timezone()
    running = PatrolPlan.objects.filter(
        force=officer.force, status=PatrolPlan.Status.PUBLISHED,
        first_day__lte=end.astimezone(zone).date(), last_day__gte=start.astimezone(zone).date(),
    )  # fmt: skip
    hotspot_ids = {a.hotspot_id for a in assignments}
    hotspot_ids |= set(running.values_list("plan_hotspots__hotspot_id", flat=True))
    hotspot_ids.discard(None)
    hotspots = Hotspot.objects.filter(pk__in=hotspot_ids).select_related("run", "area")
    today = _visits_today(hotspot_ids, now)
    reached = doses_reached(officer, hotspot_ids, now)
    plans = {a.plan_id: a.plan for a in assignments}
    return {
        "generated_at": now.isoformat(),
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "inside_rule": inside_rule(),
        "plans": [
            {
                "id": p.pk,
                "name": p.name,
                "published_at": p.published_at.isoformat() if p.published_at else None,
            }
            for p in plans.values()
        ],  # fmt: skip
        "assignments": [_assignment(a, officer) for a in assignments],
        "hotspots": [
            _hotspot(
                h,
                officer=officer,
                now=now,
                visits_today=today.get(h.pk, 0),
                dose_reached=reached.get(h.pk),
            )  # fmt: skip
            for h in sorted(hotspots, key=lambda h: (h.run_id, h.rank))
        ],
    }


def _assignment(a: PatrolAssignment, officer: OfficerProfile) -> dict:
    other = a.partner if a.officer_id == officer.pk else a.officer
    return {
        "id": a.pk,
        "plan": a.plan_id,
        "plan_name": a.plan.name,
        "hotspot": a.hotspot_id,
        "hotspot_rank": a.hotspot.rank,
        "hotspot_label": a.hotspot.label,
        "centroid_lon": a.hotspot.centroid_lon,
        "centroid_lat": a.hotspot.centroid_lat,
        "start": a.start.isoformat(),
        "end": a.end.isoformat(),
        "status": a.status,
        "with": str(other) if other else None,
    }


def _hotspot(
    h: Hotspot, *, officer: OfficerProfile, now: dt.datetime, visits_today: int,
    dose_reached: bool | None,
) -> dict:  # fmt: skip
    return {
        "id": h.pk,
        "rank": h.rank,
        "label": h.label,
        "geometry": h.geometry,
        "area": None if h.area is None else {"label": h.area.label, "geometry": h.area.geometry},
        "centroid_lon": h.centroid_lon,
        "centroid_lat": h.centroid_lat,
        "visits_today": visits_today,
        "dose_reached_today": dose_reached,
        "briefing": briefing(h, officer=officer, now=now),
    }


def _visits_today(hotspot_ids, now: dt.datetime) -> dict[int, int]:
    """Visits logged at each hotspot since local midnight, by any officer (a count only)."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        PatrolVisit.objects.filter(hotspot_id__in=hotspot_ids, started_at__gte=midnight)
        .values("hotspot_id")
        .annotate(n=Count("id"))
    )
    return {row["hotspot_id"]: row["n"] for row in rows}


def doses_reached(officer: OfficerProfile, hotspot_ids, now: dt.datetime) -> dict[int, bool]:
    """Whether each hotspot's patrol cap (a day's or a week's minutes) is reached today, from
    `patrols.selectors.dose_today`. Hotspots missing from the answer (in no running plan, so
    no cap known) read None: the app then says nothing."""
    from patrols.selectors import dose_today

    if not hotspot_ids:
        return {}
    day = timezone.localdate(now)
    doses = dose_today(force=officer.force, day=day, hotspot_ids=list(hotspot_ids))
    return {pk: bool(dose.dose_reached_today) for pk, dose in doses.items()}


def briefing(h: Hotspot, *, officer: OfficerProfile, now: dt.datetime) -> dict:
    """Why the place is a hotspot, from its run's incidents (top categories, peak times, the
    recent trend), and the notes of earlier visits to it."""
    total = sum(h.counts_by_category.values())
    top = Counter(h.counts_by_category).most_common(3)
    return {
        "incidents": h.incident_count,
        "period": f"{h.run.period_start:%b %Y} to {h.run.period_end:%b %Y}",
        "source": h.run.get_source_display(),
        "top_categories": [
            {"name": name, "count": n, "share": round(n / total, 3) if total else None}
            for name, n in top
        ],
        "peak": _peak(h),
        "trend": _trend(h.monthly_trend),
        "notes": _notes(h, officer=officer, now=now),
    }


def _peak(h: Hotspot) -> dict:
    """The run's suggested patrol window, the busiest days and the busiest three hours."""
    result = {"window": h.patrol_window, "days": [], "hours": ""}
    week = h.hour_weekday
    if not week or not sum(map(sum, week)):
        return result
    by_day = [sum(row) for row in week]
    result["days"] = [WEEKDAYS[d] for d in sorted(range(7), key=lambda d: -by_day[d])[:2]]
    by_hour = [sum(row[hour] for row in week) for hour in range(24)]
    first = max(range(24), key=lambda s: (sum(by_hour[(s + k) % 24] for k in range(3)), -s))
    result["hours"] = f"{first:02d}:00–{(first + 3) % 24:02d}:00"
    return result


def _trend(monthly: dict) -> dict:
    """The last three months against the three before: rising, falling or steady (within a
    fifth either way), with the monthly counts."""
    months = sorted(monthly)
    counts = [int(monthly[m]) for m in months]
    recent, before = sum(counts[-TREND_MONTHS:]), sum(counts[-2 * TREND_MONTHS : -TREND_MONTHS])
    if len(counts) < 2 * TREND_MONTHS:
        direction = "unknown"
    elif before == 0:
        direction = "rising" if recent else "steady"
    else:
        ratio = recent / before
        direction = "rising" if ratio > 1.2 else "falling" if ratio < 1 / 1.2 else "steady"
    return {
        "direction": direction,
        "recent": recent,
        "before": before,
        "months": [{"month": m, "count": c} for m, c in zip(months[-6:], counts[-6:], strict=True)],
    }


def _notes(h: Hotspot, *, officer: OfficerProfile, now: dt.datetime) -> list[dict]:
    since = now - dt.timedelta(days=NOTES_DAYS)
    visits = (
        PatrolVisit.objects.filter(hotspot=h, started_at__gte=since)
        .exclude(notes="")
        .order_by("-started_at")
        .only("started_at", "notes", "officer_id")[:NOTES_SHOWN]
    )
    return [
        {"at": v.started_at.isoformat(), "text": v.notes, "mine": v.officer_id == officer.pk}
        for v in visits
    ]


def nearby(*, officer: OfficerProfile, lon: float, lat: float, now: dt.datetime | None = None):
    """Up to five hotspots nearest a position: those of the force's published plans running
    today, else of its latest hotspot run; with distance in metres and visits today."""
    from patrols.selectors import _latest_run_hotspots

    now = now or timezone.now()
    today = timezone.localdate(now)
    running = PlanHotspot.objects.filter(
        plan__force=officer.force, plan__status=PatrolPlan.Status.PUBLISHED,
        plan__first_day__lte=today, plan__last_day__gte=today,
    ).values("hotspot_id")  # fmt: skip
    candidates = list(Hotspot.objects.filter(pk__in=running)) or list(
        _latest_run_hotspots(officer.force)
    )
    point = to_projected(shapely.Point(lon, lat))
    ranked = sorted(
        (
            (((h.centroid_x - point.x) ** 2 + (h.centroid_y - point.y) ** 2) ** 0.5, h)
            for h in candidates
        ),
        key=lambda pair: (pair[0], pair[1].pk),
    )[:NEARBY_SHOWN]
    today_counts = _visits_today([h.pk for _, h in ranked], now)
    reached = doses_reached(officer, [h.pk for _, h in ranked], now)
    return [
        {"hotspot": h.pk, "rank": h.rank, "label": h.label, "distance_m": round(metres),
         "visits_today": today_counts.get(h.pk, 0), "dose_reached_today": reached.get(h.pk),
         "geometry": h.geometry,
         "centroid_lon": h.centroid_lon, "centroid_lat": h.centroid_lat}
        for metres, h in ranked
    ]  # fmt: skip
