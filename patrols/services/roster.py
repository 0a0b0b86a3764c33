"""Officers, shifts and leave."""

import datetime as dt

from django.db import transaction
from django.db.models import Q

from patrols.models import DutyShift, Leave, OfficerProfile


class RosterError(ValueError):
    """A shift or leave that cannot be recorded; the message says why."""


def _overlapping(officer: OfficerProfile, start: dt.datetime, end: dt.datetime, exclude=None):
    shifts = DutyShift.objects.filter(officer=officer, start__lt=end, end__gt=start)
    return shifts.exclude(pk=exclude) if exclude else shifts


@transaction.atomic
def shift_create(
    *, officer: OfficerProfile, start: dt.datetime, end: dt.datetime, note: str = ""
) -> DutyShift:
    """Record a duty shift (it may cross midnight); overlapping shifts are refused."""
    if end <= start:
        raise RosterError("A shift must end after it starts.")
    if end - start > dt.timedelta(hours=16):
        raise RosterError("A shift longer than 16 hours is not plausible; split it.")
    clash = _overlapping(officer, start, end).first()
    if clash:
        raise RosterError(f"{officer} is already on duty then: {clash}.")
    return DutyShift.objects.create(officer=officer, start=start, end=end, note=note)


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
