"""An upper bound on the dose any plan could deliver ("feasible dose"), in minutes.

Each patrol hotspot-day can get at most the visits that fit, with its gaps, in the part of
its windows when some unit is on duty with time to come from and return to its base
(``coverage.duty_possible``). Dose also needs unit time:
the windows of all hotspot-days merge into busy periods, and the dose placed in a period
cannot exceed the units' on-duty minutes inside it. The bound is the maximum flow
source -> hotspot-day (its possible dose) -> busy period it touches -> sink (duty minutes).
Travel between visits and the one-unit-per-visit rule are ignored, so no plan can beat it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.graph.python import max_flow

from .coverage import duty_possible
from .intervals import Span, merge
from .problem import Problem, compile_problem
from .types import ScheduleRequest


@dataclass(frozen=True)
class DoseBound:
    """Required dose and an upper bound on the deliverable dose, in minutes."""

    required_minutes: int
    patrol_day_required_minutes: int
    feasible_minutes: int


def _duty_minutes(problem: Problem, period: Span) -> int:
    """Unit on-duty minutes inside a period (a unit's overlapping shifts count once)."""
    total = 0
    for duties in problem.duties.values():
        spans = [(max(d.start, period[0]), min(d.end, period[1])) for d in duties]
        total += sum(e - s for s, e in merge([(s, e) for s, e in spans if s < e]))
    return total


def _max_flow(problem: Problem, possible: dict[int, int], periods: list[Span]) -> int:
    flow = max_flow.SimpleMaxFlow()
    source, sink, first_period = 0, 1, 2 + len(problem.days)
    for p, period in enumerate(periods):
        flow.add_arc_with_capacity(first_period + p, sink, _duty_minutes(problem, period))
    for hd in problem.days:
        if not possible.get(hd.index):
            continue
        flow.add_arc_with_capacity(source, 2 + hd.index, possible[hd.index])
        for p, (lo, hi) in enumerate(periods):
            if any(ws < hi and lo < we for ws, we in hd.windows):
                flow.add_arc_with_capacity(2 + hd.index, first_period + p, possible[hd.index])
    if flow.solve(source, sink) != flow.OPTIMAL:
        raise RuntimeError("max flow failed on the dose bound")
    return flow.optimal_flow()


def dose_bound(request: ScheduleRequest) -> DoseBound:
    """Required dose and the feasible-dose upper bound of a request (see the module doc).

    Locked visits that deliver dose count as they are (even when their unit is off duty).
    """
    problem = compile_problem(request)
    patrol = [hd for hd in problem.days if hd.patrol]
    locked = sum(min(hd.counted_locked, hd.visits_per_day) * hd.duration for hd in patrol)
    possible = {
        hd.index: max(0, duty_possible(problem, hd, True) - hd.counted_locked) * hd.duration
        for hd in patrol
    }
    periods = merge([w for hd in patrol for w in hd.windows])
    return DoseBound(
        required_minutes=sum(hd.visits_per_day * hd.duration for hd in problem.days),
        patrol_day_required_minutes=sum(hd.visits_per_day * hd.duration for hd in patrol),
        feasible_minutes=locked + (_max_flow(problem, possible, periods) if possible else 0),
    )
