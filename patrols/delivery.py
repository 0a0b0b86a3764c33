"""Planned and delivered patrol minutes: the one definition that every page, API, export and
report reads (the plan page, the dose API, the manager's home card, the evaluation's headline
and dose–response, the funder returns and the legitimacy guardrails).

*Planned* is the length of every assignment that is not cancelled.

*Delivered* is counted per visit logged on a tablet, planned or ad hoc:

- ``gps``: the minutes inside the hotspot measured from the visit's GPS fixes by the rules of
  :mod:`patrols.dosage` (accuracy circle overlapping the hotspot buffered by
  ``DOSE_TOLERANCE_M``, fixes worse than 100 m unusable, gaps over ``DOSE_MAX_GAP_S`` unknown),
  stored on the visit by ``patrols.services.visits.visit_dose_refresh``. A visit counts as
  measured when its fixes placed at least some of its time (inside or outside); the rest of
  it, with no usable position, is not counted.
- ``logged``: when the fixes placed none of the visit's time (no fixes, or none usable), the
  visit's logged length counts instead, marked "not verified by GPS".
- ``passive``: minutes inside hotspots from imported vehicle or radio location pings, per
  (hotspot, officer, local day). See :func:`_passive_minutes`, the one place a further source
  is added: only the part of a cell's passive minutes beyond what that officer's visits
  already delivered there that day counts, so a patrol seen by both is never counted twice.

Days are local days (settings.TIME_ZONE): an assignment's day is that of its start, a visit's
that of its start.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from hotspots.models import Hotspot
from patrols.dosage import BANDS, koper_band
from patrols.models import OfficerProfile, PatrolAssignment, PatrolPlan, PatrolVisit, PlanHotspot

GPS = "gps"
LOGGED = "logged"
PASSIVE = "passive"
SOURCES = (GPS, LOGGED, PASSIVE)
SOURCE_LABELS = {
    GPS: "measured by GPS",
    LOGGED: "not verified by GPS",
    PASSIVE: "from location pings",
}
OUTCOMES = PatrolVisit.ACTIVITY_FIELDS
GROUPS = ("hotspot", "day", "officer", "team", "assignment")
AD_HOC = "ad hoc"
# A visit whose fixes placed less than this many seconds of it is treated as unmeasured
# (float rounding of "all unknown" must not read as a measured visit).
_MEASURED_EPSILON_MIN = 1 / 600


@dataclass(frozen=True)
class Scope:
    """What to count: a plan (its assignments, and ad hoc visits at its hotspots during its
    days) or local days `first_day`..`last_day` optionally narrowed to hotspots and a force
    (assignments of published plans and every visit in those days)."""

    first_day: dt.date
    last_day: dt.date
    plan_id: int | None = None
    hotspot_ids: tuple[int, ...] | None = None
    force_id: int | None = None

    @classmethod
    def of_plan(cls, plan: PatrolPlan) -> Scope:
        return cls(plan.first_day, plan.last_day, plan_id=plan.pk)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Local midnight at the start of the first day and after the last."""
        zone = timezone.get_default_timezone()
        start = dt.datetime.combine(self.first_day, dt.time.min, zone)
        return start, dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time.min, zone)


@dataclass(frozen=True)
class Planned:
    """One assignment that is not cancelled."""

    assignment_id: int
    hotspot_id: int
    officer_id: int
    team_id: int | None
    day: dt.date
    minutes: float
    status: str


@dataclass(frozen=True)
class Contribution:
    """Delivered minutes from one source: a visit (gps or logged) or a passive cell."""

    hotspot_id: int
    officer_id: int
    team_id: int | None
    day: dt.date
    minutes: float
    source: str
    assignment_id: int | None = None
    visit_id: int | None = None
    outcomes: Mapping[str, int] = field(default_factory=dict)

    @property
    def is_visit(self) -> bool:
        return self.visit_id is not None


@dataclass
class Row:
    """Planned against delivered for one group (or the total)."""

    key: str
    label: str
    planned_minutes: float = 0.0
    delivered_minutes: float = 0.0
    minutes_by_source: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0.0))
    assignments: int = 0
    done: int = 0
    missed: int = 0
    visits: int = 0
    ad_hoc_visits: int = 0
    verified_visits: int = 0
    band_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BANDS, 0))
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    @property
    def verified_minutes(self) -> float:
        """Delivered minutes measured by a location source (GPS or passive pings)."""
        return self.minutes_by_source[GPS] + self.minutes_by_source[PASSIVE]

    @property
    def unverified_minutes(self) -> float:
        return self.minutes_by_source[LOGGED]

    @property
    def minutes_inside(self) -> float:
        """Minutes inside measured from visits' GPS fixes."""
        return self.minutes_by_source[GPS]

    @property
    def planned_hours(self) -> float:
        return self.planned_minutes / 60

    @property
    def delivered_hours(self) -> float:
        return self.delivered_minutes / 60

    @property
    def verified_hours(self) -> float:
        return self.verified_minutes / 60

    @property
    def unverified_hours(self) -> float:
        return self.unverified_minutes / 60

    @property
    def delivered_share(self) -> float | None:
        return self.delivered_minutes / self.planned_minutes if self.planned_minutes else None

    def add_planned(self, item: Planned) -> None:
        self.planned_minutes += item.minutes
        self.assignments += 1
        self.done += item.status == PatrolAssignment.Status.DONE
        self.missed += item.status == PatrolAssignment.Status.MISSED

    def add_delivered(self, item: Contribution) -> None:
        self.delivered_minutes += item.minutes
        self.minutes_by_source[item.source] += item.minutes
        if not item.is_visit:
            return
        self.visits += 1
        self.ad_hoc_visits += item.assignment_id is None
        self.verified_visits += item.source == GPS
        self.band_counts[koper_band(item.minutes)] += 1
        for name, count in item.outcomes.items():
            self.outcomes[name] += count

    @property
    def bands(self) -> dict[str, int]:
        """Visits per Koper band of their delivered minutes, in Koper's order, bands with
        visits only."""
        return {band: n for band, n in self.band_counts.items() if n}


@dataclass(frozen=True)
class Labels:
    hotspots: Mapping[int, tuple[int, str]]  # id → (rank, label)
    officers: Mapping[int, tuple[str, str]]  # id → (collar number, shown name)
    teams: Mapping[int, str]
    assignments: Mapping[int, str]


@dataclass(frozen=True)
class Delivery:
    """Everything planned and delivered in a scope, groupable every way the pages need."""

    scope: Scope
    planned: tuple[Planned, ...]
    delivered: tuple[Contribution, ...]
    labels: Labels

    def total(self) -> Row:
        row = Row("total", "Total")
        for item in self.planned:
            row.add_planned(item)
        for contribution in self.delivered:
            row.add_delivered(contribution)
        return row

    def rows(self, group_by: str) -> list[Row]:
        """One row per hotspot, day, officer, team or assignment (ad hoc visits share one
        row), sorted by key."""
        if group_by not in GROUPS:
            raise ValueError(f"group_by must be one of {', '.join(GROUPS)}, not {group_by!r}")
        rows: dict[str, Row] = {}

        def row_for(item: Planned | Contribution) -> Row:
            key, label = self._group(group_by, item)
            return rows.setdefault(key, Row(key, label))

        for item in self.planned:
            row_for(item).add_planned(item)
        for contribution in self.delivered:
            row_for(contribution).add_delivered(contribution)
        return [rows[key] for key in sorted(rows)]

    def by_hotspot(self) -> dict[int, Row]:
        rows: dict[int, Row] = {}
        for item in self.planned:
            rows.setdefault(item.hotspot_id, Row(str(item.hotspot_id), "")).add_planned(item)
        for contribution in self.delivered:
            key = contribution.hotspot_id
            rows.setdefault(key, Row(str(key), "")).add_delivered(contribution)
        return rows

    def _group(self, group_by: str, item: Planned | Contribution) -> tuple[str, str]:
        labels = self.labels
        if group_by == "day":
            return item.day.isoformat(), f"{item.day:%a %-d %b %Y}"
        if group_by == "officer":
            collar, name = labels.officers[item.officer_id]
            return collar, name
        if group_by == "team":
            if item.team_id is None:
                return "~", "No team"
            return labels.teams[item.team_id], labels.teams[item.team_id]
        if group_by == "assignment":
            if item.assignment_id is None:
                return AD_HOC, "Ad hoc visits"
            return f"{item.assignment_id:08d}", labels.assignments[item.assignment_id]
        rank, label = labels.hotspots[item.hotspot_id]
        return f"{rank:04d}-{item.hotspot_id}", f"#{rank} {label}"


def delivery(scope: Scope) -> Delivery:
    """Planned and delivered minutes in the scope: a fixed number of queries, whatever its
    size (rows are read as plain values: a year of a force's patrols is tens of thousands)."""
    zone = timezone.get_default_timezone()

    def local_day(moment: dt.datetime) -> dt.date:
        return moment.astimezone(zone).date()

    assignments = list(
        _assignments(scope).values_list("pk", "hotspot_id", "officer_id", "start", "end", "status")
    )
    visits = list(
        _visits(scope).values_list(
            "pk", "hotspot_id", "officer_id", "assignment_id", "started_at", "ended_at",
            "minutes_inside", "minutes_unknown", *OUTCOMES,
        )
    )  # fmt: skip
    cells = _passive_minutes(scope)
    officers = {
        o.pk: o
        for o in OfficerProfile.objects.select_related("user", "team").filter(
            pk__in={a[2] for a in assignments} | {v[2] for v in visits} | {c[1] for c in cells}
        )
    }
    teams = {pk: o.team_id for pk, o in officers.items()}
    planned = tuple(
        Planned(pk, hotspot, officer, teams[officer], local_day(start),
                (end - start).total_seconds() / 60, status)
        for pk, hotspot, officer, start, end, status in assignments
    )  # fmt: skip
    from_visits = []
    for pk, hotspot, officer, assignment, started, ended, inside, unknown, *counts in visits:
        source = _source((ended - started).total_seconds() / 60, unknown)
        from_visits.append(
            Contribution(
                hotspot, officer, teams[officer], local_day(started),
                inside if source == GPS else (ended - started).total_seconds() / 60, source,
                assignment_id=assignment, visit_id=pk,
                outcomes=dict(zip(OUTCOMES, counts, strict=True)),
            )
        )  # fmt: skip
    passive = _passive_beyond_visits(cells, from_visits, teams)
    return Delivery(scope, planned, tuple(from_visits + passive),
                    _labels(assignments, visits, cells, officers, zone))  # fmt: skip


def _labels(assignments, visits, cells, officers, zone) -> Labels:
    hotspot_ids = {a[1] for a in assignments} | {v[1] for v in visits} | {c[0] for c in cells}
    hotspots = {
        pk: (rank, label)
        for pk, rank, label in Hotspot.objects.filter(pk__in=hotspot_ids).values_list(
            "pk", "rank", "label"
        )
    }
    starts = {pk: (hotspot, start) for pk, hotspot, _, start, _, _ in assignments}
    elsewhere = {v[3] for v in visits if v[3] is not None} - set(starts)
    for pk, hotspot, start in PatrolAssignment.objects.filter(pk__in=elsewhere).values_list(
        "pk", "hotspot_id", "start"
    ):
        starts[pk] = (hotspot, start)
        hotspots.setdefault(hotspot, (0, ""))
    return Labels(
        hotspots=hotspots,
        officers={pk: (o.collar_number, str(o)) for pk, o in officers.items()},
        teams={o.team_id: o.team.name for o in officers.values() if o.team_id is not None},
        assignments={
            pk: f"#{hotspots[hotspot][0]} {start.astimezone(zone):%a %-d %b %H:%M}"
            for pk, (hotspot, start) in starts.items()
        },
    )


def plan_delivery(plan: PatrolPlan) -> Delivery:
    return delivery(Scope.of_plan(plan))


def _assignments(scope: Scope):
    found = PatrolAssignment.objects.exclude(status=PatrolAssignment.Status.CANCELLED)
    if scope.plan_id is not None:
        return found.filter(plan_id=scope.plan_id)
    start, end = scope.bounds()
    found = found.filter(plan__status=PatrolPlan.Status.PUBLISHED, start__gte=start, start__lt=end)
    if scope.hotspot_ids is not None:
        found = found.filter(hotspot_id__in=scope.hotspot_ids)
    if scope.force_id is not None:
        found = found.filter(plan__force_id=scope.force_id)
    return found


def _visits(scope: Scope):
    start, end = scope.bounds()
    in_days = Q(started_at__gte=start, started_at__lt=end)
    if scope.plan_id is not None:
        hotspots = PatrolPlan.objects.get(pk=scope.plan_id).plan_hotspots.values("hotspot_id")
        return PatrolVisit.objects.filter(
            Q(assignment__plan_id=scope.plan_id)
            | (Q(assignment__isnull=True, hotspot_id__in=hotspots) & in_days)
        )
    found = PatrolVisit.objects.filter(in_days)
    if scope.hotspot_ids is not None:
        found = found.filter(hotspot_id__in=scope.hotspot_ids)
    if scope.force_id is not None:
        found = found.filter(officer__force_id=scope.force_id)
    return found


def _source(minutes: float, minutes_unknown: float) -> str:
    """`gps` when a visit's fixes placed some of its time, else `logged`."""
    return GPS if minutes - minutes_unknown > _MEASURED_EPSILON_MIN else LOGGED


def visit_source(visit: PatrolVisit) -> str:
    return _source(visit.minutes, visit.minutes_unknown)


def visit_delivered_minutes(visit: PatrolVisit) -> float:
    return visit.minutes_inside if visit_source(visit) == GPS else visit.minutes


Cell = tuple[int, int, dt.date]  # (hotspot id, officer id, local day)


def _passive_minutes(scope: Scope) -> dict[Cell, float]:
    """Minutes inside hotspots per (hotspot, officer, local day) from passive location pings
    (patrols.passive, vehicle and radio locations): they count as ``passive`` everywhere
    delivery is shown. A plan's scope is its hotspots."""
    from patrols.passive import passive_minutes  # numerical libraries, loaded when counted

    hotspot_ids = scope.hotspot_ids
    if scope.plan_id is not None and hotspot_ids is None:
        hotspot_ids = tuple(
            PlanHotspot.objects.filter(plan_id=scope.plan_id).values_list("hotspot_id", flat=True)
        )
    return passive_minutes(first_day=scope.first_day, last_day=scope.last_day,
                           hotspot_ids=hotspot_ids, force_id=scope.force_id)  # fmt: skip


def _passive_beyond_visits(
    cells: Mapping[Cell, float], visits: Iterable[Contribution], teams: Mapping[int, int | None]
) -> list[Contribution]:
    """Passive minutes a cell's visits did not already deliver, as contributions."""
    seen: dict[Cell, float] = defaultdict(float)
    for item in visits:
        seen[(item.hotspot_id, item.officer_id, item.day)] += item.minutes
    extra = []
    for (hotspot_id, officer_id, day), minutes in sorted(cells.items()):
        beyond = minutes - seen.get((hotspot_id, officer_id, day), 0.0)
        if beyond > 0:
            extra.append(
                Contribution(hotspot_id, officer_id, teams.get(officer_id), day, beyond, PASSIVE)
            )
    return extra
