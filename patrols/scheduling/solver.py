"""``solve``: greedy plan first (fast, always feasible), then CP-SAT seeded with it.

CP-SAT gets what is left of ``time_limit_s`` after compiling and the greedy pass, less a
small reserve. Its plan is
kept only if it delivers at least the greedy plan's harm-weighted dose, so solver="cpsat" is
never worse than solver="greedy" for the same request and seed.
"""

from __future__ import annotations

import time
from collections import Counter

from .coverage import build_coverage
from .cpsat import solve_cpsat
from .greedy import solve_greedy
from .problem import Placed, Problem, compile_problem, datetime_of, harm_minutes
from .types import Coverage, Schedule, ScheduleRequest, Visit

# Kept back from CP-SAT for the coverage diagnosis and the floor of each part's timing phase,
# so that a solve ends close to ``time_limit_s`` (it is a target, not a hard cap).
RESERVE_S = 0.5


def _visits(problem: Problem, plan: list[Placed]) -> tuple[Visit, ...]:
    locked = [Visit(v.hotspot_id, v.unit_id, v.start, v.end, True) for v in problem.request.locked]
    planned = [
        Visit(
            problem.hotspots[problem.days[p.hd].hotspot].hotspot_id,
            p.unit,
            datetime_of(p.start, problem.tz),
            datetime_of(p.end, problem.tz),
        )
        for p in plan
    ]
    # Sort by instant: same-tzinfo datetimes compare by wall clock, wrong in the repeated hour.
    return tuple(sorted(locked + planned, key=lambda v: (v.start.timestamp(), str(v.unit_id))))


def _run_cpsat(problem: Problem, greedy: list[Placed], began: float) -> tuple[str, list[Placed]]:
    left = problem.request.time_limit_s - (time.perf_counter() - began) - RESERVE_S
    status, plan = solve_cpsat(problem, greedy, left)
    if status is None or harm_minutes(problem, plan) < harm_minutes(problem, greedy):
        return "fallback", greedy
    return status, plan


def _explain(problem: Problem, coverage: Coverage, status: str) -> tuple[str, ...]:
    reasons = Counter(d.reason for h in coverage.hotspots for d in h.days if d.reason)
    lines = list(problem.notes)
    if status == "infeasible":
        lines.insert(0, "nothing can be scheduled")
    if status == "fallback":
        lines.append("CP-SAT found no better plan in the time limit; greedy plan returned")
    lines += [f"{n} hotspot-day(s) short of dose: {reason}" for reason, n in reasons.items()]
    return tuple(lines)


def solve(request: ScheduleRequest) -> Schedule:
    """Plan patrol visits for a request (``ValueError`` only for malformed input).

    Deterministic for a seed with solver="greedy"; with "cpsat", also when ``num_workers`` is 1
    and the model solves before ``time_limit_s`` (a time-limited search may stop elsewhere).
    """
    began = time.perf_counter()
    problem = compile_problem(request)
    plan = solve_greedy(problem)
    status = "greedy"
    if request.solver == "cpsat" and any(hd.needed for hd in problem.days):
        status, plan = _run_cpsat(problem, plan, began)
    coverage = build_coverage(problem, plan)
    if not plan and coverage.scheduled_minutes == 0:
        status = "infeasible"
    return Schedule(
        visits=_visits(problem, plan),
        coverage=coverage,
        patrol_days={
            (problem.hotspots[hd.hotspot].hotspot_id, hd.day): hd.patrol for hd in problem.days
        },
        seed=request.seed,
        solver=request.solver,
        status=status,
        solve_seconds=round(time.perf_counter() - began, 3),
        explanation=_explain(problem, coverage, status),
    )
