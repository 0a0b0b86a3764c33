"""Officers, teams, shifts and leave: what the roster page and its duty-roster import write."""

import csv
import datetime as dt
import io

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.roles import OFFICER
from hotspots.models import Force
from patrols.models import DutyShift, Leave, OfficerProfile, Team


class RosterError(ValueError):
    """A shift or leave that cannot be recorded; the message says why."""


def _overlapping(officer: OfficerProfile, start: dt.datetime, end: dt.datetime, exclude=None):
    shifts = DutyShift.objects.filter(officer=officer, start__lt=end, end__gt=start)
    return shifts.exclude(pk=exclude) if exclude else shifts


def _check_shift(officer: OfficerProfile, start: dt.datetime, end: dt.datetime, exclude=None):
    if end <= start:
        raise RosterError("A shift must end after it starts.")
    if end - start > dt.timedelta(hours=16):
        raise RosterError("A shift longer than 16 hours is not plausible; split it.")
    clash = _overlapping(officer, start, end, exclude=exclude).first()
    if clash:
        raise RosterError(f"{officer} is already on duty then: {clash}.")


@transaction.atomic
def shift_create(
    *, officer: OfficerProfile, start: dt.datetime, end: dt.datetime, note: str = ""
) -> DutyShift:
    """Record a duty shift (it may cross midnight); overlapping shifts are refused."""
    _check_shift(officer, start, end)
    return DutyShift.objects.create(officer=officer, start=start, end=end, note=note)


@transaction.atomic
def shift_update(
    *, shift: DutyShift, officer: OfficerProfile, start: dt.datetime, end: dt.datetime,
    note: str = "",
) -> DutyShift:  # fmt: skip
    """Change a shift, with the same checks as a new one (the shift never clashes with itself)."""
    _check_shift(officer, start, end, exclude=shift.pk)
    shift.officer, shift.start, shift.end, shift.note = officer, start, end, note
    shift.save()
    return shift


def shift_delete(*, shift: DutyShift) -> None:
    shift.delete()


def leave_delete(*, leave: Leave) -> None:
    leave.delete()


@transaction.atomic
def team_create(*, force: Force, name: str) -> Team:
    name = name.strip()
    if Team.objects.filter(force=force, name__iexact=name).exists():
        raise RosterError(f"{force.name} already has a team called {name}.")
    return Team.objects.create(force=force, name=name)


@transaction.atomic
def officer_create(
    *, force: Force, username: str, first_name: str, last_name: str, collar_number: str,
    rank: str = OfficerProfile.Rank.PC, team: Team | None = None,
) -> OfficerProfile:  # fmt: skip
    """A new officer: a sign-in with the officer role (no password until one is set, e.g. by
    a password reset) and their profile in the force."""
    if User.objects.filter(username__iexact=username).exists():
        raise RosterError(f"The username {username} is taken.")
    if OfficerProfile.objects.filter(force=force, collar_number=collar_number).exists():
        raise RosterError(
            f"{force.name} already has an officer with collar number {collar_number}."
        )
    if team is not None and team.force_id != force.pk:
        raise RosterError(f"Team {team} belongs to another force.")
    user = User.objects.create_user(username=username, first_name=first_name, last_name=last_name)
    user.groups.add(Group.objects.get(name=OFFICER))
    return OfficerProfile.objects.create(
        user=user, force=force, collar_number=collar_number, rank=rank, team=team
    )


# A duty roster exported by a force's rostering system: one shift per row.
ROSTER_COLUMNS = ("collar_number", "start", "end")
ROSTER_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M")


def _roster_time(text: str, where: str) -> dt.datetime:
    for pattern in ROSTER_TIME_FORMATS:
        try:
            naive = dt.datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        return timezone.make_aware(naive, timezone.get_current_timezone())
    raise RosterError(f"{where}: {text!r} is not a date and time (YYYY-MM-DD HH:MM).")


@transaction.atomic
def roster_import_csv(*, force: Force, name: str, data: bytes) -> list[DutyShift]:
    """Import a duty roster CSV (columns collar_number, start, end and optionally note; times
    local, 'YYYY-MM-DD HH:MM'). All or nothing: the first bad row names the file, line and
    field, and nothing is written."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(f"{name}: not UTF-8 text; save the roster as CSV (UTF-8).") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in ROSTER_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        expected = ", ".join(ROSTER_COLUMNS)
        raise RosterError(f"{name}, line 1: missing column{'s' * (len(missing) > 1)} "
                          f"{', '.join(missing)} (expected {expected}, note).")  # fmt: skip
    officers = {o.collar_number: o for o in OfficerProfile.objects.filter(force=force)}
    shifts: list[DutyShift] = []
    try:
        for row in reader:
            shifts.append(_roster_row(row, reader.line_num, name, force, officers))
    except csv.Error as error:
        raise RosterError(f"{name}, line {reader.line_num}: {error}") from None
    if not shifts:
        raise RosterError(f"{name}: no shifts (a header and one row per shift are expected).")
    return shifts


def _roster_row(row: dict, line: int, name: str, force: Force, officers: dict) -> DutyShift:
    collar = (row.get("collar_number") or "").strip()
    officer = officers.get(collar)
    if officer is None:
        raise RosterError(f"{name}, line {line}, field 'collar_number': no officer {collar!r} "
                          f"in {force.name}.")  # fmt: skip
    start = _roster_time(row.get("start") or "", f"{name}, line {line}, field 'start'")
    end = _roster_time(row.get("end") or "", f"{name}, line {line}, field 'end'")
    try:
        return shift_create(officer=officer, start=start, end=end,
                            note=(row.get("note") or "").strip()[:200])  # fmt: skip
    except RosterError as error:
        raise RosterError(f"{name}, line {line}: {error}") from None


@transaction.atomic
def leave_create(
    *, officer: OfficerProfile, first_day: dt.date, last_day: dt.date, reason: str = ""
) -> Leave:
    if last_day < first_day:
        raise RosterError("Leave must end on or after its first day.")
    return Leave.objects.create(
        officer=officer, first_day=first_day, last_day=last_day, reason=reason
    )


def shifts_for_period(*, force, first_day: dt.date, last_day: dt.date, zone) -> list[DutyShift]:
    """Shifts touching the period, less those on days an officer is on leave."""
    start = dt.datetime.combine(first_day, dt.time.min, zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, zone)
    shifts = DutyShift.objects.filter(officer__force=force, start__lt=end, end__gt=start)
    leave = Leave.objects.filter(
        officer__force=force, first_day__lte=last_day, last_day__gte=first_day
    )
    off = {(item.officer_id, item.first_day, item.last_day) for item in leave}
    return [
        shift
        for shift in shifts.select_related("officer__user").order_by("start")
        if not any(
            officer == shift.officer_id and first <= shift.start.astimezone(zone).date() <= last
            for officer, first, last in off
        )
    ]


def officers_on_duty(*, force, at: dt.datetime):
    return OfficerProfile.objects.filter(
        Q(shifts__start__lte=at) & Q(shifts__end__gt=at), force=force
    ).distinct()
