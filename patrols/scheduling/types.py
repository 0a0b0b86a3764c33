"""Inputs and outputs of the patrol scheduler: frozen dataclasses, no Django.

Times are timezone-aware datetimes, read as instants (so a 23- or 25-hour DST day needs no
special handling); planned visits come back in the request's time zone (Europe/London by
default). A window, a visit or a shift is the half-open interval ``[start, end)``.
Coordinates are projected metres (British National Grid, EPSG:27700).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

HotspotId = int | str
UnitId = int | str

REASON_NO_DUTY = "no one on duty in the window"
REASON_CAPACITY = "capacity"
REASON_TRAVEL = "travel"
REASON_CROSSOVER = "crossover: no-patrol day"
REASON_NO_WINDOW = "no window on the planning days"


@dataclass(frozen=True)
class Window:
    """An active window of a hotspot; it belongs to the local date (request zone) of its start."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class HotspotDemand:
    """A hotspot at ``(x, y)`` metres (EPSG:27700) and the dose it needs on each active day.

    The dose of a hotspot-day is ``visits_per_day`` visits of exactly ``minutes_per_visit``
    minutes inside that day's windows. ``min_gap_minutes`` / ``max_gap_minutes`` bound the idle
    time between the end of one visit and the start of the next at the same hotspot that day.
    """

    hotspot_id: HotspotId
    x: float
    y: float
    windows: tuple[Window, ...]
    visits_per_day: int = 1
    minutes_per_visit: int = 15
    harm_weight: float = 1.0
    min_gap_minutes: int = 60
    max_gap_minutes: int | None = None


@dataclass(frozen=True)
class Shift:
    """A patrol unit (an officer or a pair) on duty over ``[start, end)``; may cross midnight.

    With a base (metres, EPSG:27700) the unit leaves it at ``start`` and is back by ``end``.
    """

    unit_id: UnitId
    start: datetime
    end: datetime
    base_x: float | None = None
    base_y: float | None = None


@dataclass(frozen=True)
class LockedVisit:
    """A visit the manager fixed by hand: kept exactly as given; everything else fits around it."""

    hotspot_id: HotspotId
    unit_id: UnitId
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ScheduleRequest:
    """Everything ``solve`` needs.

    ``days`` are local dates in ``timezone``. ``travel_speed_kmh`` turns straight-line metres
    into minutes (rounded up to ``time_step_minutes``, the grid of visit start times).
    ``time_limit_s`` is wall-clock seconds for the whole solve. ``num_workers`` CP-SAT threads:
    2 suits a 2-core host; 1 gives repeatable plans when the model solves within the limit.
    ``cap_day_minutes`` / ``cap_week_minutes`` bound the patrol minutes at one hotspot in a
    local day / ISO week (None: no cap), locked visits included: a legitimacy guardrail.
    """

    hotspots: tuple[HotspotDemand, ...]
    shifts: tuple[Shift, ...]
    days: tuple[date, ...]
    travel_speed_kmh: float = 20.0
    crossover: bool = False
    seed: int = 0
    locked: tuple[LockedVisit, ...] = ()
    time_step_minutes: int = 5
    time_limit_s: float = 8.0
    solver: str = "cpsat"
    num_workers: int = 2
    timezone: str = "Europe/London"
    cap_day_minutes: int | None = None
    cap_week_minutes: int | None = None


@dataclass(frozen=True)
class Visit:
    """A planned visit; ``locked`` marks one copied unchanged from the request."""

    hotspot_id: HotspotId
    unit_id: UnitId
    start: datetime
    end: datetime
    locked: bool = False


@dataclass(frozen=True)
class DayCoverage:
    """Dose of one hotspot-day in minutes; ``reason`` says why any of it is unmet."""

    hotspot_id: HotspotId
    day: date
    required_minutes: int
    scheduled_minutes: int
    share: float
    patrol_day: bool
    reason: str | None = None


@dataclass(frozen=True)
class HotspotCoverage:
    """Dose of one hotspot over the planning days, in minutes, with its distinct reasons."""

    hotspot_id: HotspotId
    harm_weight: float
    required_minutes: int
    scheduled_minutes: int
    share: float
    reasons: tuple[str, ...]
    days: tuple[DayCoverage, ...]


@dataclass(frozen=True)
class Coverage:
    """Required and scheduled dose in minutes; shares are 0.0 when nothing is required.

    ``patrol_day_share`` counts only patrol days (with crossover, about half the required
    dose falls on no-patrol days by design).
    """

    hotspots: tuple[HotspotCoverage, ...]
    required_minutes: int
    scheduled_minutes: int
    share: float
    harm_weighted_share: float
    patrol_day_share: float


@dataclass(frozen=True)
class Schedule:
    """A patrol plan.

    ``status``: "optimal" / "feasible" (CP-SAT), "greedy", "fallback" (CP-SAT found nothing in
    time, greedy plan returned) or "infeasible" (nothing can be scheduled; see ``explanation``).
    ``patrol_days`` holds every hotspot-day with a window: False marks a crossover no-patrol day.
    """

    visits: tuple[Visit, ...]
    coverage: Coverage
    patrol_days: dict[tuple[HotspotId, date], bool]
    seed: int
    solver: str
    status: str
    solve_seconds: float
    explanation: tuple[str, ...] = field(default=())
