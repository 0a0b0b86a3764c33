"""Validate a schedule against its request: every violated rule as a readable sentence.

Locked visits are the manager's decisions: they must come back unchanged, but rules between
two locked visits, or about a locked visit's own window or shift, are not reported.
"""

from __future__ import annotations

from collections import defaultdict

from .problem import Problem, compile_problem, minute_of
from .types import Schedule, ScheduleRequest, UnitId, Visit


def _label(visit: Visit) -> str:
    return f"visit to {visit.hotspot_id} by {visit.unit_id} at {visit.start.isoformat()}"


def _check_locked(request: ScheduleRequest, schedule: Schedule) -> list[str]:
    kept = [(v.hotspot_id, v.unit_id, v.start, v.end) for v in schedule.visits if v.locked]
    wanted = [(lock.hotspot_id, lock.unit_id, lock.start, lock.end) for lock in request.locked]
    errors = [f"locked visit {w} is missing or changed" for w in wanted if w not in kept]
    errors += [f"visit {k} is marked locked but was not locked" for k in kept if k not in wanted]
    return errors


def _check_visit(problem: Problem, schedule: Schedule, visit: Visit) -> list[str]:
    """Rules of one planned visit alone: length, window, patrol day, shift."""
    index = problem.index
    if visit.start.tzinfo is None or visit.end.tzinfo is None:
        return [f"{_label(visit)}: naive datetime"]
    if visit.hotspot_id not in index:
        return [f"{_label(visit)}: unknown hotspot"]
    h, start, end = index[visit.hotspot_id], minute_of(visit.start), minute_of(visit.end)
    errors = []
    if end - start != problem.hotspots[h].minutes_per_visit:
        errors.append(f"{_label(visit)}: lasts {end - start} min, not the visit length")
    hd = problem.day_of(h, start, end)
    if hd is None:
        errors.append(f"{_label(visit)}: outside the hotspot's windows on the planning days")
    elif not schedule.patrol_days.get((visit.hotspot_id, hd.day), True):
        errors.append(f"{_label(visit)}: on a crossover no-patrol day")
    if problem.duty_for(visit.unit_id, start, end, h) is None:
        errors.append(f"{_label(visit)}: outside the unit's shifts (with travel to/from base)")
    return errors


def _check_units(problem: Problem, visits: tuple[Visit, ...]) -> list[str]:
    """No unit is double-booked, and consecutive visits leave the travel time between them.

    Works in UTC minutes: aware datetimes sharing a tzinfo compare by wall clock, which is wrong
    in the hour repeated when the clocks go back.
    """
    by_unit: dict[UnitId, list[tuple[int, int, Visit]]] = defaultdict(list)
    for v in visits:
        by_unit[v.unit_id].append((minute_of(v.start), minute_of(v.end), v))
    errors = []
    for unit_visits in by_unit.values():
        unit_visits.sort(key=lambda item: item[:2])
        last_end, last = unit_visits[0][1], unit_visits[0][2]
        for start, end, visit in unit_visits[1:]:
            if not (last.locked and visit.locked):
                travel = problem.travel(
                    problem.index.get(last.hotspot_id), problem.index.get(visit.hotspot_id)
                )
                if start < last_end:
                    errors.append(f"{_label(visit)}: unit double-booked with {_label(last)}")
                elif start - last_end < travel:
                    errors.append(f"{_label(visit)}: {travel} min travel from {_label(last)}")
            if end >= last_end:
                last_end, last = end, visit
    return errors


def _check_hotspot_days(problem: Problem, visits: tuple[Visit, ...]) -> list[str]:
    """Gap rules and the dose cap on each hotspot-day."""
    index = problem.index
    new: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for v in visits:
        start, end = minute_of(v.start), minute_of(v.end)
        hd = problem.day_of(index[v.hotspot_id], start, end) if v.hotspot_id in index else None
        if hd is not None and not v.locked:
            new[hd.index].append((start, end))
    errors = []
    for hd in problem.days:
        spot = problem.hotspots[hd.hotspot].hotspot_id
        planned = sorted(new[hd.index])
        both = sorted([(s, e, False) for s, e in planned] + [(s, e, True) for s, e in hd.locked])
        for (_, end, lock_a), (start, _, lock_b) in zip(both, both[1:], strict=False):
            if not (lock_a and lock_b) and start - end < hd.min_gap:
                errors.append(f"{spot} on {hd.day}: visits {start - end} min apart, min gap")
        for (_, end), (start, _) in zip(planned, planned[1:], strict=False):
            if hd.max_gap is not None and start - end > hd.max_gap:
                errors.append(f"{spot} on {hd.day}: visits {start - end} min apart, max gap")
        if len(planned) + hd.counted_locked > hd.visits_per_day and planned:
            errors.append(f"{spot} on {hd.day}: more visits than the dose")
    return errors


def check(request: ScheduleRequest, schedule: Schedule) -> list[str]:
    """Every constraint the schedule breaks, as sentences; empty when the plan is valid."""
    problem = compile_problem(request)
    errors = _check_locked(request, schedule)
    for visit in schedule.visits:
        if not visit.locked:
            errors += _check_visit(problem, schedule, visit)
    aware = tuple(v for v in schedule.visits if v.start.tzinfo and v.end.tzinfo)
    errors += _check_units(problem, aware)
    errors += _check_hotspot_days(problem, aware)
    return errors
