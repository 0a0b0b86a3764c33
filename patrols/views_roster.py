"""The roster pages (managers): a week of shifts and leave per officer, and the forms that add,
change and remove shifts, leave, officers and teams, or import a duty roster CSV."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from core.roles import MANAGER
from core.views import role_required
from hotspots.models import Force
from patrols import selectors
from patrols.forms import LeaveForm, OfficerForm, RosterImportForm, ShiftForm, TeamForm
from patrols.models import DutyShift, Leave
from patrols.services.roster import (
    RosterError,
    leave_create,
    leave_delete,
    officer_create,
    roster_import_csv,
    shift_create,
    shift_delete,
    shift_update,
    team_create,
)

FORMS = {"shift": ShiftForm, "leave": LeaveForm, "officer": OfficerForm, "team": TeamForm,
         "import": RosterImportForm}  # fmt: skip


def _monday(request) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


def _save(action: str, form) -> str:
    """Run the form's service; the message to show on success."""
    data = form.cleaned_data
    if action == "shift":
        shift_create(**data)
        return "Shift added."
    if action == "leave":
        leave_create(**data)
        return "Leave added."
    if action == "officer":
        officer = officer_create(**data)
        return f"Officer {officer} added. Set a password for them before they sign in."
    if action == "team":
        return f"Team {team_create(**data)} added."
    upload = data["file"]
    shifts = roster_import_csv(force=data["force"], name=upload.name, data=upload.read())
    return f"Imported {len(shifts)} shift{'s' * (len(shifts) != 1)} from {upload.name}."


@role_required(MANAGER)
def roster(request):
    """The week view with every roster form; a POST names its form in `action`."""
    forms = {name: form_class(prefix=name) for name, form_class in FORMS.items()}
    action = request.POST.get("action", "")
    if request.method == "POST" and action in FORMS:
        form = FORMS[action](request.POST, request.FILES, prefix=action)
        forms[action] = form
        if form.is_valid():
            try:
                messages.success(request, _save(action, form))
                return redirect(f"{reverse('roster')}?{request.GET.urlencode()}")
            except RosterError as error:
                form.add_error(None, str(error))
    monday = _monday(request)
    forces = list(Force.objects.filter(officers__isnull=False).distinct().order_by("name"))
    force = next((f for f in forces if f.slug == request.GET.get("force")), None)
    context = {
        "forms": forms,
        "opened": action,
        "monday": monday,
        "days": [monday + dt.timedelta(days=i) for i in range(7)],
        "previous": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7),
        "this_week": monday <= timezone.localdate() < monday + dt.timedelta(days=7),
        "forces": forces,
        "force": force,
        "rows": selectors.roster_week(monday=monday, force=force),
    }
    return render(request, "patrols/roster.html", context)


def _back(request) -> str:
    return request.GET.get("back") or reverse("roster")


@role_required(MANAGER)
def shift_edit(request, pk: int):
    shift = get_object_or_404(DutyShift.objects.select_related("officer__user"), pk=pk)
    zone = timezone.get_current_timezone()
    initial = {"officer": shift.officer, "start": shift.start.astimezone(zone),
               "end": shift.end.astimezone(zone), "note": shift.note}  # fmt: skip
    form = ShiftForm(initial=initial)
    if request.method == "POST" and request.POST.get("action") == "delete":
        shift_delete(shift=shift)
        messages.success(request, f"Shift deleted: {shift}.")
        return redirect(_back(request))
    if request.method == "POST":
        form = ShiftForm(request.POST)
        if form.is_valid():
            try:
                shift_update(shift=shift, **form.cleaned_data)
                messages.success(request, "Shift changed.")
                return redirect(_back(request))
            except RosterError as error:
                form.add_error(None, str(error))
    context = {"form": form, "item": shift, "what": "shift", "back": _back(request)}
    return render(request, "patrols/roster_item.html", context)


@role_required(MANAGER)
def leave_edit(request, pk: int):
    leave = get_object_or_404(Leave.objects.select_related("officer__user"), pk=pk)
    if request.method == "POST":
        leave_delete(leave=leave)
        messages.success(request, f"Leave deleted: {leave}.")
        return redirect(_back(request))
    context = {"form": None, "item": leave, "what": "leave", "back": _back(request)}
    return render(request, "patrols/roster_item.html", context)
