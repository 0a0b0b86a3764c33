"""Tests for the pure ``patrols.scheduling`` package (no Django, no database).

Plans are checked by the package's ``check`` and by ``independent_violations`` below, written
from the rules with plain timestamps (never the package's minute arithmetic). Coordinates are
metres (EPSG:27700-like numbers); times are Europe/London. The generated weeks contain both
2026 DST changes: 29 March (clocks forward, a 23-hour Sunday) and 25 October (back, 25 hours).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

import pytest

from patrols.scheduling import (
    REASON_CAPACITY,
    REASON_CROSSOVER,
    REASON_NO_DUTY,
    REASON_NO_WINDOW,
    REASON_TRAVEL,
    HotspotDemand,
    LockedVisit,
    Schedule,
    ScheduleRequest,
    Shift,
    Visit,
    Window,
    check,
    dose_bound,
    solve,
)

LONDON = ZoneInfo("Europe/London")
AUTUMN = date(2026, 10, 19)  # Monday; Sunday 25 October the clocks go back
SPRING = date(2026, 3, 23)  # Monday; Sunday 29 March the clocks go forward
X0, Y0 = 530_000.0, 180_000.0
SOLVERS = ("cpsat", "greedy")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """Wall-clock time in London; hours from 24 roll into the next day."""
    day = day + timedelta(days=hour // 24)
    return datetime(day.year, day.month, day.day, hour % 24, minute, tzinfo=LONDON)


def week(monday: date) -> tuple[date, ...]:
    return tuple(monday + timedelta(days=i) for i in range(7))


def generated_request(seed: int, monday: date, solver: str, **options) -> ScheduleRequest:
    """Random but seeded: 8 day hotspots, a late-night one over the Saturday night (the DST
    night), units on early/late/night shifts (nights cross midnight), one locked visit."""
    rng, days = Random(seed), week(monday)
    spots = []
    for i in range(options.pop("n_hotspots", 8)):
        windows = []
        for day in days:
            if rng.random() < 0.75:
                start = rng.choice((10, 13, 16, 18, 20))
                windows.append(Window(at(day, start), at(day, start + rng.choice((2, 3, 4)))))
        spots.append(
            HotspotDemand(
                f"H{i}",
                X0 + rng.uniform(0, 4000),
                Y0 + rng.uniform(0, 4000),
                tuple(windows),
                visits_per_day=rng.choice((1, 2)),
                harm_weight=round(rng.uniform(0.5, 3.0), 2),
                min_gap_minutes=rng.choice((30, 60)),
                max_gap_minutes=rng.choice((None, 150)),
            )
        )
    saturday = days[5]
    spots.append(
        HotspotDemand(
            "NIGHT",
            X0 + 2000,
            Y0 + 2000,
            (Window(at(saturday, 22), at(saturday, 27)),),
            visits_per_day=2,
            min_gap_minutes=45,
        )
    )
    shifts = _generated_shifts(rng, days, options.pop("n_units", 4))
    lock = LockedVisit("NIGHT", "U0", at(saturday, 23), at(saturday, 23, 15))
    return ScheduleRequest(
        hotspots=tuple(spots),
        shifts=shifts,
        days=days,
        seed=seed,
        solver=solver,
        locked=(lock,),
        time_limit_s=2.0,
        **options,
    )


def _generated_shifts(rng: Random, days: tuple[date, ...], units: int) -> tuple[Shift, ...]:
    patterns = ((7, 8), (15, 8), (22, 9), None)
    shifts = []
    for unit in range(units):
        base = (X0 + rng.uniform(0, 4000), Y0 + rng.uniform(0, 4000)) if unit % 2 else (None, None)
        for day in days:
            pattern = (22, 9) if unit == 0 and day == days[5] else rng.choice(patterns)
            if pattern:
                start, hours = pattern
                shifts.append(Shift(f"U{unit}", at(day, start), at(day, start + hours), *base))
    return tuple(shifts)


def travel_seconds(request: ScheduleRequest, a: HotspotDemand, b: HotspotDemand | tuple) -> float:
    """Straight-line travel at the request speed, rounded up to the time step, in seconds."""
    bx, by = (b.x, b.y) if isinstance(b, HotspotDemand) else b
    minutes = math.dist((a.x, a.y), (bx, by)) / (request.travel_speed_kmh * 1000 / 60)
    step = request.time_step_minutes
    return math.ceil(minutes / step - 1e-9) * step * 60 if minutes else 0.0


def independent_violations(request: ScheduleRequest, schedule: Schedule) -> list[str]:
    """The rules, from scratch, on POSIX timestamps (immune to DST and tzinfo comparison)."""
    spots = {h.hotspot_id: h for h in request.hotspots}
    errors: list[str] = []
    by_unit, by_day = defaultdict(list), defaultdict(list)
    for v in schedule.visits:
        s, e, spot = v.start.timestamp(), v.end.timestamp(), spots[v.hotspot_id]
        window = next(
            (w for w in spot.windows if w.start.timestamp() <= s and e <= w.end.timestamp()), None
        )
        by_unit[v.unit_id].append((s, e, v))
        if window is None:
            errors += [] if v.locked else [f"{v}: outside windows"]
            continue
        day = window.start.astimezone(LONDON).date()
        by_day[(v.hotspot_id, day)].append((s, e, v))
        if v.locked:
            continue
        errors += [] if day in request.days else [f"{v}: window outside the planning days"]
        errors += [] if e - s == spot.minutes_per_visit * 60 else [f"{v}: wrong length"]
        errors += [] if _in_a_shift(request, v, s, e) else [f"{v}: outside shifts"]
        if not schedule.patrol_days.get((v.hotspot_id, day), True):
            errors.append(f"{v}: on a no-patrol day")
    errors += _unit_violations(request, spots, by_unit)
    errors += _gap_violations(spots, by_day)
    return errors


def _in_a_shift(request: ScheduleRequest, v: Visit, s: float, e: float) -> bool:
    spot = next(h for h in request.hotspots if h.hotspot_id == v.hotspot_id)
    for shift in request.shifts:
        if shift.unit_id != v.unit_id:
            continue
        base = 0.0
        if shift.base_x is not None:
            base = travel_seconds(request, spot, (shift.base_x, shift.base_y))
        if shift.start.timestamp() + base <= s and e + base <= shift.end.timestamp():
            return True
    return False


def _unit_violations(request, spots, by_unit) -> list[str]:
    errors = []
    for visits in by_unit.values():
        visits.sort(key=lambda item: item[:2])
        for (_, e1, a), (s2, _, b) in zip(visits, visits[1:], strict=False):
            if a.locked and b.locked:
                continue
            need = travel_seconds(request, spots[a.hotspot_id], spots[b.hotspot_id])
            if s2 < e1 + need:
                errors.append(f"{a} -> {b}: overlap or too little travel time")
    return errors


def _gap_violations(spots, by_day) -> list[str]:
    errors = []
    for (hotspot_id, day), visits in by_day.items():
        spot = spots[hotspot_id]
        visits.sort(key=lambda item: item[:2])
        for (_, e1, a), (s2, _, b) in zip(visits, visits[1:], strict=False):
            if not (a.locked and b.locked) and s2 - e1 < spot.min_gap_minutes * 60:
                errors.append(f"{hotspot_id} {day}: min gap")
        planned = [item for item in visits if not item[2].locked]
        for (_, e1, _), (s2, _, _) in zip(planned, planned[1:], strict=False):
            if spot.max_gap_minutes is not None and s2 - e1 > spot.max_gap_minutes * 60:
                errors.append(f"{hotspot_id} {day}: max gap")
        if len(visits) > spot.visits_per_day:
            errors.append(f"{hotspot_id} {day}: more visits than the dose")
    return errors


def _inside(v: Visit, w: Window) -> bool:
    # Timestamps: aware datetimes sharing a tzinfo compare by wall clock, even across DST.
    return w.start.timestamp() <= v.start.timestamp() and v.end.timestamp() <= w.end.timestamp()


def harm_minutes(schedule: Schedule) -> float:
    return sum(h.harm_weight * h.scheduled_minutes for h in schedule.coverage.hotspots)


_SOLVED: dict[tuple, tuple[ScheduleRequest, Schedule]] = {}


def solved(seed: int, monday: date, solver: str, **options) -> tuple[ScheduleRequest, Schedule]:
    """Solve once per argument set (CP-SAT solves take up to their time limit)."""
    key = (seed, monday, solver, tuple(sorted(options.items())))
    if key not in _SOLVED:
        request = generated_request(seed, monday, solver, **options)
        _SOLVED[key] = (request, solve(request))
    return _SOLVED[key]


# Generated weeks --------------------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("monday", [AUTUMN, SPRING], ids=["dst-back", "dst-forward"])
@pytest.mark.parametrize("seed", [1, 2])
def test_generated_plans_break_no_rule(seed, monday, solver):
    request, schedule = solved(seed, monday, solver)
    assert schedule.solver == solver and schedule.status in {"optimal", "feasible", "greedy"}
    assert len([v for v in schedule.visits if not v.locked]) >= 10
    assert check(request, schedule) == []
    assert independent_violations(request, schedule) == []
    assert schedule.coverage.scheduled_minutes <= dose_bound(request).feasible_minutes


@pytest.mark.parametrize("solver", SOLVERS)
def test_coverage_counts_the_visits_of_each_day(solver):
    request, schedule = solved(2, SPRING, solver)
    spots = {h.hotspot_id: h for h in request.hotspots}
    delivered: dict[tuple, int] = defaultdict(int)
    for v in schedule.visits:
        window = next(w for w in spots[v.hotspot_id].windows if _inside(v, w))
        delivered[(v.hotspot_id, window.start.astimezone(LONDON).date())] += 1
    for row in (d for h in schedule.coverage.hotspots for d in h.days):
        spot = spots[row.hotspot_id]
        visits = min(delivered[(row.hotspot_id, row.day)], spot.visits_per_day)
        assert row.required_minutes == spot.visits_per_day * spot.minutes_per_visit
        assert row.scheduled_minutes == visits * spot.minutes_per_visit
        assert (row.reason is None) == (visits == spot.visits_per_day)
    total = sum(h.required_minutes for h in schedule.coverage.hotspots)
    assert schedule.coverage.share == pytest.approx(schedule.coverage.scheduled_minutes / total)


@pytest.mark.parametrize("solver", SOLVERS)
def test_locked_visits_are_kept_and_counted(solver):
    request, schedule = solved(1, AUTUMN, solver)
    (lock,) = request.locked
    kept = [v for v in schedule.visits if v.locked]
    assert kept == [Visit(lock.hotspot_id, lock.unit_id, lock.start, lock.end, True)]
    night = next(h for h in schedule.coverage.hotspots if h.hotspot_id == "NIGHT")
    # The locked visit is one of the two the night hotspot needs; the plan adds the other.
    assert night.scheduled_minutes == night.required_minutes == 30
    assert len([v for v in schedule.visits if v.hotspot_id == "NIGHT"]) == 2


@pytest.mark.parametrize("solver", SOLVERS)
def test_planned_visits_fit_around_locked_ones(solver):
    days = week(AUTUMN)
    spot = HotspotDemand("H", X0, Y0, tuple(Window(at(d, 18), at(d, 20)) for d in days))
    elsewhere = HotspotDemand("L", X0 + 2000, Y0, ())  # 10 minutes from H
    locks = tuple(LockedVisit("L", "U1", at(d, 18), at(d, 19)) for d in days)
    shifts = tuple(Shift("U1", at(d, 18), at(d, 20)) for d in days)
    request = ScheduleRequest(
        (spot, elsewhere), shifts, days, locked=locks, solver=solver, time_limit_s=2.0
    )
    schedule = solve(request)
    planned = [v for v in schedule.visits if not v.locked]
    assert len(planned) == 7 and len(schedule.visits) == 14
    assert all(
        v.start.astimezone(LONDON).time() >= datetime(1, 1, 1, 19, 10).time() for v in planned
    )
    assert check(request, schedule) == independent_violations(request, schedule) == []


@pytest.mark.parametrize("solver", SOLVERS)
def test_travel_counts_across_back_to_back_shifts(solver):
    # A closes as the unit's first shift ends; B (20 minutes away) opens as its second starts.
    a = HotspotDemand("A", X0, Y0, (Window(at(AUTUMN, 18, 45), at(AUTUMN, 19)),))
    b = HotspotDemand("B", X0 + 6000, Y0, (Window(at(AUTUMN, 19), at(AUTUMN, 19, 30)),))
    shifts = [
        Shift("U1", at(AUTUMN, 15), at(AUTUMN, 19)),
        Shift("U1", at(AUTUMN, 19), at(AUTUMN, 23)),
    ]
    request = _evening_request([a, b], shifts, solver=solver)
    schedule = solve(request)
    assert len(schedule.visits) == 1
    assert check(request, schedule) == independent_violations(request, schedule) == []
    assert {r for h in schedule.coverage.hotspots for r in h.reasons} == {REASON_TRAVEL}


@pytest.mark.parametrize("solver", SOLVERS)
def test_max_gap_keeps_a_days_visits_close(solver):
    days = week(AUTUMN)
    spot = HotspotDemand(
        "H",
        X0,
        Y0,
        tuple(Window(at(d, 16), at(d, 23)) for d in days),
        visits_per_day=2,
        min_gap_minutes=30,
        max_gap_minutes=45,
    )
    shifts = tuple(Shift("U1", at(d, 15), at(d, 23)) for d in days)
    request = ScheduleRequest((spot,), shifts, days, solver=solver, time_limit_s=2.0)
    schedule = solve(request)
    assert len(schedule.visits) == 14
    assert check(request, schedule) == independent_violations(request, schedule) == []


@pytest.mark.parametrize("solver", SOLVERS)
def test_crossover_splits_each_day_and_each_hotspot(solver):
    request, schedule = solved(3, AUTUMN, solver, crossover=True, n_hotspots=12)
    by_day, by_spot = defaultdict(list), defaultdict(list)
    for (hotspot_id, day), patrol in schedule.patrol_days.items():
        by_day[day].append(patrol)
        by_spot[hotspot_id].append(patrol)
    for flags in by_day.values():
        assert abs(sum(flags) - len(flags) / 2) <= 1
    for flags in by_spot.values():
        if len(flags) >= 4:
            assert 0 < sum(flags) < len(flags)
    for v in schedule.visits:
        if not v.locked:
            day = next(
                w.start.astimezone(LONDON).date()
                for h in request.hotspots
                if h.hotspot_id == v.hotspot_id
                for w in h.windows
                if _inside(v, w)
            )
            assert schedule.patrol_days[(v.hotspot_id, day)]
    reasons = {d.reason for h in schedule.coverage.hotspots for d in h.days if not d.patrol_day}
    assert reasons == {REASON_CROSSOVER}
    assert independent_violations(request, schedule) == []


def test_crossover_is_off_by_default():
    _, schedule = solved(1, AUTUMN, "greedy")
    assert schedule.patrol_days and all(schedule.patrol_days.values())


# Unpredictability -------------------------------------------------------------------------


def _daily_hotspot_request(solver: str, seed: int = 0) -> ScheduleRequest:
    days = week(AUTUMN)
    spot = HotspotDemand(
        "DAILY", X0, Y0, tuple(Window(at(d, 18), at(d, 22)) for d in days), visits_per_day=1
    )
    shifts = tuple(Shift("U1", at(d, 15), at(d, 23)) for d in days)
    return ScheduleRequest((spot,), shifts, days, seed=seed, solver=solver, time_limit_s=2.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_start_times_vary_from_day_to_day(solver):
    schedule = solve(_daily_hotspot_request(solver))
    times = [v.start.astimezone(LONDON).time() for v in schedule.visits]
    assert len(times) == 7
    assert len(set(times)) >= 4  # not a fixed timetable (7 uniform draws of 45 slots)


def test_the_seed_changes_the_times_and_repeats_them():
    first = solve(_daily_hotspot_request("greedy", seed=1))
    again = solve(_daily_hotspot_request("greedy", seed=1))
    other = solve(_daily_hotspot_request("greedy", seed=2))
    assert first.visits == again.visits
    assert first.visits != other.visits


def test_cpsat_with_one_worker_is_deterministic():
    request = replace(_daily_hotspot_request("cpsat", seed=5), num_workers=1, time_limit_s=5.0)
    first, again = solve(request), solve(request)
    assert first.status == "optimal" and first.visits == again.visits


# Coverage reasons and infeasible requests ------------------------------------------------


def _evening_request(spots, shifts, **options) -> ScheduleRequest:
    return ScheduleRequest(tuple(spots), tuple(shifts), (AUTUMN,), time_limit_s=2.0, **options)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_window_with_no_one_on_duty_says_so(solver):
    staffed = HotspotDemand("STAFFED", X0, Y0, (Window(at(AUTUMN, 18), at(AUTUMN, 20)),))
    empty = HotspotDemand("EMPTY", X0, Y0, (Window(at(AUTUMN, 3), at(AUTUMN, 4)),))
    shift = Shift("U1", at(AUTUMN, 15), at(AUTUMN, 23))
    schedule = solve(_evening_request([staffed, empty], [shift], solver=solver))
    rows = {h.hotspot_id: h for h in schedule.coverage.hotspots}
    assert rows["EMPTY"].reasons == (REASON_NO_DUTY,)
    assert rows["EMPTY"].scheduled_minutes == 0 and rows["EMPTY"].required_minutes == 15
    assert rows["STAFFED"].share == 1.0 and rows["STAFFED"].reasons == ()


@pytest.mark.parametrize("solver", SOLVERS)
def test_capacity_and_travel_reasons(solver):
    window = (Window(at(AUTUMN, 18), at(AUTUMN, 18, 15)),)
    a, b = HotspotDemand("A", X0, Y0, window), HotspotDemand("B", X0, Y0, window)
    # 30 km from the unit's base: 90 minutes each way, in a two-hour shift.
    far = HotspotDemand("FAR", X0 + 30_000, Y0, (Window(at(AUTUMN, 19), at(AUTUMN, 20)),))
    shift = Shift("U1", at(AUTUMN, 18), at(AUTUMN, 20), X0, Y0)
    schedule = solve(_evening_request([a, b, far], [shift], solver=solver))
    reasons = {h.hotspot_id: h.reasons for h in schedule.coverage.hotspots}
    assert sorted([reasons["A"], reasons["B"]]) == [(), (REASON_CAPACITY,)]
    assert reasons["FAR"] == (REASON_TRAVEL,)


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_shifts_gives_an_explanation_not_an_exception(solver):
    request = replace(generated_request(1, AUTUMN, solver), shifts=(), locked=())
    schedule = solve(request)
    assert schedule.status == "infeasible" and schedule.visits == ()
    assert any("no shifts" in line for line in schedule.explanation)
    assert {r for h in schedule.coverage.hotspots for r in h.reasons} == {REASON_NO_DUTY}
    assert schedule.coverage.share == 0.0
    assert dose_bound(request).feasible_minutes == 0


@pytest.mark.parametrize("solver", SOLVERS)
def test_windows_outside_the_week_give_an_explanation(solver):
    request = generated_request(1, AUTUMN, solver)
    request = replace(request, days=week(AUTUMN + timedelta(days=28)), locked=())
    schedule = solve(request)
    assert schedule.status == "infeasible" and schedule.visits == ()
    assert any("outside the planning days" in line for line in schedule.explanation)
    assert all(h.reasons == (REASON_NO_WINDOW,) for h in schedule.coverage.hotspots)
    assert schedule.coverage.required_minutes == 0 and schedule.patrol_days == {}


def test_malformed_input_raises():
    naive = HotspotDemand("N", X0, Y0, (Window(datetime(2026, 10, 19, 18), at(AUTUMN, 20)),))
    with pytest.raises(ValueError, match="naive"):
        solve(_evening_request([naive], []))
    with pytest.raises(ValueError, match="solver"):
        solve(_evening_request([], [], solver="magic"))


# DST: a 25-hour night holds one more visit than a 23-hour one ----------------------------


@pytest.mark.parametrize(("monday", "visits"), [(AUTUMN, 5), (SPRING, 4)])
def test_the_dst_night_has_its_real_length(monday, visits):
    saturday = week(monday)[5]
    # 22:00-03:00 is 6 real hours when the clocks go back and 4 when they go forward; a visit
    # and its 60-minute gap take 75 minutes, so 5 visits need 315 minutes.
    spot = HotspotDemand(
        "NTE", X0, Y0, (Window(at(saturday, 22), at(saturday, 27)),), visits_per_day=5
    )
    shift = Shift("U1", at(saturday, 21), at(saturday, 31))
    request = ScheduleRequest((spot,), (shift,), (saturday,), time_limit_s=2.0)
    schedule = solve(request)
    assert schedule.status == "optimal" and len(schedule.visits) == visits
    assert check(request, schedule) == independent_violations(request, schedule) == []
    day = schedule.coverage.hotspots[0].days[0]
    assert day.reason == (None if visits == 5 else REASON_NO_DUTY)


# Optimality -------------------------------------------------------------------------------


def _hand_request(far_weight: float, solver: str) -> ScheduleRequest:
    """One unit, 18:00-20:00, no base; 20 km/h is 333 m a minute, travel rounds up to 5 min.

    A (0 m) and B (2 km: 10 min) are open 18:00-19:00, C (0 m) 19:00-20:00, FAR (20 km: 60 min
    from A and C, 55 from B) 18:00-18:30. Either A, B and C (15 min travel gaps fit) or FAR then
    C (FAR 18:00, C from 19:15); FAR rules out A and B (60 minutes away, windows shut at 19:00).
    """
    day = AUTUMN + timedelta(days=3)
    spots = [
        HotspotDemand("A", X0, Y0, (Window(at(day, 18), at(day, 19)),)),
        HotspotDemand("B", X0 + 2000, Y0, (Window(at(day, 18), at(day, 19)),)),
        HotspotDemand("C", X0, Y0, (Window(at(day, 19), at(day, 20)),)),
        HotspotDemand(
            "FAR", X0 + 20_000, Y0, (Window(at(day, 18), at(day, 18, 30)),), harm_weight=far_weight
        ),
    ]
    shift = Shift("U1", at(day, 18), at(day, 20))
    return ScheduleRequest(tuple(spots), (shift,), (day,), solver=solver, time_limit_s=3.0)


@pytest.mark.parametrize(
    ("far_weight", "best", "harm"), [(2.5, {"FAR", "C"}, 3.5), (1.5, {"A", "B", "C"}, 3.0)]
)
def test_cpsat_finds_the_hand_computed_optimum(far_weight, best, harm):
    request = _hand_request(far_weight, "cpsat")
    schedule = solve(request)
    assert schedule.status == "optimal"
    assert {v.hotspot_id for v in schedule.visits} == best
    assert harm_minutes(schedule) == pytest.approx(harm * 15)
    assert check(request, schedule) == independent_violations(request, schedule) == []


def test_greedy_takes_the_heavy_far_hotspot_and_loses():
    schedule = solve(_hand_request(1.5, "greedy"))
    assert {v.hotspot_id for v in schedule.visits} == {"FAR", "C"}
    assert harm_minutes(schedule) == pytest.approx(2.5 * 15)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_cpsat_covers_at_least_as_much_as_greedy(seed):
    # Two units for nine hotspots: short of capacity, so the solvers differ.
    _, cpsat = solved(seed, AUTUMN, "cpsat", n_units=2)
    _, greedy = solved(seed, AUTUMN, "greedy", n_units=2)
    assert greedy.coverage.share < 1.0
    assert harm_minutes(cpsat) >= harm_minutes(greedy)
    assert (
        cpsat.coverage.scheduled_minutes
        <= dose_bound(generated_request(seed, AUTUMN, "cpsat", n_units=2)).feasible_minutes
    )


# The checker can fail ---------------------------------------------------------------------


def test_check_reports_each_broken_rule():
    request, day = _hand_request(1.5, "greedy"), AUTUMN + timedelta(days=3)
    schedule = solve(request)

    def visit(hotspot: str, hour: int, minute: int, length: int = 15, unit: str = "U1") -> Visit:
        start = at(day, hour, minute)
        return Visit(hotspot, unit, start, start + timedelta(minutes=length))

    valid = (visit("A", 18, 0), visit("B", 18, 25), visit("C", 19, 0))
    assert check(request, replace(schedule, visits=valid)) == []
    cases = {
        "double-booked": (visit("A", 18, 0), visit("B", 18, 10)),
        "lasts": (visit("A", 18, 0, length=20),),
        "outside the hotspot's windows": (visit("A", 17, 0),),
        "outside the unit's shifts": (visit("A", 18, 0, unit="U2"),),
        "travel": (visit("A", 18, 0), visit("B", 18, 20)),
        "min gap": (visit("A", 18, 0), visit("A", 18, 40)),
        "more visits than the dose": (visit("A", 18, 0), visit("A", 18, 40)),
    }
    for message, visits in cases.items():
        broken = replace(schedule, visits=visits)
        assert any(message in line for line in check(request, broken)), message
        assert independent_violations(request, broken), message
    no_patrol = replace(schedule, visits=valid, patrol_days={("A", day): False})
    assert any("no-patrol" in line for line in check(request, no_patrol))
    assert independent_violations(request, no_patrol)
    lock = LockedVisit("C", "U1", at(day, 19, 30), at(day, 19, 45))
    assert any("missing" in line for line in check(replace(request, locked=(lock,)), schedule))
