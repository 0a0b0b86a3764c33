"""Hotspot patrol scheduling (pure Python + OR-Tools CP-SAT; no Django).

``solve(request) -> Schedule`` plans visits of real units on real shifts to deliver each
hotspot's daily dose inside its active windows, with travel, gaps, locked visits, optional
daily crossover and unpredictable start times; ``check(request, schedule)`` lists every rule a
schedule breaks; ``dose_bound(request)`` bounds the dose any plan could deliver. Times are
aware datetimes (Europe/London wall clock by default); coordinates are metres (EPSG:27700).
"""

from .bounds import DoseBound, dose_bound
from .check import check
from .solver import solve
from .types import (
    REASON_CAPACITY,
    REASON_CROSSOVER,
    REASON_NO_DUTY,
    REASON_NO_WINDOW,
    REASON_TRAVEL,
    Coverage,
    DayCoverage,
    HotspotCoverage,
    HotspotDemand,
    LockedVisit,
    Schedule,
    ScheduleRequest,
    Shift,
    Visit,
    Window,
)

__all__ = [
    "REASON_CAPACITY",
    "REASON_CROSSOVER",
    "REASON_NO_DUTY",
    "REASON_NO_WINDOW",
    "REASON_TRAVEL",
    "Coverage",
    "DayCoverage",
    "DoseBound",
    "HotspotCoverage",
    "HotspotDemand",
    "LockedVisit",
    "Schedule",
    "ScheduleRequest",
    "Shift",
    "Visit",
    "Window",
    "check",
    "dose_bound",
    "solve",
]
