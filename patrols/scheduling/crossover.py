"""Daily crossover: each day, about half of the active hotspots are patrol days.

The draw is seeded and balanced two ways: on every day the patrol hotspots are half of those
active (odd counts round up or down at random), and across days each hotspot is picked
preferentially when it has had fewer patrol days than half of its active days so far, so
that every hotspot contributes both patrol and no-patrol days to a within-hotspot comparison.
A hotspot-day holding a locked visit is always a patrol day (the manager already sent a unit).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from random import Random
from typing import Protocol


class _Day(Protocol):
    index: int
    hotspot: int
    day: date


def assign_patrol_days(days: Iterable[_Day], forced: set[int], seed: int) -> dict[int, bool]:
    """Map hotspot-day index to True (patrol) or False (no patrol)."""
    rng = Random(f"crossover:{seed}")
    by_date: dict[date, list[_Day]] = defaultdict(list)
    for hd in days:
        by_date[hd.day].append(hd)
    patrolled: Counter[int] = Counter()
    active: Counter[int] = Counter()
    out: dict[int, bool] = {}
    for day in sorted(by_date):
        todays = by_date[day]
        quota = len(todays) // 2 + (len(todays) % 2 and rng.random() < 0.5)
        # Forced days first, then the hotspots furthest behind their half, ties at random.
        ranked = sorted(
            todays,
            key=lambda hd: (
                hd.index not in forced,
                patrolled[hd.hotspot] - active[hd.hotspot] / 2,
                rng.random(),
            ),
        )
        for rank, hd in enumerate(ranked):
            out[hd.index] = rank < quota or hd.index in forced
            patrolled[hd.hotspot] += out[hd.index]
            active[hd.hotspot] += 1
    return out
