"""CP-SAT patrol model (OR-Tools).

* Slots: a hotspot-day needing n new visits has slots 0..n-1, each a start ``q`` on the time
  grid, present as a prefix and ordered with the min/max gap rules between neighbours.
* Duty blocks (``parts.py``): a unit's shifts, chained when closer than the longest trip.
  Each (slot, block) pair with room gets a presence literal and an optional fixed-size
  interval; at most one per slot. Travel from/to the base and to/from locked visits is exact:
  those starts are removed from the pair's domain.
* Travel between planned visits: per block a circuit over its pairs plus a depot (a vehicle
  route); arc i->j forces ``start_j >= end_i + travel(i, j)``; NoOverlap adds propagation.
* Objective, lexicographic in two solves: first maximise ``sum(harm * minutes * present)``
  (hinted with the greedy plan); then, with visits and units fixed, minimise
  ``sum(|q - target|)`` towards seeded random target times per slot (unpredictable times).

Stopping when done: a part's dose cannot exceed ``part_bound`` (each hotspot-day's missing
visits, capped by what fits in its windows while some unit is on duty with time to come from
and return to base, as in ``bounds.py``). A part whose greedy plan already reaches it is not
modelled at all; otherwise the bound is given to CP-SAT as a constraint on the dose and a
solution callback stops phase 1 at the first plan that reaches it.

One model per independent part of the week (``parts.py``). Models stay small by giving each
hotspot-day at most ``MAX_BLOCKS`` candidate blocks (nearest bases first, then seeded random),
plus the blocks of the greedy hint so that the hint stays feasible.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import permutations
from random import Random

from ortools.sat.python import cp_model

from .coverage import duty_possible
from .intervals import Span, merge
from .parts import Block, Grid, Part, duty_blocks, split
from .problem import HotspotDay, Placed, Problem, harm_minutes
from .types import UnitId

MAX_BLOCKS = 8
HARM_SCALE = 100  # harm weights are floats; CP-SAT needs integer coefficients
PHASE_ONE_SHARE = 0.75  # of a part's time, for dose; the rest randomises start times
# Timing needs a good spread, not a proof of optimality: cap phase 2 so that an easy week does
# not wait out the whole limit, but give it a floor (it may overrun the limit by that much).
MAX_PHASE_TWO_SHARE = 0.25
MIN_PHASE_TWO_S = 0.2
# Phase 2 rewards a start within this of its random target. A reward for being near, rather
# than a cost growing with the distance, leaves a visit that cannot reach its target where it
# was instead of pulling it to the edge of its range (the same edge every day).
NEAR_MINUTES = 10


@dataclass
class Node:
    """A (slot, block) pair: the block's unit may make the slot's visit."""

    slot: int
    block: int
    present: cp_model.IntVar
    lo: int  # earliest start, minutes after the origin
    hi: int  # latest start, minutes after the origin


@dataclass
class Slot:
    """The k-th new visit of a hotspot-day; ``q`` and ``target`` in grid steps; ``near``: the
    visit starts within ``NEAR_MINUTES`` of its target."""

    hd: HotspotDay
    k: int
    q: cp_model.IntVar
    present: cp_model.IntVar
    target: int
    near: cp_model.IntVar
    nodes: dict[int, int] = field(default_factory=dict)  # block -> node index


def slot_weight(hd: HotspotDay) -> int:
    """A visit's integer dose coefficient in the CP-SAT objective."""
    return round(hd.weight * HARM_SCALE) * hd.duration


def part_bound(problem: Problem, part: Part) -> int:
    """An upper bound on a part's objective: every hotspot-day gets the missing visits that
    fit in its on-duty window time (``coverage.duty_possible``), none more."""
    return sum(
        slot_weight(hd)
        * min(hd.needed, max(0, duty_possible(problem, hd, True) - hd.counted_locked))
        for hd in part.days
    )


def plan_score(problem: Problem, plan: list[Placed]) -> int:
    """A plan's value in the objective's integer units (comparable with ``part_bound``)."""
    return sum(slot_weight(problem.days[p.hd]) for p in plan)


class StopAtBound(cp_model.CpSolverSolutionCallback):
    """Stops the search at the first solution whose objective reaches ``bound``."""

    def __init__(self, bound: int) -> None:
        super().__init__()
        self.bound = bound
        self.reached = False

    def on_solution_callback(self) -> None:
        if self.objective_value >= self.bound:
            self.reached = True
            self.stop_search()


def _random_point(rng: Random, union: list[Span]) -> int:
    """A uniform random integer from disjoint half-open ranges."""
    pick = rng.randrange(sum(hi - lo for lo, hi in union))
    for lo, hi in union:
        if pick < hi - lo:
            return lo + pick
        pick -= hi - lo
    raise AssertionError("unreachable")


class PatrolModel:
    """Builds, hints, solves and reads back the CP-SAT model of a compiled problem."""

    def __init__(
        self,
        problem: Problem,
        blocks: list[Block],
        grid: Grid,
        part: Part,
        hint: list[Placed],
        bound: int | None = None,
    ) -> None:
        self.problem, self.blocks, self.part = problem, blocks, part
        self.bound = part_bound(problem, part) if bound is None else bound
        self.stopped_at_bound = False
        self.origin, self.step = grid.origin, grid.step
        self.model = cp_model.CpModel()
        # Seeded per part so that a part's targets do not depend on the parts before it.
        first = min(hd.index for hd in part.days)
        self.rng = Random(f"cpsat:{problem.request.seed}:{first}")
        self.slots: list[Slot] = []
        self.nodes: list[Node] = []
        self.block_nodes: dict[int, list[int]] = defaultdict(list)
        self.arcs: dict[int, dict[tuple[int, int], cp_model.IntVar]] = {}
        hint_blocks: dict[int, set[int]] = defaultdict(set)
        for visit in hint:
            hint_blocks[visit.hd].add(self._block_of(visit.unit, visit.start))
        for hd in part.days:
            self._add_hotspot_day(hd, hint_blocks[hd.index])
        for block in self.block_nodes:
            self._add_route(block)
        self._add_objective()
        self._add_hint(hint)

    def _block_of(self, unit: UnitId, minute: int) -> int:
        return next(i for i, b in enumerate(self.blocks) if b.unit == unit and b.holds(minute))

    def _candidates(self, hd: HotspotDay, hinted: set[int]) -> dict[int, list[Span]]:
        """Blocks able to serve ``hd``: the hinted ones and the nearest others up to the cap."""
        domains = self.part.domains[hd.index]

        def distance(i: int) -> float:
            base = self.blocks[i].duties[0].base
            spot = self.problem.hotspots[hd.hotspot]
            return 0.0 if base is None else math.hypot(spot.x - base[0], spot.y - base[1])

        ranked = sorted(domains, key=lambda i: (i not in hinted, distance(i), self.rng.random()))
        return {i: domains[i] for i in ranked[: max(MAX_BLOCKS, len(hinted))]}

    def _add_hotspot_day(self, hd: HotspotDay, hinted: set[int]) -> None:
        candidates = self._candidates(hd, hinted)
        if not candidates:
            return
        union = merge([(lo, hi + 1) for dom in candidates.values() for lo, hi in dom])
        domain = cp_model.Domain.from_intervals([[lo, hi - 1] for lo, hi in union])
        previous: Slot | None = None
        for k in range(hd.needed):
            slot = self._new_slot(hd, k, domain, union)
            for block, dom in candidates.items():
                self._add_node(slot, block, dom, dom == [(lo, hi - 1) for lo, hi in union])
            self.model.add(slot.present == sum(self.nodes[i].present for i in slot.nodes.values()))
            if previous is not None:
                self._chain(previous, slot)
            previous = slot

    def _new_slot(self, hd: HotspotDay, k: int, domain: cp_model.Domain, union: list[Span]) -> Slot:
        """Slot ``k`` of ``hd``: its start on the grid (half-open ``union``), a seeded random
        target start and the distance to it."""
        m, name = self.model, f"h{hd.index}k{k}"
        target = _random_point(self.rng, union)
        q = m.new_int_var_from_domain(domain, f"q{name}")
        slot = Slot(hd, k, q, m.new_bool_var(f"on{name}"), target, m.new_bool_var(f"near{name}"))
        reach = NEAR_MINUTES // self.step
        m.add_linear_constraint(q, target - reach, target + reach).only_enforce_if(slot.near)
        self.slots.append(slot)
        return slot

    def _add_node(self, slot: Slot, block: int, dom: list[Span], whole: bool) -> None:
        m = self.model
        present = m.new_bool_var(f"p{slot.hd.index}k{slot.k}b{block}")
        if not whole:
            m.add_linear_expression_in_domain(
                slot.q, cp_model.Domain.from_intervals([list(r) for r in dom])
            ).only_enforce_if(present)
        slot.nodes[block] = len(self.nodes)
        self.block_nodes[block].append(len(self.nodes))
        self.nodes.append(
            Node(len(self.slots) - 1, block, present, dom[0][0] * self.step, dom[-1][1] * self.step)
        )

    def _chain(self, before: Slot, after: Slot) -> None:
        """Slot k+1 exists only after slot k, and keeps the gap rules after it."""
        m, hd = self.model, after.hd
        m.add_implication(after.present, before.present)
        gap = self.step * (after.q - before.q) - hd.duration
        m.add(gap >= hd.min_gap).only_enforce_if(after.present)
        if hd.max_gap is not None:
            m.add(gap <= hd.max_gap).only_enforce_if(after.present)

    def _add_route(self, block: int) -> None:
        """One vehicle route per block: a circuit through a depot (0) and the block's nodes."""
        m, members = self.model, self.block_nodes[block]
        lits = {(0, 0): m.new_bool_var(f"idle{block}")}
        for pos in range(1, len(members) + 1):
            lits[(0, pos)], lits[(pos, 0)] = m.new_bool_var(""), m.new_bool_var("")
        for (a_pos, a), (b_pos, b) in permutations(enumerate(members, start=1), 2):
            lit = self._arc(a, b)
            if lit is not None:
                lits[(a_pos, b_pos)] = lit
        skips = [(pos, pos, ~self.nodes[i].present) for pos, i in enumerate(members, start=1)]
        m.add_circuit(skips + [(a, b, lit) for (a, b), lit in lits.items()])
        m.add_no_overlap([self._interval(i) for i in members])
        self.arcs[block] = lits

    def _arc(self, a: int, b: int) -> cp_model.IntVar | None:
        """Literal of "node b next after node a", forcing the travel time; None if impossible."""
        na, nb = self.nodes[a], self.nodes[b]
        sa, sb = self.slots[na.slot], self.slots[nb.slot]
        if sa.hd is sb.hd and sa.k >= sb.k:
            return None  # slots of a hotspot-day are ordered
        wait = sa.hd.duration + self.problem.travel(sa.hd.hotspot, sb.hd.hotspot)
        if na.lo + wait > nb.hi:
            return None
        lit = self.model.new_bool_var("")
        self.model.add(self.step * (sb.q - sa.q) >= wait).only_enforce_if(lit)
        return lit

    def _interval(self, i: int) -> cp_model.IntervalVar:
        slot = self.slots[self.nodes[i].slot]
        return self.model.new_optional_fixed_size_interval_var(
            self.step * slot.q, slot.hd.duration, self.nodes[i].present, ""
        )

    def _add_objective(self) -> None:
        """Dose (phase 1) and unpredictability (phase 2) as separate expressions."""
        self.dose = sum(
            slot_weight(slot.hd) * self.nodes[i].present
            for slot in self.slots
            for i in slot.nodes.values()
        )
        self.hits = sum(slot.near for slot in self.slots)
        # Redundant for any plan, but it hands CP-SAT the bound: reaching it proves optimality.
        if self.slots:
            self.model.add(self.dose <= self.bound)
        self.model.maximize(self.dose)

    def _add_hint(self, hint: list[Placed]) -> None:
        """Hint every variable with the greedy plan so CP-SAT starts from it."""
        by_hd: dict[int, list[Placed]] = defaultdict(list)
        for placed in sorted(hint, key=lambda v: v.start):
            by_hd[placed.hd].append(placed)
        route: dict[int, list[tuple[int, int]]] = defaultdict(list)  # block -> (start, node)
        for slot in self.slots:
            visits: list[Placed | None] = [*by_hd[slot.hd.index], None]
            visit = visits[min(slot.k, len(visits) - 1)]
            q = (visit.start - self.origin) // self.step if visit else slot.target
            self.model.add_hint(slot.q, q)
            self.model.add_hint(slot.present, visit is not None)
            self.model.add_hint(slot.near, abs(q - slot.target) <= NEAR_MINUTES // self.step)
            if visit is not None:
                block = self._block_of(visit.unit, visit.start)
                route[block].append((visit.start, slot.nodes[block]))
        chosen = {i for stops in route.values() for _, i in stops}
        for i, node in enumerate(self.nodes):
            self.model.add_hint(node.present, i in chosen)
        for block, lits in self.arcs.items():
            pos = {i: p for p, i in enumerate(self.block_nodes[block], start=1)}
            stops = [0, *(pos[i] for _, i in sorted(route[block])), 0]
            used = set(zip(stops, stops[1:], strict=False))
            for key, lit in lits.items():
                self.model.add_hint(lit, key in used)

    def _solver(self, seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(seconds, 0.05)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        # Probing in presolve costs seconds on week-sized models and delays the first solution.
        solver.parameters.cp_model_probing_level = 0
        return solver

    def _randomise_times(self, first: cp_model.CpSolver, solver: cp_model.CpSolver) -> bool:
        """Phase 2: keep phase 1's visits (not their units) and move starts to random targets.

        Units stay free: fixed to phase 1's, a visit often sits at the edge of its unit's
        shift every day (e.g. just before an early shift ends), a timetable in all but name.
        A visit that cannot reach its target is rewarded (half as much) for keeping its phase
        1 start; left free it would go to the solver's favourite value, the earliest start.
        """
        m, solution, stays = self.model, list(first.response_proto.solution), []
        for slot in self.slots:
            present = first.boolean_value(slot.present)
            m.add(slot.present == present)
            if present:
                stays.append(m.new_bool_var(""))
                m.add(slot.q == first.value(slot.q)).only_enforce_if(stays[-1])
        m.clear_objective()
        m.maximize(2 * self.hits + sum(stays))
        m.clear_hints()
        m.proto.solution_hint.vars.extend(range(len(solution)))
        m.proto.solution_hint.values.extend(solution)
        for stay in stays:
            m.add_hint(stay, True)
        return solver.solve(m) in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    def solve(self, seconds: float, workers: int, seed: int) -> tuple[str | None, list[Placed]]:
        """Maximise dose, then randomise start times within the remaining time.

        Returns "optimal" (dose proven maximal) or "feasible", or None when CP-SAT found no
        plan, with the plan. Lexicographic in two solves: one weighted objective made the
        search spend its time on the cheap timing term instead of dose.
        """
        began = time.perf_counter()
        solver = self._solver(seconds * PHASE_ONE_SHARE, workers, seed)
        stop = StopAtBound(self.bound)
        status = solver.solve(self.model, stop)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, []
        self.stopped_at_bound = stop.reached
        name = "optimal" if status == cp_model.OPTIMAL or stop.reached else "feasible"
        # Phase 2 always runs: without it start times drift to the edges of their ranges.
        left = min(seconds - (time.perf_counter() - began), seconds * MAX_PHASE_TWO_SHARE)
        second = self._solver(max(left, MIN_PHASE_TWO_S), workers, seed)
        if self._randomise_times(solver, second):
            solver = second
        return name, self._plan(solver)

    def _plan(self, solver: cp_model.CpSolver) -> list[Placed]:
        plan = []
        for slot in self.slots:
            for block, i in slot.nodes.items():
                if solver.boolean_value(self.nodes[i].present):
                    start = self.origin + self.step * solver.value(slot.q)
                    plan.append(
                        Placed(
                            slot.hd.index, self.blocks[block].unit, start, start + slot.hd.duration
                        )
                    )
        return plan


def solve_cpsat(
    problem: Problem, greedy: list[Placed], seconds: float
) -> tuple[str | None, list[Placed]]:
    """CP-SAT part by part within ``seconds``: "optimal" only if every part proved optimal,
    None if CP-SAT found nothing anywhere (the plan is then the greedy one).

    Parts go smallest first, each with the mean of an equal and a size-proportional share of
    the time left (every part pays a fixed presolve cost), so time a small part does not need
    passes on; this searched far better than one week-sized model. A part whose CP-SAT plan
    is missing or below its greedy visits keeps the greedy visits. A part whose greedy visits
    reach ``part_bound`` is not modelled: it is optimal as it is.
    """
    deadline = time.perf_counter() + seconds
    blocks = duty_blocks(problem)
    origin = min((hd.windows[0][0] for hd in problem.days), default=0)
    grid = Grid(origin - origin % problem.step, problem.step)
    parts = split(problem, blocks, grid)
    todo, statuses, plan = sum(p.size for p in parts), [], []
    workers, seed = problem.request.num_workers, problem.request.seed
    for position, part in enumerate(parts):
        began = time.perf_counter()
        fraction = (part.size / max(todo, 1) + 1 / (len(parts) - position)) / 2
        share = (deadline - began) * fraction
        todo -= part.size
        mine = {hd.index for hd in part.days}
        hint = [v for v in greedy if v.hd in mine]
        bound = part_bound(problem, part)
        if plan_score(problem, hint) >= bound:
            statuses.append("optimal")  # the greedy plan already delivers all it can
            plan += hint
            continue
        model = PatrolModel(problem, blocks, grid, part, hint, bound)
        status, found = model.solve(share - (time.perf_counter() - began), workers, seed)
        keep = status is not None and harm_minutes(problem, found) >= harm_minutes(problem, hint)
        statuses.append(status if keep else None)
        plan += found if keep else hint
    if statuses and all(s is None for s in statuses):
        return None, greedy
    return ("optimal" if all(s == "optimal" for s in statuses) else "feasible"), plan
