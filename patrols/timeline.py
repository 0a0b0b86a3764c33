"""A plan's assignments laid out for the timeline views (per officer and per hotspot)."""

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from patrols.services.plans import plan_days


def _block(assignment, start: dt.datetime, day_start: dt.datetime) -> dict:
    """A mark on a day's track, its position and text made here: formatting hundreds of
    numbers and names in the template was most of a week-long plan page's time."""
    end = timezone.localtime(assignment.end)
    minutes = (start - day_start).total_seconds() / 60
    length = (end - start).total_seconds() / 60
    left = round(100 * minutes / 1440, 3)
    width = round(max(100 * length / 1440, 0.6), 3)
    label = f"{start:%H:%M} #{assignment.hotspot.rank}"
    return {
        "assignment": assignment,
        "id": str(assignment.pk),
        "locked": assignment.locked,
        "left": left,
        "width": width,
        "style": f"left: {left}%; width: {width}%",
        "label": label,
        "title": f"{label} {assignment.hotspot.label} – {assignment.officer}",
    }


def plan_timeline(plan, assignments, days: list[dt.date] | None = None) -> dict:
    """{"days": [...], "officers": [(officer, [[blocks of day 0], ...])], "hotspots": [...]}

    ``days``: the days shown (default: all the plan's days); assignments on other days are
    left out."""
    days = plan_days(plan) if days is None else days
    index = {day: i for i, day in enumerate(days)}
    by_officer: dict = defaultdict(lambda: [[] for _ in days])
    by_hotspot: dict = defaultdict(lambda: [[] for _ in days])
    for a in assignments:
        local = timezone.localtime(a.start)
        i = index.get(local.date())
        if i is None:
            continue
        day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        block = _block(a, local, day_start)
        by_officer[a.officer][i].append(block)
        by_hotspot[a.hotspot][i].append(block)
    return {
        "days": days,
        "officers": sorted(by_officer.items(), key=lambda item: item[0].collar_number),
        "hotspots": sorted(by_hotspot.items(), key=lambda item: item[0].rank),
    }
