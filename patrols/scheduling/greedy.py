"""Greedy patrol planner: fast, exact on travel, used alone, as CP-SAT's hint and as fallback.

Round k gives every hotspot-day its k-th visit before any gets its (k+1)-th, heaviest harm
first (ties in seeded random order), so scarce capacity spreads dose across hotspots. Each
visit takes the first start, in seeded random order (unpredictability), that some on-duty unit
can reach; among those units the one with the smallest detour wins.
"""

from __future__ import annotations

from bisect import insort
from collections import defaultdict
from collections.abc import Iterable
from random import Random

from .intervals import grid_points
from .problem import Booking, HotspotDay, Placed, Problem
from .timeline import Timeline, Travel, gap_ok
from .types import UnitId


class PlanState:
    """Unit timelines (locked visits included) and the new visits per hotspot-day."""

    def __init__(self, problem: Problem, travel: Travel | None = None) -> None:
        self.problem = problem
        self.timelines: dict[UnitId, Timeline] = {}
        self.travel = travel or problem.travel
        self.new_starts: dict[int, list[int]] = defaultdict(list)
        self.placed: list[Placed] = []
        for unit, bookings in problem.bookings.items():
            for booking in bookings:
                self.timeline(unit).add(booking)

    def timeline(self, unit: UnitId) -> Timeline:
        if unit not in self.timelines:
            self.timelines[unit] = Timeline(self.travel, self.problem.max_travel)
        return self.timelines[unit]

    def add(self, placed: Placed) -> None:
        hotspot = self.problem.days[placed.hd].hotspot
        self.timeline(placed.unit).add(Booking(placed.start, placed.end, hotspot))
        insort(self.new_starts[placed.hd], placed.start)
        self.placed.append(placed)

    def add_all(self, placed: Iterable[Placed]) -> PlanState:
        for visit in placed:
            self.add(visit)
        return self


def candidate_starts(problem: Problem, hd: HotspotDay) -> list[int]:
    """Grid start minutes at which some unit could be at ``hd`` inside a window."""
    ranges = [
        span
        for unit in problem.units_for(hd)
        for duty in problem.duties[unit]
        for span in problem.start_ranges(hd, duty)
    ]
    return grid_points(ranges, problem.step)


def best_unit(
    state: PlanState, hd: HotspotDay, start: int, units: list[UnitId], base_travel: bool = True
) -> UnitId | None:
    """The free unit with the smallest detour for a visit at ``start`` (None if none fits)."""
    problem, end, best, best_cost = state.problem, start + hd.duration, None, 0
    for unit in units:
        if base_travel and problem.duty_for(unit, start, end, hd.hotspot) is None:
            continue
        if not base_travel and not any(
            d.start <= start and end <= d.end for d in problem.duties[unit]
        ):
            continue
        timeline = state.timeline(unit)
        if timeline.fits(start, end, hd.hotspot):
            cost = timeline.detour(start, hd.hotspot)
            if best is None or cost < best_cost:
                best, best_cost = unit, cost
    return best


def _place_one(state: PlanState, hd: HotspotDay, starts: list[int], units, rng: Random) -> bool:
    shuffled = [s for s in starts if gap_ok(hd, s, state.new_starts[hd.index])]
    rng.shuffle(shuffled)
    for start in shuffled:
        unit = best_unit(state, hd, start, units)
        if unit is not None:
            state.add(Placed(hd.index, unit, start, start + hd.duration))
            return True
    return False


def solve_greedy(problem: Problem) -> list[Placed]:
    """A feasible plan of new visits (locked visits stay in ``problem.bookings``)."""
    rng = Random(f"greedy:{problem.request.seed}")
    todo = [hd for hd in problem.days if hd.needed]
    order = sorted(todo, key=lambda hd: (-hd.weight, rng.random()))
    starts = {hd.index: candidate_starts(problem, hd) for hd in order}
    units = {hd.index: problem.units_for(hd) for hd in order}
    state = PlanState(problem)
    for round_ in range(max((hd.needed for hd in order), default=0)):
        for hd in order:
            if hd.needed > round_:
                _place_one(state, hd, starts[hd.index], units[hd.index], rng)
    return state.placed
