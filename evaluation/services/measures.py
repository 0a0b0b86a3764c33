"""The statistics of one measure (ASB, all crime or chosen categories) from its counts.

Pure NumPy and evaluation.statistics (no Django): counts in, an evaluation.results
MeasureResult out. Areas are in the order of compute.Zones: treated hotspots, control
hotspots, their buffer rings in the same order, then the rest of the force.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evaluation.results import (
    Change,
    ControlCounts,
    Harm,
    HotspotChange,
    Interval,
    MeasureResult,
    Summary,
    Totals,
)
from evaluation.statistics import (
    AreaCounts,
    BeforeAfterSummary,
    CategoryCounts,
    DosePoint,
    DoseResponse,
    PooledRateRatio,
    PrePost,
    WDDResult,
    WDQResult,
    before_after,
    difference_in_differences,
    dose_response,
    force_comparison,
    harm_weighted_before_after,
    percent_change,
    poisson_exact_rate_ratio,
    pooled_rate_ratio,
    research_range_check,
    scaled_harm_weighted_wdd,
    scaled_weighted_displacement_difference,
    weighted_displacement_quotient,
)


@dataclass(frozen=True)
class MeasureInputs:
    """Counts of one measure. `before`/`after` are (areas, categories) after any exclusion
    of flagged months; `force_*` are (categories,) force-wide, located or not;
    `monthly_before`/`monthly_after` the treated hotspots' totals per month pair."""

    key: str
    label: str
    slugs: list[str]
    weights: list[float]
    before: np.ndarray
    after: np.ndarray
    force_before: np.ndarray
    force_after: np.ndarray
    hotspot_ids: list[int]
    n_treated: int
    comparison: str
    minimum_count: float
    dose_hours: list[float]
    monthly_before: np.ndarray
    monthly_after: np.ndarray
    # Per category, the group it is compared in across a police.uk category change (the
    # harm WDD pools a group's categories); empty: every category is its own group.
    harm_groups: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Side:
    """Per-category counts of an area or a group of areas, before and after."""

    before: np.ndarray
    after: np.ndarray

    @property
    def total(self) -> PrePost:
        return PrePost(float(self.before.sum()), float(self.after.sum()))

    def category(self, i: int) -> PrePost:
        return PrePost(float(self.before[i]), float(self.after[i]))


class Areas:
    """The measure's counts grouped as the evaluation compares them."""

    def __init__(self, m: MeasureInputs):
        k, t = len(m.hotspot_ids), m.n_treated
        self.m = m
        self.treated = self._side(slice(0, t))
        self.controls = self._side(slice(t, k))
        self.buffers = self._side(slice(k, k + t))
        self.control_buffers = self._side(slice(k + t, 2 * k))
        self.rest = Side(m.before[2 * k], m.after[2 * k])
        located = Side(m.before.sum(0), m.after.sum(0))
        # The monthly statistics count every published row; should they lag behind the
        # located rows (e.g. a force export without statistics), the located count stands in.
        self.force = Side(
            np.maximum(m.force_before, located.before), np.maximum(m.force_after, located.after)
        )

    def _side(self, rows: slice) -> Side:
        return Side(self.m.before[rows].sum(0), self.m.after[rows].sum(0))

    def hotspot(self, i: int) -> PrePost:
        return PrePost(float(self.m.before[i].sum()), float(self.m.after[i].sum()))

    def buffer(self, i: int) -> PrePost:
        k = len(self.m.hotspot_ids)
        return PrePost(float(self.m.before[k + i].sum()), float(self.m.after[k + i].sum()))

    @property
    def comparison(self) -> Side:
        return {"force": self.force, "rest": self.rest, "control": self.controls}[self.m.comparison]

    @property
    def comparison_is_small(self) -> bool:
        """Control hotspots are of a size with the treated ones; the force is not."""
        return self.m.comparison == "control"


def measure_results(m: MeasureInputs) -> MeasureResult:
    areas = Areas(m)
    treated, comparison = areas.treated.total, areas.comparison.total
    summary = before_after(_area_counts(m, areas), minimum_count=m.minimum_count)
    check = summary.aggregate_percent_change
    wdd, wdq = _displacement(areas)
    return MeasureResult(
        key=m.key,
        label=m.label,
        categories=tuple(m.slugs),
        totals=_totals(areas),
        summary=_summary(summary),
        hotspots=_hotspots(m, areas, summary),
        controls=_controls(m, areas),
        exact=poisson_exact_rate_ratio(int(treated.before), int(treated.after)),
        pooled=_pooled(m),
        force_comparison=force_comparison(treated, areas.force.total, areas.rest.total),
        did=difference_in_differences(treated, comparison),
        wdd=wdd,
        wdd_scaled=True,
        wdq=wdq,
        harm=_harm(m, areas),
        research_range=None if check is None else research_range_check(check),
        dose_response=_dose_response(m, areas),
    )


def _summary(summary: BeforeAfterSummary) -> Summary:
    fields = {k: v for k, v in vars(summary).items() if k != "areas"}
    return Summary(**fields)


def _area_counts(m: MeasureInputs, areas: Areas) -> list[AreaCounts]:
    return [
        AreaCounts(str(m.hotspot_ids[i]), areas.hotspot(i).before, areas.hotspot(i).after)
        for i in range(m.n_treated)
    ]


def _change(value: PrePost) -> Change:
    return Change(value.before, value.after, percent_change(value.before, value.after))


def _totals(areas: Areas) -> Totals:
    groups = ("treated", "controls", "buffers", "control_buffers", "rest", "force", "comparison")
    return Totals(**{name: _change(getattr(areas, name).total) for name in groups})


def _pooled(m: MeasureInputs) -> PooledRateRatio | None:
    """Pooled over months, not hotspots: the same hotspots are counted in both periods, so
    their differences cancel, and the variation that matters is month to month (NB2 lets
    it exceed Poisson). Pooling over hotspots would read their differences as noise."""
    if not len(m.monthly_before):
        return None  # every month pair had a category excluded
    return pooled_rate_ratio(m.monthly_before.tolist(), m.monthly_after.tolist())


def _hotspots(
    m: MeasureInputs, areas: Areas, summary: BeforeAfterSummary
) -> tuple[HotspotChange, ...]:
    comparison = areas.comparison.total
    weights = np.asarray(m.weights, float)
    rows = []
    for i, change in enumerate(summary.areas):
        counts, ring = areas.hotspot(i), areas.buffer(i)
        rate = poisson_exact_rate_ratio(int(counts.before), int(counts.after))
        wdq = weighted_displacement_quotient(counts, ring, comparison)
        harm = PrePost(float(m.before[i] @ weights), float(m.after[i] @ weights))
        rows.append(HotspotChange(
            id=m.hotspot_ids[i], before=counts.before, after=counts.after,
            change=change.change, percent_change=change.percent_change, flag=change.flag,
            rate_ratio=Interval(rate.ratio, rate.lower, rate.upper, rate.p_value),
            buffer=_change(ring), wdq=wdq.wdq, wdq_note=wdq.interpretation or wdq.reason,
            harm=_change(harm), dose_hours=m.dose_hours[i],
        ))  # fmt: skip
    return tuple(rows)


def _controls(m: MeasureInputs, areas: Areas) -> tuple[ControlCounts, ...]:
    return tuple(
        ControlCounts(m.hotspot_ids[i], *vars(_change(areas.hotspot(i))).values())
        for i in range(m.n_treated, len(m.hotspot_ids))
    )


def _displacement(areas: Areas) -> tuple[WDDResult, WDQResult]:
    """WDD (local plus buffer) and the overall WDQ. The comparison is always scaled to the
    treated area's size (its before count), so that a common trend cancels whatever the
    sizes: control hotspots against the hotspots and their own buffer rings against the
    buffers; the force or the rest of it against both (one shared comparison)."""
    treated, buffers, comparison = areas.treated.total, areas.buffers.total, areas.comparison.total
    own = areas.control_buffers.total if areas.comparison_is_small else None
    wdd = scaled_weighted_displacement_difference(
        treated, comparison, buffer=buffers, buffer_comparison=own
    )
    wdq = weighted_displacement_quotient(treated, buffers, comparison)
    return wdd, wdq


def _harm(m: MeasureInputs, areas: Areas) -> Harm:
    weights = dict(zip(m.slugs, m.weights, strict=True))
    counts = [
        CategoryCounts(str(m.hotspot_ids[i]), slug, float(m.before[i, j]), float(m.after[i, j]))
        for i in range(m.n_treated)
        for j, slug in enumerate(m.slugs)
        if m.before[i, j] or m.after[i, j]
    ]
    summary = harm_weighted_before_after(counts, weights, minimum_count=m.minimum_count)
    w = np.asarray(m.weights, float)
    comparison = areas.comparison
    comparison_harm = PrePost(float(comparison.before @ w), float(comparison.after @ w))
    return Harm(
        summary=_summary(summary),
        comparison=_change(comparison_harm),
        wdd=scaled_harm_weighted_wdd(*_harm_sides(m, areas)),
    )


def _harm_sides(m: MeasureInputs, areas: Areas) -> tuple[dict, dict, dict]:
    """Treated and comparison counts and weights per harm group: a category on its own, or
    across a category change the whole comparison group (its categories share one weight),
    so that a category that exists in one period only is never scaled on its own."""
    groups = m.harm_groups or m.slugs
    treated: dict[str, PrePost] = {}
    comparison: dict[str, PrePost] = {}
    weights: dict[str, float] = {}
    for j, group in enumerate(groups):
        for side, counts in ((treated, areas.treated), (comparison, areas.comparison)):
            part = counts.category(j)
            held = side.get(group, PrePost(0, 0))
            side[group] = PrePost(held.before + part.before, held.after + part.after)
        weights[group] = m.weights[j]
    return treated, comparison, weights


def _dose_response(m: MeasureInputs, areas: Areas) -> DoseResponse | None:
    if not any(m.dose_hours):
        return None
    points = [
        DosePoint(str(m.hotspot_ids[i]), m.dose_hours[i], *_pair(areas.hotspot(i)))
        for i in range(m.n_treated)
    ]
    return dose_response(points)


def _pair(value: PrePost) -> tuple[float, float]:
    return value.before, value.after
