"""Benchmark: a force-sized weekly patrol plan, CP-SAT against the greedy baseline.

Usage::

    .venv/bin/python bench/scheduling/bench_scheduling.py [--seed 0] [--time-limit 8]

The synthetic week (Mon 19 - Sun 25 October 2026, which ends with the clocks going back):

* 50 hotspots (metres, EPSG:27700) clustered around three town centres in a 12 km square,
  each with a profile: night-time economy (Thu-Sat 18:00-22:00), late night (Fri-Sat
  22:00-02:00, crossing midnight), weekday afternoons (Mon-Fri 14:00-18:00) or shopping
  (daily 11:00-15:00); 1-2 visits a day of 15 minutes; log-normal harm weights.
* 40 units in four teams of ten on a rotating early (07-15) / late (15-23) / night (22-07) /
  rest pattern, each based at one of the three police stations (travel from and back to base).

Two scenarios on the same hotspots: "full shifts" (units free for hotspot work all shift:
the target case) and "2-hour blocks" (each shift releases its unit for one seeded 2-hour
block, the rest being response work: capacity and base trips bind, so the solvers differ).

"Feasible dose" is ``dose_bound``: the dose that fits in the windows' on-duty parts (with
time to come from and return to base), capped per busy period by the units' on-duty minutes
(a max flow; travel between visits ignored), an upper bound no plan can beat; it is loose
when travel binds. "distinct_times" measures unpredictability (see ``distinct_times``).
Targets (full shifts): CP-SAT under 10 s, at least 95% of the feasible dose, no violations;
on both scenarios CP-SAT must cover at least the greedy dose.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import print_table, write_json  # noqa: E402
from patrols.scheduling import (  # noqa: E402
    HotspotDemand,
    Schedule,
    ScheduleRequest,
    Shift,
    Window,
    check,
    dose_bound,
    solve,
)

LONDON = ZoneInfo("Europe/London")
WEEK = tuple(date(2026, 10, 19) + timedelta(days=i) for i in range(7))
STATIONS = ((452_000.0, 181_000.0), (458_500.0, 186_000.0), (455_000.0, 192_000.0))
# profile -> (weekdays Mon=0, start hour, hours)
PROFILES = {
    "night-time economy": ((3, 4, 5), 18, 4),
    "late night": ((4, 5), 22, 4),
    "weekday afternoons": ((0, 1, 2, 3, 4), 14, 4),
    "shopping": (tuple(range(7)), 11, 4),
}
SHIFTS = ((7, 8), (15, 8), (22, 9), None)  # early, late, night, rest: (start hour, hours)
SCENARIOS = ("full shifts", "2-hour blocks")


def at(day: date, hour: int) -> datetime:
    """Local wall-clock time (Europe/London) on a day; hours past 24 roll into the next day."""
    return datetime.combine(day + timedelta(days=hour // 24), datetime.min.time()).replace(
        hour=hour % 24, tzinfo=LONDON
    )


def hotspots(rng: Random, n: int = 50) -> tuple[HotspotDemand, ...]:
    names = list(PROFILES)
    out = []
    for i in range(n):
        town = STATIONS[i % len(STATIONS)]
        weekdays, start, hours = PROFILES[names[rng.choices(range(4), (4, 2, 3, 2))[0]]]
        windows = tuple(
            Window(at(d, start), at(d, start + hours)) for d in WEEK if d.weekday() in weekdays
        )
        out.append(HotspotDemand(
            hotspot_id=f"H{i:02d}", x=town[0] + rng.gauss(0, 900), y=town[1] + rng.gauss(0, 900),
            windows=windows, visits_per_day=rng.choice((1, 2)), minutes_per_visit=15,
            harm_weight=round(rng.lognormvariate(0, 0.6), 2), min_gap_minutes=60,
        ))  # fmt: skip
    return tuple(out)


def shifts(units: int = 40, teams: int = 4) -> tuple[Shift, ...]:
    out = []
    for unit in range(units):
        team, base = unit % teams, STATIONS[unit % len(STATIONS)]
        for i, day in enumerate(WEEK):
            pattern = SHIFTS[(i + team) % len(SHIFTS)]
            if pattern is not None:
                start, hours = pattern
                out.append(Shift(f"U{unit:02d}", at(day, start), at(day, start + hours), *base))
    return tuple(out)


def patrol_blocks(full: tuple[Shift, ...], rng: Random, hours: int = 2) -> tuple[Shift, ...]:
    """One block of ``hours`` per shift, at a seeded whole-hour offset inside it."""
    out = []
    for shift in full:
        length = int((shift.end.timestamp() - shift.start.timestamp()) // 3600)
        start = shift.start + timedelta(hours=rng.randrange(length - hours + 1))
        out.append(replace(shift, start=start, end=start + timedelta(hours=hours)))
    return tuple(out)


def request(seed: int, scenario: str, solver: str, time_limit_s: float) -> ScheduleRequest:
    rng = Random(seed)
    spots, units = hotspots(rng), shifts()
    if scenario == "2-hour blocks":
        units = patrol_blocks(units, rng)
    return ScheduleRequest(
        hotspots=spots, shifts=units, days=WEEK, seed=seed, solver=solver,
        time_limit_s=time_limit_s,
    )  # fmt: skip


def run(seed: int, scenario: str, solver: str, time_limit_s: float, feasible: int) -> dict:
    req = request(seed, scenario, solver, time_limit_s)
    began = time.perf_counter()
    plan = solve(req)
    seconds = time.perf_counter() - began
    cov = plan.coverage
    return {
        "scenario": scenario,
        "solver": solver,
        "status": plan.status,
        "seconds": round(seconds, 2),
        "required_minutes": cov.required_minutes,
        "scheduled_minutes": cov.scheduled_minutes,
        "share_required": round(cov.share, 4),
        "harm_weighted_share": round(cov.harm_weighted_share, 4),
        "harm_weighted_minutes": round(
            sum(h.harm_weight * h.scheduled_minutes for h in cov.hotspots), 1
        ),
        "share_feasible": round(cov.scheduled_minutes / feasible, 4) if feasible else 0.0,
        "visits": len(plan.visits),
        "distinct_times": distinct_times(plan),
        "violations": len(check(req, plan)),
    }


def distinct_times(plan: Schedule) -> float:
    """Unpredictability: over hotspots with 5+ visits, the mean share of distinct local start
    times among their visits (1.0: never the same clock time twice)."""
    times: dict[object, list[str]] = defaultdict(list)
    for visit in plan.visits:
        times[visit.hotspot_id].append(visit.start.astimezone(LONDON).strftime("%H:%M"))
    shares = [len(set(t)) / len(t) for t in times.values() if len(t) >= 5]
    return round(sum(shares) / len(shares), 2) if shares else 1.0


def _targets(rows: list[dict]) -> list[str]:
    """Missed targets, as sentences (empty when all are met)."""
    missed = []
    for cpsat, greedy in zip(rows[::2], rows[1::2], strict=True):
        name = cpsat["scenario"]
        if cpsat["seconds"] >= 10 or cpsat["violations"] or greedy["violations"]:
            missed.append(f"{name}: 10 s or violations")
        if cpsat["harm_weighted_minutes"] < greedy["harm_weighted_minutes"]:
            missed.append(f"{name}: CP-SAT below greedy")
    if rows[0]["share_feasible"] < 0.95:
        missed.append("full shifts: CP-SAT below 95% of the feasible dose")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=8.0)
    args = parser.parse_args()
    rows, bounds = [], {}
    for scenario in SCENARIOS:
        bound = dose_bound(request(args.seed, scenario, "cpsat", args.time_limit))
        bounds[scenario] = {"required": bound.required_minutes, "feasible": bound.feasible_minutes}
        for solver in ("cpsat", "greedy"):
            rows.append(run(args.seed, scenario, solver, args.time_limit, bound.feasible_minutes))
    header = ["scenario", "solver", "status", "seconds", "share_required", "share_feasible",
              "harm_weighted_share", "visits", "distinct_times", "violations"]  # fmt: skip
    print_table("Weekly patrol plan: 50 hotspots x 7 days x 40 units", header,
                [[r[h] for h in header] for r in rows])  # fmt: skip
    print(f"dose minutes (required / feasible upper bound): {bounds}")
    missed = _targets(rows)
    write_json("scheduling", {
        "hotspots": 50, "days": 7, "units": 40, "seed": args.seed,
        "time_limit_s": args.time_limit, "dose_minutes": bounds, "missed_targets": missed,
        "results": rows,
    })  # fmt: skip
    print("targets met" if not missed else "TARGETS MISSED: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
