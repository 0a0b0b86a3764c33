"""CP-SAT stops once the dose bound is met (``patrols.scheduling.cpsat``; no database).

Expected doses are planted by construction: windows, shifts and gaps leave exactly the
visits a hand count gives, so the bound and the optimum are known without the solver.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

from patrols.scheduling import HotspotDemand, ScheduleRequest, Shift, Window, check, solve
from patrols.scheduling.cpsat import HARM_SCALE, part_bound, plan_score
from patrols.scheduling.parts import Grid, duty_blocks, split
from patrols.scheduling.problem import compile_problem

LONDON = ZoneInfo("Europe/London")
DAY = date(2026, 6, 1)
X0, Y0 = 530_000.0, 180_000.0


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def spot(name: str, start: datetime, end: datetime, visits: int, weight: float = 1.0, **kw):
    return HotspotDemand(
        hotspot_id=name, x=X0, y=Y0, windows=(Window(start, end),), visits_per_day=visits,
        minutes_per_visit=15, harm_weight=weight, min_gap_minutes=kw.get("gap", 60),
    )  # fmt: skip


def parts_of(request: ScheduleRequest):
    problem = compile_problem(request)
    blocks = duty_blocks(problem)
    origin = min(hd.windows[0][0] for hd in problem.days)
    return problem, split(problem, blocks, Grid(origin - origin % problem.step, problem.step))


def test_bound_counts_the_visits_that_fit_on_duty():
    # Window 18:00-19:00, 15-minute visits 60 minutes apart: one fits, though three are asked
    # for. A second hotspot's window 20:00-22:00 lies half outside the 18:00-21:00 shift:
    # 20:00-20:45 of starts, so with a 60-minute gap one visit, and two are asked for.
    request = ScheduleRequest(
        hotspots=(spot("A", at(18), at(19), 3, 2.0), spot("B", at(20), at(22), 2, 1.0)),
        shifts=(Shift("u1", at(18), at(21)),),
        days=(DAY,), solver="cpsat", num_workers=1,
    )  # fmt: skip
    problem, parts = parts_of(request)
    expected = round(2.0 * HARM_SCALE) * 15 * 1 + round(1.0 * HARM_SCALE) * 15 * 1
    assert sum(part_bound(problem, part) for part in parts) == expected
    plan = solve(request)
    assert plan.status == "optimal"
    assert {v.hotspot_id for v in plan.visits} == {"A", "B"} and len(plan.visits) == 2


def test_cpsat_skipped_when_greedy_meets_the_whole_dose():
    # Ten hotspots, one visit a day each, ten units free all evening: greedy covers it all.
    spots = tuple(spot(f"H{i}", at(17), at(22), 1, 1 + i / 10) for i in range(10))
    units = tuple(Shift(f"u{i}", at(16), at(23)) for i in range(10))
    limit = 8.0
    request = ScheduleRequest(hotspots=spots, shifts=units, days=(DAY,), time_limit_s=limit)
    greedy = solve(ScheduleRequest(hotspots=spots, shifts=units, days=(DAY,), solver="greedy"))
    assert greedy.coverage.share == 1.0
    plan = solve(request)
    assert plan.status == "optimal" and plan.coverage.share == 1.0
    assert plan.solve_seconds < limit / 4
    assert plan.visits == greedy.visits  # nothing was re-solved
    assert check(request, plan) == []


def _greedy_falls_short() -> ScheduleRequest:
    """One unit, a heavy hotspot open 18:00-20:00 and a light one open only 18:00-18:30:
    greedy serves the heavy one first at a seeded random start, and a start before 18:30
    leaves no room for the light one. CP-SAT can always fit both (the bound)."""
    spots = (spot("heavy", at(18), at(20), 1, 5.0), spot("light", at(18), at(18, 30), 1, 1.0))
    for seed in range(50):
        request = ScheduleRequest(
            hotspots=spots, shifts=(Shift("u1", at(18), at(20)),), days=(DAY,), seed=seed,
            num_workers=1, time_limit_s=8.0,
        )  # fmt: skip
        if solve(ScheduleRequest(**{**request.__dict__, "solver": "greedy"})).coverage.share < 1:
            return request
    raise AssertionError("no seed where greedy falls short: the planted case is wrong")


def test_cpsat_stops_at_the_bound_when_greedy_falls_short():
    request = _greedy_falls_short()
    problem, parts = parts_of(request)
    bound = sum(part_bound(problem, part) for part in parts)
    assert bound == round(5.0 * HARM_SCALE) * 15 + round(1.0 * HARM_SCALE) * 15
    plan = solve(request)
    assert plan.coverage.share == 1.0 and plan.status == "optimal"
    assert plan.solve_seconds < request.time_limit_s / 2
    assert check(request, plan) == []


def test_score_never_exceeds_bound_on_random_weeks():
    """On seeded random weeks (capacity-bound: few units), no plan scores above the bound."""
    rng = Random(7)
    days = tuple(DAY + timedelta(days=i) for i in range(3))
    spots = tuple(
        HotspotDemand(
            hotspot_id=f"H{i}", x=X0 + rng.uniform(-3000, 3000), y=Y0 + rng.uniform(-3000, 3000),
            windows=tuple(Window(at(h, 0, d), at(h + 3, 0, d)) for d in days
                          for h in [rng.choice((10, 14, 18))]),
            visits_per_day=rng.choice((1, 2)), minutes_per_visit=15,
            harm_weight=round(rng.uniform(0.5, 3), 2), min_gap_minutes=30,
        )
        for i in range(12)
    )  # fmt: skip
    units = tuple(Shift(f"u{u}", at(9, 0, d), at(21, 0, d), X0, Y0) for d in days for u in (1, 2))
    request = ScheduleRequest(hotspots=spots, shifts=units, days=days, time_limit_s=3.0)
    problem, parts = parts_of(request)
    bound = sum(part_bound(problem, part) for part in parts)
    for solver in ("greedy", "cpsat"):
        plan = solve(ScheduleRequest(**{**request.__dict__, "solver": solver}))
        assert check(request, plan) == []
        weights = {h.hotspot_id: round(h.harm_weight * HARM_SCALE) for h in spots}
        assert sum(weights[v.hotspot_id] * 15 for v in plan.visits) <= bound
    assert plan_score(problem, []) == 0
