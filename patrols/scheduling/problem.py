"""Compile a ``ScheduleRequest`` into integer UTC minutes for the solvers, checker and reports.

Working in absolute UTC minutes makes DST days (23 or 25 hours) ordinary; local dates come
from the request's time zone. Visit starts lie on a grid of multiples of the time step in
absolute minutes, which matches the Europe/London wall clock for steps dividing 60.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from .crossover import assign_patrol_days
from .intervals import Span, covering, merge
from .types import (
    HotspotDemand,
    HotspotId,
    LockedVisit,
    ScheduleRequest,
    Shift,
    UnitId,
    Window,
)

SOLVERS = ("cpsat", "greedy")
Point = tuple[float, float]


def minute_of(moment: datetime) -> int:
    """Absolute UTC minute of an aware datetime (seconds are truncated)."""
    return int(moment.timestamp()) // 60


def datetime_of(minute: int, tz: ZoneInfo) -> datetime:
    """The aware datetime in ``tz`` of an absolute UTC minute."""
    return datetime.fromtimestamp(minute * 60, tz=UTC).astimezone(tz)


def travel_minutes(metres: float, metres_per_minute: float, step: int) -> int:
    """Straight-line travel time rounded up to the time step (a hair of float noise allowed)."""
    return math.ceil(metres / metres_per_minute / step - 1e-9) * step if metres > 0 else 0


@dataclass(frozen=True)
class Duty:
    """One shift of a unit in UTC minutes; ``base`` in metres (EPSG:27700) or None."""

    unit: UnitId
    start: int
    end: int
    base: Point | None


@dataclass(frozen=True)
class Booking:
    """A visit occupying a unit; ``hotspot`` indexes ``Problem.hotspots`` (None: place unknown)."""

    start: int
    end: int
    hotspot: int | None


@dataclass
class HotspotDay:
    """A hotspot on one local date: merged windows in UTC minutes and the dose still needed."""

    index: int
    hotspot: int
    day: date
    windows: tuple[Span, ...]
    duration: int
    min_gap: int
    max_gap: int | None
    weight: float
    visits_per_day: int
    locked: list[Span] = field(default_factory=list)
    counted_locked: int = 0
    patrol: bool = True

    @property
    def needed(self) -> int:
        """New visits to plan: the dose less locked visits that already deliver part of it."""
        return max(0, self.visits_per_day - self.counted_locked) if self.patrol else 0


@dataclass
class Problem:
    """A request in integer minutes, with travel times and the crossover assignment."""

    request: ScheduleRequest
    tz: ZoneInfo
    step: int
    hotspots: tuple[HotspotDemand, ...]
    days: list[HotspotDay]
    duties: dict[UnitId, list[Duty]]
    bookings: dict[UnitId, list[Booking]]
    travel_matrix: list[list[int]]
    notes: list[str]
    _base_travel: dict[tuple[Point, int], int] = field(default_factory=dict)

    @cached_property
    def index(self) -> dict[HotspotId, int]:
        """Position of each hotspot id in ``hotspots``."""
        return {h.hotspot_id: i for i, h in enumerate(self.hotspots)}

    @cached_property
    def max_travel(self) -> int:
        """Longest hotspot-to-hotspot travel time, minutes."""
        return max((max(row) for row in self.travel_matrix), default=0)

    def travel(self, a: int | None, b: int | None) -> int:
        """Minutes from hotspot ``a`` to hotspot ``b``; an unknown place costs nothing."""
        return 0 if a is None or b is None else self.travel_matrix[a][b]

    def base_travel(self, duty: Duty, hotspot: int) -> int:
        """Minutes between a duty's base and a hotspot (0 without a base)."""
        if duty.base is None:
            return 0
        key = (duty.base, hotspot)
        if key not in self._base_travel:
            spot = self.hotspots[hotspot]
            metres = math.hypot(spot.x - duty.base[0], spot.y - duty.base[1])
            self._base_travel[key] = travel_minutes(metres, self.metres_per_minute, self.step)
        return self._base_travel[key]

    @property
    def metres_per_minute(self) -> float:
        return self.request.travel_speed_kmh * 1000.0 / 60.0

    def duty_for(self, unit: UnitId, start: int, end: int, hotspot: int) -> Duty | None:
        """The unit's duty that holds a visit, counting travel from and back to its base."""
        for duty in self.duties.get(unit, ()):
            travel = self.base_travel(duty, hotspot)
            if duty.start + travel <= start and end + travel <= duty.end:
                return duty
        return None

    def start_ranges(self, hd: HotspotDay, duty: Duty) -> list[Span]:
        """Inclusive start minutes of a visit inside both a window of ``hd`` and ``duty``."""
        travel = self.base_travel(duty, hd.hotspot)
        ranges = []
        for w_start, w_end in hd.windows:
            lo = max(w_start, duty.start + travel)
            hi = min(w_end, duty.end - travel) - hd.duration
            if lo <= hi:
                ranges.append((lo, hi))
        return ranges

    def units_for(self, hd: HotspotDay) -> list[UnitId]:
        """Units with a duty overlapping a window of ``hd``, in request order."""
        return [
            unit
            for unit, duties in self.duties.items()
            if any(d.start < we and ws < d.end for d in duties for ws, we in hd.windows)
        ]

    def day_of(self, hotspot: int, start: int, end: int) -> HotspotDay | None:
        """The hotspot-day whose windows contain ``[start, end)``."""
        for hd in self.days:
            if hd.hotspot == hotspot and covering(hd.windows, start, end):
                return hd
        return None


def _validate(request: ScheduleRequest) -> None:
    """Reject malformed input (a programming error, unlike an infeasible request)."""
    if request.solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, not {request.solver!r}")
    if request.time_step_minutes <= 0 or request.travel_speed_kmh <= 0:
        raise ValueError("time_step_minutes and travel_speed_kmh must be positive")
    ids = [h.hotspot_id for h in request.hotspots]
    if len(set(ids)) != len(ids):
        raise ValueError("hotspot ids must be unique")
    for h in request.hotspots:
        if h.minutes_per_visit <= 0 or h.visits_per_day < 0 or h.harm_weight < 0:
            raise ValueError(f"hotspot {h.hotspot_id}: bad dose or harm weight")
    spans: list[Window | Shift | LockedVisit] = [
        *(w for h in request.hotspots for w in h.windows),
        *request.shifts,
        *request.locked,
    ]
    for span in spans:
        if span.start.tzinfo is None or span.end.tzinfo is None:
            raise ValueError(f"naive datetime in {span!r}; give timezone-aware datetimes")
        # Compare instants: aware datetimes sharing a tzinfo compare by wall clock (fold ignored).
        if span.end.timestamp() <= span.start.timestamp():
            raise ValueError(f"end must be after start in {span!r}")


def _hotspot_days(request: ScheduleRequest, tz: ZoneInfo, notes: list[str]) -> list[HotspotDay]:
    """Group each hotspot's windows by the local date of their start and merge them."""
    wanted, days = set(request.days), list[HotspotDay]()
    for index, spot in enumerate(request.hotspots):
        by_day: dict[date, list[Span]] = defaultdict(list)
        for window in spot.windows:
            by_day[window.start.astimezone(tz).date()].append(
                (minute_of(window.start), minute_of(window.end))
            )
        outside = sum(len(spans) for day, spans in by_day.items() if day not in wanted)
        if outside:
            notes.append(
                f"hotspot {spot.hotspot_id}: {outside} window(s) outside the planning days"
            )
        for day in sorted(d for d in by_day if d in wanted):
            days.append(_hotspot_day(len(days), index, day, spot, merge(by_day[day])))
        if not any(d in wanted for d in by_day):
            notes.append(f"hotspot {spot.hotspot_id}: no window on the planning days")
    return days


def _hotspot_day(
    index: int, hotspot: int, day: date, spot: HotspotDemand, windows: list[Span]
) -> HotspotDay:
    return HotspotDay(
        index=index,
        hotspot=hotspot,
        day=day,
        windows=tuple(windows),
        duration=spot.minutes_per_visit,
        min_gap=spot.min_gap_minutes,
        max_gap=spot.max_gap_minutes,
        weight=spot.harm_weight,
        visits_per_day=spot.visits_per_day,
    )


def _duties(request: ScheduleRequest) -> dict[UnitId, list[Duty]]:
    duties: dict[UnitId, list[Duty]] = defaultdict(list)
    for shift in request.shifts:
        has_base = shift.base_x is not None and shift.base_y is not None
        base = (float(shift.base_x), float(shift.base_y)) if has_base else None  # type: ignore[arg-type]
        duties[shift.unit_id].append(
            Duty(shift.unit_id, minute_of(shift.start), minute_of(shift.end), base)
        )
    return {unit: sorted(ds, key=lambda d: d.start) for unit, ds in duties.items()}


def _attach_locked(problem: Problem) -> None:
    """Book locked visits on their units and count those that deliver dose on a hotspot-day.

    A locked visit belongs to the hotspot-day whose window contains it, else to the one of its
    local start date (then it only constrains gaps: it is outside the window, so no dose).
    """
    for lock in problem.request.locked:
        hotspot = problem.index.get(lock.hotspot_id)
        start, end = minute_of(lock.start), minute_of(lock.end)
        problem.bookings.setdefault(lock.unit_id, []).append(Booking(start, end, hotspot))
        if hotspot is None:
            continue
        hd = problem.day_of(hotspot, start, end)
        if hd is not None:
            hd.counted_locked += end - start >= hd.duration
        else:
            local = lock.start.astimezone(problem.tz).date()
            hd = next((d for d in problem.days if (d.hotspot, d.day) == (hotspot, local)), None)
        if hd is not None:
            hd.locked.append((start, end))
    for bookings in problem.bookings.values():
        bookings.sort(key=lambda b: (b.start, b.end))


def _travel_matrix(
    spots: tuple[HotspotDemand, ...], metres_per_minute: float, step: int
) -> list[list[int]]:
    """Travel minutes between every pair of hotspots."""
    return [
        [travel_minutes(math.hypot(a.x - b.x, a.y - b.y), metres_per_minute, step) for b in spots]
        for a in spots
    ]


def compile_problem(request: ScheduleRequest) -> Problem:
    """Validate (``ValueError`` on malformed input) and convert a request to minutes."""
    _validate(request)
    tz, notes = ZoneInfo(request.timezone), []
    if not request.shifts:
        notes.append("no shifts: no one is on duty")
    problem = Problem(
        request=request,
        tz=tz,
        step=request.time_step_minutes,
        hotspots=tuple(request.hotspots),
        days=_hotspot_days(request, tz, notes),
        duties=_duties(request),
        bookings={},
        travel_matrix=_travel_matrix(
            tuple(request.hotspots),
            request.travel_speed_kmh * 1000.0 / 60.0,
            request.time_step_minutes,
        ),
        notes=notes,
    )
    _attach_locked(problem)
    if request.crossover:
        forced = {hd.index for hd in problem.days if hd.locked}
        patrol = assign_patrol_days(problem.days, forced, request.seed)
        for hd in problem.days:
            hd.patrol = patrol[hd.index]
    _apply_caps(problem)
    return problem


def _apply_caps(problem: Problem) -> None:
    """Lower each hotspot-day's dose so that its minutes, locked visits included, stay within
    the request's caps per local day and per ISO week. Within a week the earlier days keep
    their dose first. Both solvers and the checker then read the capped dose."""
    day_cap, week_cap = problem.request.cap_day_minutes, problem.request.cap_week_minutes
    if day_cap is None and week_cap is None:
        return
    weeks: dict[tuple[int, tuple[int, int]], list[HotspotDay]] = defaultdict(list)
    capped: dict[int, int] = defaultdict(int)
    for hd in problem.days:
        weeks[(hd.hotspot, hd.day.isocalendar()[:2])].append(hd)
    for days in weeks.values():
        left = None if week_cap is None else week_cap - sum(_locked_minutes(d) for d in days)
        for hd in sorted(days, key=lambda d: d.day):
            rooms = [] if day_cap is None else [day_cap - _locked_minutes(hd)]
            rooms += [] if left is None else [left]
            new = min((max(0, room) // hd.duration for room in rooms), default=hd.needed)
            allowed = min(hd.visits_per_day, hd.counted_locked + new)
            if allowed < hd.visits_per_day:
                capped[hd.hotspot] += 1
                hd.visits_per_day = allowed
            if left is not None:
                left -= hd.needed * hd.duration
    for hotspot, n in sorted(capped.items()):
        problem.notes.append(
            f"hotspot {problem.hotspots[hotspot].hotspot_id}: dose lowered on {n} day(s) by the "
            "cap on patrol minutes"
        )


def _locked_minutes(hd: HotspotDay) -> int:
    return sum(end - start for start, end in hd.locked)


@dataclass(frozen=True)
class Placed:
    """A planned (not locked) visit: hotspot-day index, unit and UTC minutes ``[start, end)``."""

    hd: int
    unit: UnitId
    start: int
    end: int


def harm_minutes(problem: Problem, plan: list[Placed]) -> float:
    """Harm-weighted minutes of a plan of new visits (the dose the solvers maximise)."""
    return sum(problem.days[p.hd].weight * (p.end - p.start) for p in plan)
