"""Patrol plans: choosing hotspots and doses, generating a schedule, adjusting, publishing."""

import datetime as dt
import random
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.jobs import JobError, job_start
from hotspots.analysis import suggest_patrol_window
from hotspots.models import Hotspot, HotspotRun
from patrols import scheduling
from patrols.models import PatrolAssignment, PatrolPlan, PlanHotspot
from patrols.services.roster import shifts_for_period
from patrols.windows import (
    DEFAULT_WINDOWS,
    dated_windows,
    validate_windows,
    windows_from_label,
)

Progress = Callable[[float, str], None]


class PlanError(ValueError):
    """A plan request or change that cannot be made; the message says why."""


def default_windows(hotspot: Hotspot) -> list[dict]:
    """The hotspot's suggested patrol window from its hour × weekday profile, or the default
    (every day 12:00–22:00) when it has no timestamps."""
    window = suggest_patrol_window(hotspot.hour_weekday) if hotspot.hour_weekday else None
    if window is None:
        return DEFAULT_WINDOWS
    return windows_from_label(window.first_day, window.n_days, window.start_hour, window.n_hours)


@transaction.atomic
def plan_create(
    *,
    run: HotspotRun,
    name: str,
    first_day: dt.date,
    last_day: dt.date,
    hotspots: list[dict],
    design: str = PatrolPlan.Design.EVERY_DAY,
    seed: int | None = None,
    travel_speed_kmh: float = 20.0,
    cap_day_minutes: int | None = None,
    cap_week_minutes: int | None = None,
    user=None,
) -> PatrolPlan:
    """A draft plan over the chosen hotspots of a run. Each item of `hotspots` has `hotspot`
    (a Hotspot of the run) and optionally visits_per_day, minutes_per_visit, min_gap_minutes
    and windows (default: from the hotspot's profile). The caps on patrol minutes per hotspot
    a day and a week default to the settings' (see PatrolPlan.caps)."""
    if last_day < first_day:
        raise PlanError("The plan ends before it starts.")
    if (last_day - first_day).days > 27:
        raise PlanError("Plan at most four weeks at a time.")
    if not hotspots:
        raise PlanError("Choose at least one hotspot.")
    plan = PatrolPlan.objects.create(
        force=run.force,
        run=run,
        name=name,
        first_day=first_day,
        last_day=last_day,
        design=design,
        seed=random.SystemRandom().randrange(2**31) if seed is None else seed,
        travel_speed_kmh=travel_speed_kmh,
        cap_day_minutes=cap_day_minutes,
        cap_week_minutes=cap_week_minutes,
        created_by=user,
    )
    for item in hotspots:
        plan_hotspot_add(plan=plan, **item)
    return plan


def plan_hotspot_add(
    *,
    plan: PatrolPlan,
    hotspot: Hotspot,
    visits_per_day: int = 1,
    minutes_per_visit: int = 15,
    min_gap_minutes: int = 60,
    windows: list[dict] | None = None,
) -> PlanHotspot:
    if hotspot.run_id != plan.run_id:
        raise PlanError(f"Hotspot {hotspot} is not from this plan's run.")
    if not 1 <= minutes_per_visit <= 120 or not 1 <= visits_per_day <= 12:
        raise PlanError("Visits last 1–120 minutes, 1–12 a day.")
    return PlanHotspot.objects.create(
        plan=plan,
        hotspot=hotspot,
        visits_per_day=visits_per_day,
        minutes_per_visit=minutes_per_visit,
        min_gap_minutes=min_gap_minutes,
        windows=validate_windows(windows) if windows else default_windows(hotspot),
    )


def plan_hotspot_update(
    *, item: PlanHotspot, visits_per_day: int, minutes_per_visit: int, min_gap_minutes: int,
    windows: list[dict],
) -> PlanHotspot:  # fmt: skip
    """Change a hotspot's dose or windows in a draft plan (re-solve to apply it)."""
    _draft_only(item.plan)
    if not 1 <= minutes_per_visit <= 120 or not 1 <= visits_per_day <= 12:
        raise PlanError("Visits last 1–120 minutes, 1–12 a day.")
    item.visits_per_day, item.minutes_per_visit = visits_per_day, minutes_per_visit
    item.min_gap_minutes, item.windows = min_gap_minutes, validate_windows(windows)
    item.save()
    return item


@transaction.atomic
def plan_hotspot_remove(*, item: PlanHotspot) -> None:
    """Take a hotspot out of a draft plan, with its unlocked assignments."""
    _draft_only(item.plan)
    if item.plan.plan_hotspots.count() == 1:
        raise PlanError("A plan needs at least one hotspot.")
    item.plan.assignments.filter(hotspot=item.hotspot).delete()
    item.delete()


def _draft_only(plan: PatrolPlan) -> None:
    if plan.status != PatrolPlan.Status.DRAFT:
        raise PlanError("Only a draft plan can be changed.")


def plan_generate_start(*, plan: PatrolPlan, user=None, sync: bool = False):
    """(Re)generate the plan's unlocked assignments as a job: queued, or with `sync` run now
    (management commands)."""
    if plan.status == PatrolPlan.Status.PUBLISHED:
        raise PlanError("A published plan cannot be regenerated; copy it instead.")
    if sync:
        job = job_start(kind="patrols.generate", params={"plan_id": plan.pk}, user=user, sync=True)
    else:
        job = job_start(kind="patrols.generate", params={"plan_id": plan.pk}, user=user)
    PatrolPlan.objects.filter(pk=plan.pk).update(job=job)
    return job


def plan_days(plan: PatrolPlan) -> list[dt.date]:
    count = (plan.last_day - plan.first_day).days + 1
    return [plan.first_day + dt.timedelta(days=i) for i in range(count)]


def schedule_request(plan: PatrolPlan, *, solver: str = "cpsat") -> scheduling.ScheduleRequest:
    """The solver's view of a plan: hotspot windows, shifts (less leave), locked visits."""
    zone = ZoneInfo(settings.TIME_ZONE)
    days = plan_days(plan)
    return scheduling.ScheduleRequest(
        hotspots=tuple(
            _demand(item, days) for item in plan.plan_hotspots.select_related("hotspot")
        ),
        shifts=tuple(_shift(shift, zone) for shift in _shifts(plan, zone)),
        days=tuple(days),
        travel_speed_kmh=plan.travel_speed_kmh,
        crossover=plan.design == PatrolPlan.Design.CROSSOVER,
        seed=plan.seed,
        locked=tuple(_locked(a, zone) for a in _locked_assignments(plan)),
        solver=solver,
        timezone=settings.TIME_ZONE,
        cap_day_minutes=plan.caps[0],
        cap_week_minutes=plan.caps[1],
    )


def _demand(item: PlanHotspot, days: list[dt.date]) -> scheduling.HotspotDemand:
    spans = dated_windows(item.windows, days, settings.TIME_ZONE)
    return scheduling.HotspotDemand(
        hotspot_id=item.hotspot_id,
        x=item.hotspot.centroid_x,
        y=item.hotspot.centroid_y,
        windows=tuple(scheduling.Window(start, end) for start, end in spans),
        visits_per_day=item.visits_per_day,
        minutes_per_visit=item.minutes_per_visit,
        harm_weight=max(item.hotspot.harm, 1.0),
        min_gap_minutes=item.min_gap_minutes,
    )


def _shifts(plan: PatrolPlan, zone: ZoneInfo):
    return shifts_for_period(
        force=plan.force, first_day=plan.first_day, last_day=plan.last_day, zone=zone
    )


def _shift(shift, zone: ZoneInfo) -> scheduling.Shift:
    return scheduling.Shift(
        shift.officer_id, shift.start.astimezone(zone), shift.end.astimezone(zone)
    )


def _locked_assignments(plan: PatrolPlan):
    return plan.assignments.filter(locked=True).exclude(status=PatrolAssignment.Status.CANCELLED)


def _locked(assignment: PatrolAssignment, zone: ZoneInfo) -> scheduling.LockedVisit:
    return scheduling.LockedVisit(
        assignment.hotspot_id,
        assignment.officer_id,
        assignment.start.astimezone(zone),
        assignment.end.astimezone(zone),
    )


def plan_generate(*, plan: PatrolPlan, progress: Progress, solver: str = "cpsat") -> dict:
    """Solve the plan and replace its unlocked assignments with the result."""
    progress(5, "collecting shifts and windows")
    request = schedule_request(plan, solver=solver)
    if not request.hotspots:
        raise JobError("The plan has no hotspots.")
    if not request.shifts:
        raise JobError("No one is on duty in the plan's period: add duty shifts first.")
    progress(15, f"solving for {len(request.hotspots)} hotspots and {len(request.shifts)} shifts")
    schedule = scheduling.solve(request)
    progress(85, "saving assignments")
    with transaction.atomic():
        plan.assignments.filter(locked=False).delete()
        PatrolAssignment.objects.bulk_create(
            _assignment(plan, visit) for visit in schedule.visits if not visit.locked
        )
        plan.coverage = coverage_json(schedule)
        plan.patrol_days = _patrol_days_json(schedule)
        plan.save(update_fields=["coverage", "patrol_days"])
    return plan.coverage


def _assignment(plan: PatrolPlan, visit: scheduling.Visit) -> PatrolAssignment:
    return PatrolAssignment(
        plan=plan,
        hotspot_id=visit.hotspot_id,
        officer_id=visit.unit_id,
        start=visit.start,
        end=visit.end,
    )


def coverage_json(schedule: scheduling.Schedule) -> dict:
    """The solver's coverage as JSON: overall shares and, per hotspot, minutes and reasons."""
    coverage = schedule.coverage
    return {
        "solver": schedule.solver,
        "status": schedule.status,
        "solve_seconds": round(schedule.solve_seconds, 3),
        "explanation": list(schedule.explanation),
        "required_minutes": coverage.required_minutes,
        "scheduled_minutes": coverage.scheduled_minutes,
        "share": coverage.share,
        "harm_weighted_share": coverage.harm_weighted_share,
        "patrol_day_share": coverage.patrol_day_share,
        "hotspots": {str(h.hotspot_id): _hotspot_coverage(h) for h in coverage.hotspots},
    }


def _hotspot_coverage(hotspot: scheduling.HotspotCoverage) -> dict:
    return {
        "required_minutes": hotspot.required_minutes,
        "scheduled_minutes": hotspot.scheduled_minutes,
        "share": hotspot.share,
        "reasons": list(hotspot.reasons),
        "days": {
            day.day.isoformat(): {
                "required": day.required_minutes,
                "scheduled": day.scheduled_minutes,
                "patrol_day": day.patrol_day,
                "reason": day.reason,
            }
            for day in hotspot.days
        },
    }


def _patrol_days_json(schedule: scheduling.Schedule) -> dict:
    days: dict[str, dict[str, bool]] = {}
    for (hotspot_id, day), patrol in sorted(schedule.patrol_days.items(), key=str):
        days.setdefault(str(hotspot_id), {})[day.isoformat()] = bool(patrol)
    return days


@transaction.atomic
def assignment_update(
    *,
    assignment: PatrolAssignment,
    officer=None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    locked: bool | None = None,
    status: str | None = None,
) -> PatrolAssignment:
    """Reassign or move an assignment (which locks it, so re-solving keeps it), lock or
    unlock it, or set its status. Double-booking and moves outside the officer's shifts are
    refused."""
    moved = any(v is not None for v in (officer, start, end))
    assignment.officer = officer or assignment.officer
    assignment.start = start or assignment.start
    assignment.end = end or assignment.end
    if assignment.end <= assignment.start:
        raise PlanError("An assignment must end after it starts.")
    if moved:
        _check_officer_free(assignment)
    if locked is not None or moved:
        assignment.locked = moved if locked is None else locked
    if status:
        assignment.status = status
    assignment.save()
    return assignment


def _check_officer_free(assignment: PatrolAssignment) -> None:
    officer = assignment.officer
    if not officer.shifts.filter(start__lte=assignment.start, end__gte=assignment.end).exists():
        raise PlanError(f"{officer} is not on duty for the whole of that time.")
    clash = (
        PatrolAssignment.objects.for_officer(officer)
        .filter(start__lt=assignment.end, end__gt=assignment.start)
        .exclude(pk=assignment.pk)
        .exclude(status=PatrolAssignment.Status.CANCELLED)
        .first()
    )
    if clash:
        raise PlanError(f"{officer} is already assigned then: {clash}.")


@transaction.atomic
def plan_publish(*, plan: PatrolPlan) -> PatrolPlan:
    """Publish: officers see their assignments (app, calendar feed)."""
    if not plan.assignments.exists():
        raise PlanError("The plan has no assignments to publish: generate it first.")
    plan.status = PatrolPlan.Status.PUBLISHED
    plan.published_at = timezone.now()
    plan.save(update_fields=["status", "published_at"])
    plan.assignments.filter(status=PatrolAssignment.Status.PLANNED).update(
        status=PatrolAssignment.Status.PUBLISHED
    )
    return plan
