"""Dose accounting (minutes) and the reason behind every unmet hotspot-day.

A hotspot-day's delivered dose counts its planned visits plus locked visits that lie inside
its windows and last at least ``minutes_per_visit``, capped at ``visits_per_day``. Reasons,
tried in order:

1. "crossover: no-patrol day" - the crossover draw left the day unpatrolled;
2. "no one on duty in the window" - even a free unit on every duty overlapping the windows
   could not fit more visits (gaps respected, base travel and other work ignored);
3. "travel" - a unit is free at a fitting time but cannot get there (would fit with free travel);
4. "capacity" - every unit on duty then is busy.
"""

from __future__ import annotations

from collections import Counter

from .greedy import PlanState, best_unit
from .intervals import Span, grid_points, pack_count, remove_open
from .problem import HotspotDay, Placed, Problem
from .timeline import gap_ok
from .types import (
    REASON_CAPACITY,
    REASON_CROSSOVER,
    REASON_NO_DUTY,
    REASON_NO_WINDOW,
    REASON_TRAVEL,
    Coverage,
    DayCoverage,
    HotspotCoverage,
)


def on_duty_starts(problem: Problem, hd: HotspotDay, base_travel: bool = False) -> list[Span]:
    """Inclusive start minutes inside a window while some unit is on duty (optionally leaving
    time to come from and return to its base), away from locked visits by the minimum gap."""
    ranges = []
    for duties in problem.duties.values():
        for duty in duties:
            travel = problem.base_travel(duty, hd.hotspot) if base_travel else 0
            for ws, we in hd.windows:
                lo, hi = max(ws, duty.start + travel), min(we, duty.end - travel) - hd.duration
                if lo <= hi:
                    ranges.append((lo, hi))
    for lo, hi in hd.locked:
        ranges = remove_open(ranges, lo - hd.min_gap - hd.duration, hi + hd.min_gap)
    return ranges


def duty_possible(problem: Problem, hd: HotspotDay, base_travel: bool = False) -> int:
    """Most visits the day could get from on-duty time alone (locked dose included)."""
    ranges = on_duty_starts(problem, hd, base_travel)
    packed = pack_count(ranges, hd.duration, hd.min_gap, problem.step)
    return min(hd.visits_per_day, hd.counted_locked + packed)


def _fits_without_travel(free: PlanState, hd: HotspotDay) -> bool:
    problem = free.problem
    units = problem.units_for(hd)
    for start in grid_points(on_duty_starts(problem, hd), problem.step):
        if gap_ok(hd, start, free.new_starts[hd.index]) and best_unit(
            free, hd, start, units, base_travel=False
        ):
            return True
    return False


def _reason(problem: Problem, hd: HotspotDay, delivered: int, free: PlanState) -> str:
    if not hd.patrol:
        return REASON_CROSSOVER
    if duty_possible(problem, hd) <= delivered:
        return REASON_NO_DUTY
    return REASON_TRAVEL if _fits_without_travel(free, hd) else REASON_CAPACITY


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _day_rows(problem: Problem, placed: list[Placed]) -> list[DayCoverage]:
    counts = Counter(p.hd for p in placed)
    free = PlanState(problem, travel=lambda a, b: 0).add_all(placed)
    rows = []
    for hd in problem.days:
        delivered = min(hd.visits_per_day, hd.counted_locked + counts[hd.index])
        required = hd.visits_per_day * hd.duration
        reason = None
        if delivered < hd.visits_per_day:
            reason = _reason(problem, hd, delivered, free)
        rows.append(
            DayCoverage(
                hotspot_id=problem.hotspots[hd.hotspot].hotspot_id,
                day=hd.day,
                required_minutes=required,
                scheduled_minutes=delivered * hd.duration,
                share=_share(delivered, hd.visits_per_day),
                patrol_day=hd.patrol,
                reason=reason,
            )
        )
    return rows


def build_coverage(problem: Problem, placed: list[Placed]) -> Coverage:
    """Per hotspot-day, per hotspot and overall dose of a plan of new visits."""
    rows = _day_rows(problem, placed)
    spots = []
    for spot in problem.hotspots:
        days = tuple(r for r in rows if r.hotspot_id == spot.hotspot_id)
        required = sum(r.required_minutes for r in days)
        scheduled = sum(r.scheduled_minutes for r in days)
        reasons = tuple(dict.fromkeys(r.reason for r in days if r.reason)) or (
            () if days else (REASON_NO_WINDOW,)
        )
        spots.append(
            HotspotCoverage(
                hotspot_id=spot.hotspot_id,
                harm_weight=spot.harm_weight,
                required_minutes=required,
                scheduled_minutes=scheduled,
                share=_share(scheduled, required),
                reasons=reasons,
                days=days,
            )
        )
    required = sum(s.required_minutes for s in spots)
    scheduled = sum(s.scheduled_minutes for s in spots)
    patrol = [r for r in rows if r.patrol_day]
    return Coverage(
        hotspots=tuple(spots),
        required_minutes=required,
        scheduled_minutes=scheduled,
        share=_share(scheduled, required),
        harm_weighted_share=_share(
            sum(s.harm_weight * s.scheduled_minutes for s in spots),
            sum(s.harm_weight * s.required_minutes for s in spots),
        ),
        patrol_day_share=_share(
            sum(r.scheduled_minutes for r in patrol), sum(r.required_minutes for r in patrol)
        ),
    )
