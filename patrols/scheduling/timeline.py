"""Per-unit and per-hotspot-day bookkeeping shared by the greedy planner and the diagnosis.

All times are absolute UTC minutes; travel comes from a callable so the diagnosis can ask
"would it fit if travel were free?" with the same code.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable

from .problem import Booking, HotspotDay

Travel = Callable[[int | None, int | None], int]


class Timeline:
    """A unit's bookings sorted by start, with travel-aware insertion tests."""

    def __init__(self, travel: Travel, max_travel: int) -> None:
        self.travel, self.max_travel = travel, max_travel
        self.items: list[Booking] = []
        self.longest = 0

    def add(self, booking: Booking) -> None:
        insort(self.items, booking, key=lambda b: (b.start, b.end))
        self.longest = max(self.longest, booking.end - booking.start)

    def fits(self, start: int, end: int, hotspot: int) -> bool:
        """Whether a visit leaves travel time to and from every booking around it."""
        i = bisect_right(self.items, start, key=lambda b: b.start)
        # Bookings further back than the longest booking plus the longest trip cannot clash.
        j = i - 1
        while j >= 0 and self.items[j].start > start - self.longest - self.max_travel:
            if self.items[j].end + self.travel(self.items[j].hotspot, hotspot) > start:
                return False
            j -= 1
        for after in self.items[i:]:
            if after.start >= end + self.max_travel:
                break
            if end + self.travel(hotspot, after.hotspot) > after.start:
                return False
        return True

    def detour(self, start: int, hotspot: int) -> int:
        """Extra travel minutes from slotting a visit between its neighbours."""
        i = bisect_right(self.items, start, key=lambda b: b.start)
        before = self.items[i - 1].hotspot if i else None
        after = self.items[i].hotspot if i < len(self.items) else None
        return (
            self.travel(before, hotspot) + self.travel(hotspot, after) - self.travel(before, after)
        )


def gap_ok(hd: HotspotDay, start: int, new_starts: list[int]) -> bool:
    """Whether a new visit at ``start`` keeps the hotspot-day's gap rules.

    ``min_gap`` holds against every other visit of the day (locked or new); ``max_gap`` only
    between chronologically consecutive new visits (locked visits are the manager's call).
    """
    end = start + hd.duration
    for lo, hi in hd.locked:
        if not (start >= hi + hd.min_gap or end + hd.min_gap <= lo):
            return False
    i = bisect_right(new_starts, start)
    if i and new_starts[i - 1] + hd.duration + hd.min_gap > start:
        return False
    if i < len(new_starts) and end + hd.min_gap > new_starts[i]:
        return False
    if hd.max_gap is None:
        return True
    too_late = i and start - (new_starts[i - 1] + hd.duration) > hd.max_gap
    too_early = i < len(new_starts) and new_starts[i] - end > hd.max_gap
    return not (too_late or too_early)
