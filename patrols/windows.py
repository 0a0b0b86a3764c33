"""Weekly active windows of a hotspot as stored on a plan, expanded to dated local windows.

A window is {"days": [0..6] (0 = Monday), "start": "HH:MM", "end": "HH:MM"}; an end at or
before the start runs past midnight into the next day. Times are wall-clock times in the
given zone (Europe/London), so a window on a clock-change day is an hour shorter or longer.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
DEFAULT_WINDOWS = [{"days": [0, 1, 2, 3, 4, 5, 6], "start": "12:00", "end": "22:00"}]


class WindowError(ValueError):
    pass


def validate_windows(windows: list[dict]) -> list[dict]:
    """Normalised windows, or WindowError naming what is wrong."""
    if not isinstance(windows, list) or not windows:
        raise WindowError("Give at least one active window.")
    return [_window(i, window) for i, window in enumerate(windows, start=1)]


def _window(index: int, window: dict) -> dict:
    days = window.get("days")
    if not days or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
        raise WindowError(f"window {index}: days must be numbers 0 (Monday) to 6 (Sunday)")
    for key in ("start", "end"):
        if not TIME.match(str(window.get(key, ""))):
            raise WindowError(f"window {index}: {key} must be a time HH:MM")
    if window["start"] == window["end"]:
        raise WindowError(f"window {index}: starts and ends at the same time")
    return {"days": sorted(set(days)), "start": window["start"], "end": window["end"]}


def windows_from_label(first_day: int, n_days: int, start_hour: int, n_hours: int) -> list[dict]:
    """Windows from a suggested patrol window (e.g. Thu–Sat 18:00–22:00)."""
    days = [(first_day + i) % 7 for i in range(n_days)]
    end_hour = (start_hour + n_hours) % 24
    return [{"days": days, "start": f"{start_hour:02d}:00", "end": f"{end_hour:02d}:00"}]


def dated_windows(
    windows: list[dict], days: list[dt.date], zone: str
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Every window falling on the given days, as aware local datetimes (start, end)."""
    tz = ZoneInfo(zone)
    spans = []
    for day in days:
        for window in windows:
            if day.weekday() in window["days"]:
                spans.append(_span(day, window, tz))
    return sorted(spans)


def _span(day: dt.date, window: dict, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.fromisoformat(window["start"]), tz)
    end_day = day if window["end"] > window["start"] else day + dt.timedelta(days=1)
    end = dt.datetime.combine(end_day, dt.time.fromisoformat(window["end"]), tz)
    return start, end


def describe(windows: list[dict]) -> str:
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return "; ".join(
        f"{','.join(names[d] for d in w['days'])} {w['start']}–{w['end']}" for w in windows
    )
