"""Split the CP-SAT work into independent parts (no CP-SAT here: pure bookkeeping).

Hotspot-days and duty blocks (a unit's shifts chained when closer in time than the longest
trip) form a bipartite graph: an edge where the block's unit can visit the day. Connected
components share no unit time and no hotspot-day, so their plans combine freely. A week
usually falls apart into a few parts per day. Times are absolute UTC minutes; grid domains
are integer steps after ``Grid.origin``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .intervals import Span, merge, remove_open
from .problem import Duty, HotspotDay, Problem
from .types import UnitId


@dataclass(frozen=True)
class Block:
    """Shifts of one unit close enough in time that travel between them matters."""

    unit: UnitId
    duties: tuple[Duty, ...]

    def holds(self, minute: int) -> bool:
        return any(d.start <= minute < d.end for d in self.duties)

    def overlaps(self, hd: HotspotDay) -> bool:
        return any(d.start < we and ws < d.end for d in self.duties for ws, we in hd.windows)


def duty_blocks(problem: Problem) -> list[Block]:
    """Split each unit's duties where the break is at least the longest trip."""
    blocks = []
    for unit, duties in problem.duties.items():
        chain: list[Duty] = []
        for duty in duties:
            if chain and duty.start - max(d.end for d in chain) >= problem.max_travel:
                blocks.append(Block(unit, tuple(chain)))
                chain = []
            chain.append(duty)
        if chain:
            blocks.append(Block(unit, tuple(chain)))
    return blocks


@dataclass(frozen=True)
class Grid:
    """Visit starts as integer steps after ``origin`` (an absolute UTC minute on the grid)."""

    origin: int
    step: int

    def of(self, ranges: list[Span]) -> list[Span]:
        """Inclusive minute ranges to inclusive step ranges."""
        out = []
        for lo, hi in merge([(a, b + 1) for a, b in ranges]):
            q_lo = -(-(lo - self.origin) // self.step)
            q_hi = (hi - 1 - self.origin) // self.step
            if q_lo <= q_hi:
                out.append((q_lo, q_hi))
        return out


def block_domain(problem: Problem, grid: Grid, hd: HotspotDay, block: Block) -> list[Span]:
    """Grid starts at which the block's unit can visit ``hd``: inside a window and a shift with
    travel from and back to base, clear of the unit's locked visits by the travel time, and of
    the day's locked visits by the minimum gap."""
    h = hd.hotspot
    ranges = [span for duty in block.duties for span in problem.start_ranges(hd, duty)]
    for b in problem.bookings.get(block.unit, ()):
        lo = b.start - problem.travel(h, b.hotspot) - hd.duration
        ranges = remove_open(ranges, lo, b.end + problem.travel(b.hotspot, h))
    for lo, hi in hd.locked:
        ranges = remove_open(ranges, lo - hd.min_gap - hd.duration, hi + hd.min_gap)
    return grid.of(ranges)


@dataclass
class Part:
    """Hotspot-days and, per day, the blocks able to serve it with their grid start ranges."""

    days: list[HotspotDay]
    domains: dict[int, dict[int, list[Span]]]

    @property
    def size(self) -> int:
        return sum(len(self.domains[hd.index]) * hd.needed for hd in self.days)


def split(problem: Problem, blocks: list[Block], grid: Grid) -> list[Part]:
    """Connected components of the day-block graph, smallest first."""
    parent: dict[object, object] = {}

    def root(x: object) -> object:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]  # type: ignore[index]
            x = parent[x]
        return x

    domains: dict[int, dict[int, list[Span]]] = {}
    for hd in (d for d in problem.days if d.needed):
        options = {
            i: block_domain(problem, grid, hd, b) for i, b in enumerate(blocks) if b.overlaps(hd)
        }
        domains[hd.index] = {i: dom for i, dom in options.items() if dom}
        for i in domains[hd.index]:
            parent[root(("day", hd.index))] = root(("block", i))
    groups: dict[object, list[HotspotDay]] = defaultdict(list)
    for index, options in domains.items():
        if options:
            groups[root(("day", index))].append(problem.days[index])
    parts = [Part(days, {hd.index: domains[hd.index] for hd in days}) for days in groups.values()]
    return sorted(parts, key=lambda part: part.size)
