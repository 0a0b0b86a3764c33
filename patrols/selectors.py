import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count
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


def nearest_hotspot(*, officer, lon: float, lat: float):
    """The nearest hotspot of the officer's force's published plans running today, else of its
    latest hotspot run, with its distance in metres."""
    import shapely

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
    from hotspots.models import HotspotRun

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


def roster_week(*, monday: dt.date, force=None) -> list[dict]:
    """The roster as a week grid: one row per officer (by team, then collar number), seven
    cells of the shifts starting that local day and whether the officer is on leave. Three
    queries whatever the number of officers."""
    zone = timezone.get_current_timezone()
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    start = dt.datetime.combine(monday, dt.time.min, zone)
    end = start + dt.timedelta(days=7)
    officers = officer_list().filter(user__is_active=True).order_by("force__name", "team__name",
                                                                      "collar_number")  # fmt: skip
    shifts = DutyShift.objects.filter(start__gte=start, start__lt=end).order_by("start")
    leave = Leave.objects.filter(first_day__lte=days[-1], last_day__gte=monday)
    if force is not None:
        officers = officers.filter(force=force)
        shifts = shifts.filter(officer__force=force)
        leave = leave.filter(officer__force=force)
    by_day: dict[tuple[int, dt.date], list] = {}
    for shift in shifts:
        by_day.setdefault((shift.officer_id, shift.start.astimezone(zone).date()), []).append(shift)
    away: dict[tuple[int, dt.date], Leave] = {
        (item.officer_id, day): item
        for item in leave for day in days if item.first_day <= day <= item.last_day
    }  # fmt: skip
    return [
        {"officer": officer,
         "days": [{"day": day, "shifts": by_day.get((officer.pk, day), []),
                   "leave": away.get((officer.pk, day))} for day in days]}
        for officer in officers
    ]  # fmt: skip


GUARDRAIL_MEASURES = (("stop_searches", "Stop-searches"), ("arrests", "Arrests"))


def legitimacy_checks(*, force, first_day: dt.date, last_day: dt.date, alpha: float = 0.05):
    """Per hotspot of the force, stop-searches and arrests per delivered patrol hour against
    the programme-wide rate (patrols.guardrails: Poisson exact test, FDR corrected), over
    local days `first_day`..`last_day`. Rows are hotspots with any patrol time or outcome;
    each has `checks` {measure: RateCheck} and `flagged` (any measure)."""
    from patrols.delivery import Scope, delivery
    from patrols.guardrails import rate_checks

    found = delivery(Scope(first_day, last_day, force_id=force.pk))
    rows = found.rows("hotspot")
    hours = [row.delivered_hours for row in rows]
    by_measure = {
        name: rate_checks([row.outcomes[name] for row in rows], hours, alpha=alpha)
        for name, _ in GUARDRAIL_MEASURES
    }
    return [
        {
            "label": row.label,
            "hours": row.delivered_hours,
            "checks": {name: by_measure[name][i] for name, _ in GUARDRAIL_MEASURES},
            "flagged": any(by_measure[name][i].flagged for name, _ in GUARDRAIL_MEASURES),
        }
        for i, row in enumerate(rows)
    ]


@dataclass(frozen=True)
class DoseToday:
    """Patrol minutes delivered at a hotspot today and this ISO week (patrols.delivery, all
    officers) against the caps of the plans patrolling it (None: no cap)."""

    hotspot_id: int
    minutes_today: float
    minutes_this_week: float
    cap_day_minutes: int | None
    cap_week_minutes: int | None

    @property
    def dose_reached_today(self) -> bool:
        """True when today's or this week's cap is reached: patrol elsewhere."""
        day, week = self.cap_day_minutes, self.cap_week_minutes
        return (day is not None and self.minutes_today >= day) or (
            week is not None and self.minutes_this_week >= week
        )


def dose_today(*, force, day: dt.date, hotspot_ids=None) -> dict[int, DoseToday]:
    """For each hotspot of the force's published plans running on `day` (a local date), or
    only those of `hotspot_ids`: delivered minutes that day and that week against the caps.
    Several plans patrolling one hotspot: the tightest cap holds."""
    from patrols.delivery import Scope, delivery

    running = PlanHotspot.objects.filter(
        plan__force=force, plan__status=PatrolPlan.Status.PUBLISHED,
        plan__first_day__lte=day, plan__last_day__gte=day,
    ).select_related("plan")  # fmt: skip
    if hotspot_ids is not None:
        running = running.filter(hotspot_id__in=hotspot_ids)
    caps: dict[int, list[tuple[int | None, int | None]]] = defaultdict(list)
    for item in running:
        caps[item.hotspot_id].append(item.plan.caps)
    if not caps:
        return {}
    monday = day - dt.timedelta(days=day.weekday())
    found = delivery(Scope(monday, monday + dt.timedelta(days=6), hotspot_ids=tuple(caps)))
    today: dict[int, float] = defaultdict(float)
    week: dict[int, float] = defaultdict(float)
    for item in found.delivered:
        week[item.hotspot_id] += item.minutes
        if item.day == day:
            today[item.hotspot_id] += item.minutes
    return {
        pk: DoseToday(pk, today[pk], week[pk], _tightest(c[0] for c in plan_caps),
                      _tightest(c[1] for c in plan_caps))
        for pk, plan_caps in caps.items()
    }  # fmt: skip


def _tightest(caps) -> int | None:
    given = [c for c in caps if c is not None]
    return min(given) if given else None


def latest_visit_day(*, force) -> dt.date | None:
    """The local day of the force's latest visit up to now, None when there is none."""
    latest = (
        PatrolVisit.objects.filter(officer__force=force, started_at__lte=timezone.now())
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    return None if latest is None else timezone.localtime(latest).date()
