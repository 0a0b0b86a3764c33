"""Manager pages for plans and funder returns; the officer's home with today's patrols."""

import datetime as dt
import json
from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.roles import COMMANDER, MANAGER, OFFICER, has_role
from core.views import confirm_delete, role_required
from hotspots.models import Force, Hotspot
from patrols import delivery, returns, selectors
from patrols.forms import AssignmentForm, HotspotDoseForm, PlanForm, next_monday
from patrols.models import PatrolAssignment, PatrolPlan
from patrols.services.calendar import calendar_token_revoke, calendar_token_rotate
from patrols.services.plans import (
    PlanError,
    assignment_update,
    plan_create,
    plan_generate_start,
    plan_hotspot_add,
    plan_hotspot_remove,
    plan_hotspot_update,
    plan_publish,
)
from patrols.timeline import plan_timeline


@role_required(MANAGER, COMMANDER)
def plan_list(request):
    form = PlanForm(initial=_plan_defaults())
    if request.method == "POST":
        _managers_only(request)
        form = PlanForm(request.POST)
        if form.is_valid():
            return _create_plan(request, form)
    return render(request, "patrols/plan_list.html", {"form": form, "plans": selectors.plan_list()})


def _managers_only(request) -> None:
    if not has_role(request.user, MANAGER):
        raise PermissionDenied("Only managers change plans.")


def _plan_defaults() -> dict:
    monday = next_monday(timezone.localdate())
    return {
        "first_day": monday,
        "last_day": monday + dt.timedelta(days=6),
        "name": f"Week of {monday:%-d %B %Y}",
    }


def _create_plan(request, form: PlanForm):
    data = form.cleaned_data
    hotspots = Hotspot.objects.filter(run=data["run"]).order_by("rank")[: data["top"]]
    items = [
        {
            "hotspot": h,
            "visits_per_day": data["visits_per_day"],
            "minutes_per_visit": data["minutes_per_visit"],
        }
        for h in hotspots
    ]
    try:
        plan = plan_create(
            run=data["run"],
            name=data["name"],
            first_day=data["first_day"],
            last_day=data["last_day"],
            hotspots=items,
            design=data["design"],
            seed=data["seed"],
            travel_speed_kmh=data["travel_speed_kmh"],
            user=request.user,
        )
        plan_generate_start(plan=plan, user=request.user)
    except PlanError as error:
        form.add_error(None, str(error))
        return render(
            request, "patrols/plan_list.html", {"form": form, "plans": selectors.plan_list()}
        )
    return redirect("plan-detail", pk=plan.pk)


@role_required(MANAGER, COMMANDER)
def plan_detail(request, pk: int):
    """A plan one week at a time (``?week=`` any date of it; default the week holding today,
    else the first), in a fixed number of queries however many assignments it has.
    ``?move=<assignment>`` opens that assignment's move form."""
    # patrol_days (a flag per hotspot and day) is not shown and is large on long plans
    plan = get_object_or_404(selectors.plan_list().defer("patrol_days"), pk=pk)
    if request.method == "POST":
        _managers_only(request)
        return _plan_action(request, plan)
    days = _window(plan, request.GET.get("week"))
    assignments = _rows(selectors.assignment_week(plan_id=plan.pk, **_between(days)))
    move = next((a for a in assignments if a.pk == _int_or_none(request.GET.get("move"))), None)
    coverage = plan.coverage.get("hotspots", {}) if isinstance(plan.coverage, dict) else {}
    context = {
        "plan": plan,
        "job": plan.job,
        "window": _window_navigation(plan, days),
        "week": days[0].isoformat(),
        "timeline": plan_timeline(plan, assignments, days),
        "assignments": assignments,
        "move": move.pk if move else None,
        "move_form": AssignmentForm(
            force=plan.force_id, initial={"officer": move.officer_id if move else None}
        ),
        **_delivery_context(plan),
        "hotspot_items": [
            _with_windows_json(item, coverage.get(str(item.hotspot_id)))
            for item in plan.plan_hotspots.all()
        ],
        "other_hotspots": plan.run.hotspots.exclude(
            pk__in=plan.plan_hotspots.values("hotspot_id")
        ).order_by("rank")
        if plan.run
        else [],
    }
    return render(request, "patrols/plan_detail.html", context)


def _delivery_context(plan) -> dict:
    """Planned against delivered by hotspot, and the plan's total (patrols.delivery)."""
    delivered = delivery.plan_delivery(plan)
    return {"dose": delivered.rows("hotspot"), "dose_total": delivered.total()}


WINDOW_DAYS = 7


def _rows(assignments) -> list:
    """The week's assignments with their table text made here (cheaper than template filters
    on hundreds of rows)."""
    rows = list(assignments)
    for a in rows:
        start, end = timezone.localtime(a.start), timezone.localtime(a.end)
        a.id_text = str(a.pk)
        a.when = f"{start:%a %-d %b %H:%M}–{end:%H:%M}"
        a.where = f"#{a.hotspot.rank} {a.hotspot.label}"
    return rows


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _window(plan, value: str | None) -> list[dt.date]:
    """The plan's days shown: its week (7 days from the first day, 7 by 7) holding the date
    ``value``, else holding today, else the first."""
    try:
        chosen = dt.date.fromisoformat(value) if value else None
    except ValueError:
        chosen = None
    if chosen is None or not plan.first_day <= chosen <= plan.last_day:
        today = timezone.localdate()
        chosen = today if plan.first_day <= today <= plan.last_day else plan.first_day
    first = plan.first_day + dt.timedelta(days=(chosen - plan.first_day).days // 7 * 7)
    count = min(WINDOW_DAYS, (plan.last_day - first).days + 1)
    return [first + dt.timedelta(days=i) for i in range(count)]


def _between(days: list[dt.date]) -> dict:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(days[0], dt.time.min, zone)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time.min, zone)
    return {"start": start, "end": end}


def _window_navigation(plan, days: list[dt.date]) -> dict:
    """The weeks of the plan with their assignment counts (counted in the database, one
    query), the week shown and its neighbours."""
    per_day = selectors.assignment_counts_by_day(plan_id=plan.pk)
    per_week: dict[int, int] = defaultdict(int)
    for day, n in per_day.items():
        per_week[(day - plan.first_day).days // WINDOW_DAYS] += n
    weeks = []
    first = plan.first_day
    while first <= plan.last_day:
        last = min(first + dt.timedelta(days=WINDOW_DAYS - 1), plan.last_day)
        count = per_week[(first - plan.first_day).days // WINDOW_DAYS]
        weeks.append({"first": first, "last": last, "count": count, "current": first == days[0]})
        first = last + dt.timedelta(days=1)
    index = next(i for i, week in enumerate(weeks) if week["current"])
    return {
        "weeks": weeks,
        "index": index + 1,
        "current": weeks[index],
        "previous": weeks[index - 1] if index > 0 else None,
        "next": weeks[index + 1] if index + 1 < len(weeks) else None,
        "total": sum(per_day.values()),
    }


def _plan_action(request, plan):
    action = request.POST.get("action")
    try:
        if action == "generate":
            plan_generate_start(plan=plan, user=request.user)
        elif action == "publish":
            plan_publish(plan=plan)
            messages.success(request, "Published: officers can now see their patrols.")
        elif action in ("lock", "unlock", "move"):
            _assignment_action(request, plan, action)
        elif action in ("dose", "remove", "add"):
            _hotspot_action(request, plan, action)
    except PlanError as error:
        messages.error(request, str(error))
    response = redirect("plan-detail", pk=plan.pk)
    week = request.POST.get("week", "")
    if week and week == _window(plan, week)[0].isoformat():
        response["Location"] += f"?week={week}"
    return response


def _assignment_action(request, plan, action: str) -> None:
    assignment = get_object_or_404(plan.assignments, pk=request.POST.get("assignment"))
    if action != "move":
        assignment_update(assignment=assignment, locked=action == "lock")
        return
    form = AssignmentForm(request.POST, force=plan.force_id)
    if not form.is_valid():
        raise PlanError("; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    assignment_update(assignment=assignment, **form.cleaned_data)
    messages.success(request, "Moved and locked: re-solving keeps it.")


def _with_windows_json(item, coverage: dict | None = None):
    item.windows_json = json.dumps(item.windows)
    item.coverage = coverage
    return item


def _hotspot_action(request, plan, action: str) -> None:
    if action == "add":
        hotspot = get_object_or_404(Hotspot, pk=request.POST.get("hotspot"), run=plan.run)
        plan_hotspot_add(plan=plan, hotspot=hotspot)
        messages.success(request, f"Added {hotspot}; re-solve to schedule it.")
        return
    item = get_object_or_404(
        plan.plan_hotspots.select_related("plan", "hotspot"), pk=request.POST.get("item")
    )
    if action == "remove":
        plan_hotspot_remove(item=item)
        return
    form = HotspotDoseForm(request.POST)
    if not form.is_valid():
        raise PlanError("; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    plan_hotspot_update(item=item, **form.cleaned_data)
    messages.success(request, f"Dose of {item.hotspot} changed; re-solve to apply it.")


@role_required(MANAGER)
def plan_delete(request, pk: int):
    plan = get_object_or_404(PatrolPlan, pk=pk)
    return confirm_delete(
        request, plan, what=f"patrol plan “{plan.name}”",
        back_url=reverse("plan-detail", args=[plan.pk]), done_url=reverse("plan-list"),
    )  # fmt: skip


@role_required(OFFICER)
def my_patrols(request):
    """The officer's published patrols for today and the next days."""
    officer = getattr(request.user, "officer", None)
    today = timezone.localdate()
    upcoming = []
    if officer:
        start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
        upcoming = (
            selectors.my_assignments(officer=officer)
            .filter(start__gte=start, start__lt=start + dt.timedelta(days=7))
            .exclude(status=PatrolAssignment.Status.DONE)
        )
    context = {"officer": officer, "assignments": upcoming, "today": today}
    return render(request, "patrols/my_patrols.html", context)


@require_POST
@role_required(OFFICER)
def my_calendar(request):
    """The officer replaces their calendar address (`action=rotate`) or turns it off."""
    officer = getattr(request.user, "officer", None)
    if officer is None:
        raise PermissionDenied("Your account has no officer profile.")
    if request.POST.get("action") == "off":
        calendar_token_revoke(officer=officer)
        messages.success(request, "Your calendar feed is off; its old address no longer works.")
    else:
        calendar_token_rotate(officer=officer)
        messages.success(request, "Your calendar has a new address; the old one no longer works.")
    return redirect("my-patrols")


@role_required(MANAGER, COMMANDER)
def funder_return(request):
    """The funder's return of a force for a month, quarter or year, with its CSV and XLSX."""
    forces = list(Force.objects.filter(plans__isnull=False).distinct().order_by("name"))
    slug = request.GET.get("force") or (forces[0].slug if forces else "")
    period = request.GET.get("period") or returns.default_period(timezone.localdate())
    context = {"forces": forces, "slug": slug, "period": period, "report": None, "error": ""}
    try:
        force = returns.return_force(slug)
        report = returns.funder_return(force=force, period=period)
        context["report"] = report
        context["table"] = [line.values() for line in report.lines]
        context["total"] = report.total.values()[2:]
    except returns.ReturnError as error:
        context["error"] = str(error).partition(": ")[2]
    context["columns"] = returns.COLUMNS
    context["query"] = urlencode({"force": slug, "period": period})
    context["notes"] = returns.DEFINITIONS
    return render(request, "patrols/funder_return.html", context)
