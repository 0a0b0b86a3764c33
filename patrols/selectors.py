import datetime as dt
from collections import defaultdict
from types import SimpleNamespace

from django.db.models import Count, DurationField, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from hotspots.models import Hotspot
from patrols.models import (
    DutyShift,
    Leave,
    OfficerProfile,
    PatrolAssignment,
    PatrolPlan,
    PatrolVisit,
    PlanHotspot,
)


def officer_list():
    return OfficerProfile.objects.select_related("user", "team", "force")


def shift_list():
    return DutyShift.objects.select_related("officer__user")


def leave_list():
    return Leave.objects.select_related("officer__user")


def plan_list():
    return PatrolPlan.objects.with_details().prefetch_related("plan_hotspots__hotspot")


def assignment_list(*, plan_id: int):
    return PatrolAssignment.objects.with_details().filter(plan_id=plan_id)


def assignment_week(*, plan_id: int, start: dt.datetime, end: dt.datetime):
    """A plan's assignments starting in [start, end), with what the plan page shows of their
    hotspot and officer and nothing else."""
    return (
        PatrolAssignment.objects.filter(plan_id=plan_id, start__gte=start, start__lt=end)
        .select_related("hotspot", "officer__user")
        .only(
            "start", "end", "status", "locked", "plan_id", "hotspot__rank", "hotspot__label",
            "officer__collar_number", "officer__user__username", "officer__user__first_name",
            "officer__user__last_name",
        )
    )  # fmt: skip


def assignment_counts_by_day(*, plan_id: int) -> dict[dt.date, int]:
    """A plan's assignments per local start date, counted in the database (one query)."""
    rows = (
        PatrolAssignment.objects.filter(plan_id=plan_id)
        .annotate(day=TruncDate("start", tzinfo=timezone.get_current_timezone()))
        .values("day").annotate(n=Count("id")).order_by()
    )  # fmt: skip
    return {row["day"]: row["n"] for row in rows}


def my_assignments(*, officer: OfficerProfile, day: dt.date | None = None):
    """The officer's published assignments, as lead or partner; `day` is a local date."""
    assignments = PatrolAssignment.objects.for_officer(officer).published().with_details()
    if day:
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(day, dt.time.min, zone)
        assignments = assignments.filter(start__gte=start, start__lt=start + dt.timedelta(days=1))
    return assignments.order_by("start")


def visit_list(*, user):
    """Visits a user may read: an officer their own, a manager all."""
    from core.roles import MANAGER, has_role

    visits = PatrolVisit.objects.with_details().annotate(ping_count=Count("pings"))
    if has_role(user, MANAGER):
        return visits
    officer = getattr(user, "officer", None)
    return visits.filter(officer=officer) if officer else visits.none()


GROUPS = ("hotspot", "day", "officer", "assignment")


def dose_table(*, plan: PatrolPlan, group_by: str) -> list[dict]:
    """Planned against delivered patrol minutes for a plan, per hotspot, day, officer or
    assignment. Delivered counts visits logged against the plan's assignments or, ad hoc, at
    its hotspots during its days."""
    zone = timezone.get_current_timezone()
    rows: dict[str, dict] = defaultdict(_dose_row)
    for key, label, minutes in _planned(plan, group_by, zone):
        rows[key]["label"] = label
        rows[key]["planned_minutes"] += minutes
    for v in _plan_visits(plan, zone):
        key, label = _group(
            group_by, v, v.started_at.astimezone(zone).date(), v.officer, v.assignment
        )
        row = rows[key]
        row["label"] = row["label"] or label
        row["delivered_minutes"] += v.minutes
        row["minutes_inside"] += v.minutes_inside
        row["visits"] += 1
        if v.band:
            row["bands"][v.band] = row["bands"].get(v.band, 0) + 1
    return [{"key": key, **row} for key, row in sorted(rows.items())]


def _planned(plan: PatrolPlan, group_by: str, zone):
    """(key, label, planned minutes) per group of the plan's live assignments, summed in the
    database: a plan of 36,500 assignments is a few hundred rows here, not 36,500 objects."""
    live = plan.assignments.exclude(status=PatrolAssignment.Status.CANCELLED).order_by()
    total = Sum(F("end") - F("start"), output_field=DurationField())
    if group_by == "assignment":
        for a in live.select_related("hotspot").only("plan_id", "start", "end", "hotspot__rank"):
            yield *_group(group_by, a, a.start.date(), None, a), _minutes(a.end - a.start)
    elif group_by == "day":
        days = live.annotate(day=TruncDate("start", tzinfo=zone)).values("day").annotate(m=total)
        for row in days:
            yield *_group(group_by, None, row["day"], None, None), _minutes(row["m"])
    elif group_by == "officer":
        sums = {r["officer_id"]: r["m"] for r in live.values("officer_id").annotate(m=total)}
        for pk, officer in OfficerProfile.objects.select_related("user").in_bulk(sums).items():
            yield *_group(group_by, None, plan.first_day, officer, None), _minutes(sums[pk])
    else:
        sums = {r["hotspot_id"]: r["m"] for r in live.values("hotspot_id").annotate(m=total)}
        for pk, spot in Hotspot.objects.only("rank", "label").in_bulk(sums).items():
            item = SimpleNamespace(hotspot=spot)
            yield *_group(group_by, item, plan.first_day, None, None), _minutes(sums[pk])


def _minutes(duration: dt.timedelta) -> float:
    return duration.total_seconds() / 60


def _dose_row() -> dict:
    return {"label": "", "planned_minutes": 0.0, "delivered_minutes": 0.0, "minutes_inside": 0.0,
            "visits": 0, "bands": {}}  # fmt: skip


def _group(group_by: str, item, day: dt.date, officer, assignment) -> tuple[str, str]:
    if group_by == "day":
        return day.isoformat(), f"{day:%a %-d %b}"
    if group_by == "officer":
        return f"{officer.collar_number}", str(officer)
    if group_by == "assignment":
        if assignment is None:
            return "ad hoc", "Ad hoc visits"
        return f"{assignment.pk:08d}", f"#{assignment.hotspot.rank} {assignment.start:%a %H:%M}"
    return f"{item.hotspot.rank:04d}", f"#{item.hotspot.rank} {item.hotspot.label}"


def _plan_visits(plan: PatrolPlan, zone):
    start = dt.datetime.combine(plan.first_day, dt.time.min, zone)
    end = dt.datetime.combine(plan.last_day + dt.timedelta(days=1), dt.time.min, zone)
    hotspots = plan.plan_hotspots.values_list("hotspot_id", flat=True)
    return PatrolVisit.objects.with_details().filter(
        Q(assignment__plan=plan)
        | Q(
            assignment__isnull=True,
            hotspot_id__in=hotspots,
            started_at__gte=start,
            started_at__lt=end,
        )
    )


def nearest_hotspot(*, officer, lon: float, lat: float):
    """The nearest hotspot of the officer's force's published plans running today, else of its
    latest hotspot run, with its distance in metres."""
    import shapely

    from hotspots.models import Hotspot
    from hotspots.services.geometry import to_projected

    today = timezone.localdate()
    running = PlanHotspot.objects.filter(
        plan__force=officer.force, plan__status=PatrolPlan.Status.PUBLISHED,
        plan__first_day__lte=today, plan__last_day__gte=today,
    ).values("hotspot_id")  # fmt: skip
    planned = Hotspot.objects.filter(pk__in=running)
    candidates = list(planned) or list(_latest_run_hotspots(officer.force))
    if not candidates:
        return None, None
    point = to_projected(shapely.Point(lon, lat))
    best = min(
        candidates, key=lambda h: (h.centroid_x - point.x) ** 2 + (h.centroid_y - point.y) ** 2
    )
    return best, ((best.centroid_x - point.x) ** 2 + (best.centroid_y - point.y) ** 2) ** 0.5


def _latest_run_hotspots(force):
    from hotspots.models import Hotspot, HotspotRun

    run = HotspotRun.objects.filter(force=force, hotspots__isnull=False).distinct().first()
    return Hotspot.objects.filter(run=run) if run else Hotspot.objects.none()


def patrolled_hotspots(*, force, day: dt.date) -> list[PlanHotspot]:
    """The hotspots of the force's published plans running on `day` (a local date), skipping a
    crossover plan's no-patrol days. Each carries `assignments_today`: its published, not
    cancelled assignments starting that day. Two queries, whatever the number of plans."""
    plan_hotspots = list(
        PlanHotspot.objects.filter(
            plan__force=force, plan__status=PatrolPlan.Status.PUBLISHED,
            plan__first_day__lte=day, plan__last_day__gte=day,
        ).select_related("plan", "hotspot").order_by("plan__name", "hotspot__rank")
    )  # fmt: skip
    key = day.isoformat()
    running = [
        ph for ph in plan_hotspots if ph.plan.patrol_days.get(str(ph.hotspot_id), {}).get(key, True)
    ]
    if not running:
        return []
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, zone)
    rows = (
        PatrolAssignment.objects.published()
        .filter(plan__in={ph.plan_id for ph in running}, start__gte=start,
                start__lt=start + dt.timedelta(days=1))
        .values("plan_id", "hotspot_id").annotate(n=Count("id")).order_by()
    )  # fmt: skip
    counts = {(row["plan_id"], row["hotspot_id"]): row["n"] for row in rows}
    for ph in running:
        ph.assignments_today = counts.get((ph.plan_id, ph.hotspot_id), 0)
    return running
