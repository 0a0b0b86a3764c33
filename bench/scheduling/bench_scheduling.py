"""Benchmark: a force-sized weekly patrol plan, CP-SAT against the greedy baseline.

Usage::

    .venv/bin/python bench/scheduling/bench_scheduling.py [--seed 0] [--time-limit 8]
        [--repeats 3]

The synthetic week (Mon 19 - Sun 25 October 2026, which ends with the clocks going back):

* 50 hotspots (metres, EPSG:27700) clustered around three town centres in a 12 km square,
  each with a profile: night-time economy (Thu-Sat 18:00-22:00), late night (Fri-Sat
  22:00-02:00, crossing midnight), weekday afternoons (Mon-Fri 14:00-18:00) or shopping
  (daily 11:00-15:00); 1-2 visits a day of 15 minutes; log-normal harm weights.
* 40 units in four teams of ten on a rotating early (07-15) / late (15-23) / night (22-07) /
  rest pattern, each based at one of the three police stations (travel from and back to base).

Scenarios on the same hotspots:

* "full shifts" (easy): units free for hotspot work all shift. The greedy plan already
  delivers the whole dose, so CP-SAT has nothing to add and must stop at once.
* "2-hour blocks", "1-hour blocks" (hard): each shift releases its unit for one seeded block,
  the rest being response work: capacity and base trips bind and greedy falls short.
* "2-hour blocks, 10 km/h" (hard): as "2-hour blocks" with slow travel, so routing matters.

Greedy and CP-SAT run in this one process, interleaved (the order alternates between
repeats), ``--repeats`` times each (at least 3); the table shows medians. No Django is
involved (so DEBUG plays no part).

"Feasible dose" is ``dose_bound``: the dose that fits in the windows' on-duty parts (with
time to come from and return to base), capped per busy period by the units' on-duty minutes
(a max flow; travel between visits ignored), an upper bound no plan can beat; it is loose
when travel binds. "distinct_times" measures unpredictability (see ``distinct_times``).

Targets, checked (exit status 1 on a miss):

* every plan of every run has no violations; CP-SAT under 10 s;
* "full shifts": greedy meets the feasible dose, and CP-SAT stops within ``STOP_TARGET_S``
  (median) with an optimal plan of at least 95% of the feasible dose;
* hard scenarios: greedy falls short of the feasible dose; CP-SAT covers at least the greedy
  harm-weighted dose in every run, and strictly more (median) in at least one scenario.
"""

from __future__ import annotations

import argparse
import statistics
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
# scenario -> (patrol block hours per shift or None for whole shifts, travel km/h)
SCENARIOS = {
    "full shifts": (None, 20.0),
    "2-hour blocks": (2, 20.0),
    "1-hour blocks": (1, 20.0),
    "2-hour blocks, 10 km/h": (2, 10.0),
}
EASY = "full shifts"
STOP_TARGET_S = 1.5  # CP-SAT's time when the greedy plan already meets the dose (limit: 8 s)


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
    block_hours, speed = SCENARIOS[scenario]
    if block_hours is not None:
        units = patrol_blocks(units, rng, block_hours)
    return ScheduleRequest(
        hotspots=spots, shifts=units, days=WEEK, seed=seed, solver=solver,
        time_limit_s=time_limit_s, travel_speed_kmh=speed,
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


def summary(runs: list[dict], scenario: str, solver: str) -> dict:
    """Medians over the repeats of one scenario and solver (statuses as seen)."""
    mine = [r for r in runs if r["scenario"] == scenario and r["solver"] == solver]
    row = {"scenario": scenario, "solver": solver, "runs": len(mine)}
    row["status"] = "/".join(sorted({r["status"] for r in mine}))
    for key in ("seconds", "share_required", "share_feasible", "harm_weighted_share",
                "harm_weighted_minutes", "visits", "distinct_times"):  # fmt: skip
        row[key] = round(statistics.median(r[key] for r in mine), 4)
    row["violations"] = sum(r["violations"] for r in mine)
    return row


def targets(runs: list[dict], rows: list[dict]) -> list[str]:
    """Missed targets, as sentences (empty when all are met)."""
    missed = []
    med = {(r["scenario"], r["solver"]): r for r in rows}
    for r in runs:
        if r["violations"]:
            missed.append(f"{r['scenario']}: {r['solver']} plan with violations")
        if r["solver"] == "cpsat" and r["seconds"] >= 10:
            missed.append(f"{r['scenario']}: CP-SAT took {r['seconds']} s (10 s)")
    easy_greedy, easy_cpsat = med[(EASY, "greedy")], med[(EASY, "cpsat")]
    if easy_greedy["share_feasible"] < 1:
        missed.append(f"{EASY}: greedy does not meet the feasible dose (not an easy scenario)")
    if easy_cpsat["seconds"] > STOP_TARGET_S:
        missed.append(f"{EASY}: CP-SAT took {easy_cpsat['seconds']} s to stop "
                      f"(target {STOP_TARGET_S} s)")  # fmt: skip
    if easy_cpsat["status"] != "optimal" or easy_cpsat["share_feasible"] < 0.95:
        missed.append(f"{EASY}: CP-SAT not optimal at 95% of the feasible dose")
    better = []
    for scenario in SCENARIOS:
        if scenario == EASY:
            continue
        greedy = [r for r in runs if r["scenario"] == scenario and r["solver"] == "greedy"]
        cpsat = [r for r in runs if r["scenario"] == scenario and r["solver"] == "cpsat"]
        if med[(scenario, "greedy")]["share_feasible"] >= 1:
            missed.append(f"{scenario}: greedy meets the feasible dose (not a hard scenario)")
        floor = max(r["harm_weighted_minutes"] for r in greedy)
        if any(r["harm_weighted_minutes"] < floor for r in cpsat):
            missed.append(f"{scenario}: CP-SAT below greedy in a run")
        if (
            med[(scenario, "cpsat")]["harm_weighted_minutes"]
            > med[(scenario, "greedy")]["harm_weighted_minutes"]
        ):
            better.append(scenario)
    if not better:
        missed.append("no hard scenario where CP-SAT beats greedy")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=8.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.repeats < 3:
        parser.error("--repeats must be at least 3 (medians)")
    bounds, feasible = {}, {}
    for scenario in SCENARIOS:
        bound = dose_bound(request(args.seed, scenario, "cpsat", args.time_limit))
        bounds[scenario] = {"required": bound.required_minutes, "feasible": bound.feasible_minutes}
        feasible[scenario] = bound.feasible_minutes
    runs = []
    for repeat in range(args.repeats):
        order = ("greedy", "cpsat") if repeat % 2 == 0 else ("cpsat", "greedy")
        for scenario in SCENARIOS:
            for solver in order:
                runs.append(run(args.seed, scenario, solver, args.time_limit, feasible[scenario]))
                runs[-1]["repeat"] = repeat
    rows = [summary(runs, s, solver) for s in SCENARIOS for solver in ("greedy", "cpsat")]
    header = ["scenario", "solver", "status", "seconds", "share_required", "share_feasible",
              "harm_weighted_share", "visits", "distinct_times", "violations"]  # fmt: skip
    print_table(
        f"Weekly patrol plan: 50 hotspots x 7 days x 40 units (medians of {args.repeats})",
        header, [[r[h] for h in header] for r in rows],
    )  # fmt: skip
    print(f"dose minutes (required / feasible upper bound): {bounds}")
    missed = targets(runs, rows)
    write_json("scheduling", {
        "hotspots": 50, "days": 7, "units": 40, "seed": args.seed, "repeats": args.repeats,
        "time_limit_s": args.time_limit, "stop_target_s": STOP_TARGET_S,
        "dose_minutes": bounds, "missed_targets": missed, "results": rows, "runs": runs,
    })  # fmt: skip
    print("targets met" if not missed else "TARGETS MISSED: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
