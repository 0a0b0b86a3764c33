"""Patrol dose: time actually spent inside a hotspot, from the GPS pings of a visit.

Pure and Django-free. Coordinates are projected metres (EPSG:27700 British National Grid by
default); times are timezone-aware datetimes; durations are reported in minutes.

Attribution rule for the time between two consecutive fixes (a "segment"):

- A fix is *inside* when its accuracy circle overlaps the hotspot polygon buffered by
  `tolerance_m`, i.e. distance(fix, polygon) ≤ tolerance_m + accuracy_m. This gives the
  officer the benefit of the doubt the phone's own error allows: patrols happen on the
  streets bounding a hotspot, and a fix is only known to lie somewhere in its circle.
- A fix is *unusable* when its accuracy is missing, negative or worse than `max_accuracy_m`:
  a 500 m circle overlaps every hotspot, so it would otherwise count as inside.
- Both ends inside → the segment is inside; one end inside → half inside, half outside (the
  crossing time is unknown, and the midpoint is the unbiased guess); neither → outside.
- A segment longer than `max_gap_s`, or touching an unusable fix, is *unknown*: reported
  separately rather than silently counted either way.
- The visit's start and end fixes are ordinary pings. Time between `started_at` and the first
  fix (and the last fix and `ended_at`) is unknown; fixes outside the visit are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

DRIVE_BY = "drive-by"
UNDER_10 = "under 10"
TEN_TO_15 = "10-15"
OVER_15 = "over 15"
BANDS = (DRIVE_BY, UNDER_10, TEN_TO_15, OVER_15)


@dataclass(frozen=True)
class Ping:
    """One GPS fix: aware time, BNG easting/northing in metres, horizontal accuracy in metres
    (the radius the device reports, as stored on every fix)."""

    at: datetime
    x: float
    y: float
    accuracy_m: float

    def __post_init__(self) -> None:
        _require_aware(self.at, "Ping.at")


@dataclass(frozen=True)
class Dose:
    """Minutes of a visit: total (start to end), inside the hotspot, and unknown (gaps or
    unusable fixes). The Koper band is judged on `minutes_inside` alone."""

    minutes_total: float
    minutes_inside: float
    minutes_unknown: float
    band: str

    @property
    def minutes_outside(self) -> float:
        return self.minutes_total - self.minutes_inside - self.minutes_unknown


def _require_aware(moment: datetime, name: str) -> None:
    # Naive times from a device in BST versus a server in UTC would shift doses by an hour.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def koper_band(minutes_inside: float) -> str:
    """Koper (1995, Justice Quarterly 12:649) dose bands for time spent in a hot spot.

    [0, 2) "drive-by"; [2, 10) "under 10"; [10, 15] "10-15"; (15, ∞) "over 15". So 1:59 is a
    drive-by, 2:00 is "under 10", 10:00 starts "10-15", and 15:00 still counts as "10-15":
    Koper's optimum is stays of 10 to 15 minutes inclusive, with diminishing returns beyond.
    """
    if not math.isfinite(minutes_inside) or minutes_inside < 0:
        raise ValueError(f"minutes_inside must be finite and >= 0, got {minutes_inside!r}")
    if minutes_inside < 2:
        return DRIVE_BY
    if minutes_inside < 10:
        return UNDER_10
    return TEN_TO_15 if minutes_inside <= 15 else OVER_15


def _fix_states(
    pings: Sequence[Ping], polygon: BaseGeometry, tolerance_m: float, max_accuracy_m: float
) -> list[bool | None]:
    """True inside, False outside, None unusable, per the module's accuracy rule."""
    if not pings:
        return []
    points = shapely.points([(p.x, p.y) for p in pings])
    distance = shapely.distance(polygon, points)
    accuracy = np.array([p.accuracy_m for p in pings], float)
    usable = np.isfinite(accuracy) & (accuracy >= 0) & (accuracy <= max_accuracy_m)
    inside = distance <= tolerance_m + np.where(usable, accuracy, 0.0)
    return [bool(i) if u else None for i, u in zip(inside, usable, strict=True)]


def _segment_seconds(
    times: Sequence[datetime], states: Sequence[bool | None], max_gap_s: float
) -> tuple[float, float]:
    """Seconds inside and unknown over the segments between consecutive fixes."""
    inside = unknown = 0.0
    for i in range(1, len(times)):
        seconds = (times[i] - times[i - 1]).total_seconds()
        ends = (states[i - 1], states[i])
        if seconds > max_gap_s or None in ends:
            unknown += seconds
        else:
            inside += seconds * sum(bool(e) for e in ends) / 2
    return inside, unknown


def visit_dose(
    pings: Iterable[Ping],
    polygon: BaseGeometry,
    *,
    started_at: datetime,
    ended_at: datetime,
    tolerance_m: float = 25.0,
    max_gap_s: float = 300,
    max_accuracy_m: float = 100.0,
) -> Dose:
    """Minutes inside `polygon` (metres) during a visit, by the module's attribution rule."""
    _require_aware(started_at, "started_at")
    _require_aware(ended_at, "ended_at")
    if ended_at < started_at:
        raise ValueError("ended_at is before started_at")
    if tolerance_m < 0 or max_gap_s < 0:
        raise ValueError("tolerance_m and max_gap_s must be >= 0")
    kept = sorted((p for p in pings if started_at <= p.at <= ended_at), key=lambda p: p.at)
    states = _fix_states(kept, polygon, tolerance_m, max_accuracy_m)
    times = [started_at, *(p.at for p in kept), ended_at]
    # The visit's bounds act as unusable fixes: time before the first / after the last real
    # fix has no position, so it lands in "unknown".
    inside, unknown = _segment_seconds(times, [None, *states, None], max_gap_s)
    total = (ended_at - started_at).total_seconds()
    # Rounding to the microsecond keeps 600 s from reading 599.9999999 and changing band.
    minutes_inside = round(inside, 6) / 60
    return Dose(
        round(total, 6) / 60, minutes_inside, round(unknown, 6) / 60, koper_band(minutes_inside)
    )


@dataclass(frozen=True)
class DoseSummary:
    """Totals over visits: minutes, visits per Koper band (every band present, in order) and
    the share of visit time with no usable position."""

    visits: int
    minutes_total: float
    minutes_inside: float
    minutes_unknown: float
    bands: dict[str, int]

    @property
    def share_unknown(self) -> float | None:
        return None if self.minutes_total == 0 else self.minutes_unknown / self.minutes_total

    @property
    def mean_minutes_inside(self) -> float | None:
        return None if self.visits == 0 else self.minutes_inside / self.visits


def dose_summary(doses: Iterable[Dose]) -> DoseSummary:
    """Aggregate visit doses for a hotspot, officer or plan."""
    items = list(doses)
    bands = dict.fromkeys(BANDS, 0)
    for dose in items:
        bands[dose.band] += 1
    return DoseSummary(
        visits=len(items),
        minutes_total=sum(d.minutes_total for d in items),
        minutes_inside=sum(d.minutes_inside for d in items),
        minutes_unknown=sum(d.minutes_unknown for d in items),
        bands=bands,
    )
