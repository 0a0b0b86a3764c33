"""Before/after change per hotspot and overall, harm weighting, and the commander's safeguards.

Counts are incidents per area in the same months of consecutive years (same season, same
length), so no exposure adjustment is needed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ._common import check_count, percent_change

TOO_FEW = "too few to claim"
FOR_SCRUTINY = "for scrutiny"


@dataclass(frozen=True)
class AreaCounts:
    """Counts for one area. `raw_total` is the unweighted before+after when the counts are
    harm-weighted, so the minimum-count rule still judges by how many incidents there were."""

    area_id: str
    before: float
    after: float
    raw_total: float | None = None

    def __post_init__(self) -> None:
        check_count(self.before, "before")
        check_count(self.after, "after")


@dataclass(frozen=True)
class CategoryCounts:
    """Counts of one crime category in one area, for harm weighting."""

    area_id: str
    category: str
    before: float
    after: float

    def __post_init__(self) -> None:
        check_count(self.before, "before")
        check_count(self.after, "after")


@dataclass(frozen=True)
class AreaChange:
    """One area's change. `percent_change` is None without a baseline (before = 0); `flag`
    is "too few to claim" when before+after falls under the minimum count."""

    area_id: str
    before: float
    after: float
    change: float
    percent_change: float | None
    flag: str | None


@dataclass(frozen=True)
class BeforeAfterSummary:
    """Per-area changes and the two overall summaries, which answer different questions.

    The aggregate % change, 100·(ΣA − ΣB)/ΣB, is dominated by the busiest hotspots; the mean
    of per-area % changes weights every hotspot equally and is inflated by small ones, so
    both are reported (product brief, "Evaluation"). `largest_reduction` is the biggest % fall
    among areas that pass the minimum-count rule (a fall from 3 to 0 is not a result).
    """

    areas: tuple[AreaChange, ...]
    total_before: float
    total_after: float
    aggregate_percent_change: float | None
    mean_percent_change: float | None
    areas_without_baseline: int
    largest_reduction: AreaChange | None
    flag: str | None
    minimum_count: float
    harm_weighted: bool


def _area_change(area: AreaCounts, minimum_count: float) -> AreaChange:
    raw = area.before + area.after if area.raw_total is None else area.raw_total
    flag = TOO_FEW if raw < minimum_count else None
    change = percent_change(area.before, area.after)
    return AreaChange(area.area_id, area.before, area.after, area.after - area.before, change, flag)


def _largest_reduction(changes: Sequence[AreaChange]) -> AreaChange | None:
    claimable = [c for c in changes if c.flag is None and c.percent_change is not None]
    best = min(claimable, key=lambda c: c.percent_change or 0.0, default=None)
    return best if best is not None and (best.percent_change or 0.0) < 0 else None


def before_after(
    areas: Sequence[AreaCounts], *, minimum_count: float = 20, harm_weighted: bool = False
) -> BeforeAfterSummary:
    """Before/after per area and overall with the minimum-count rule.

    Per area: Δ = A − B and %Δ = 100·(A − B)/B. An area (or the total) with B + A below
    `minimum_count` keeps its change but is flagged "too few to claim": with Poisson noise
    SD ≈ √n, a count under ~20 can swing by a third or more by chance alone.
    """
    if len({a.area_id for a in areas}) != len(areas):
        raise ValueError("area_id values must be unique")
    changes = tuple(_area_change(a, minimum_count) for a in areas)
    total_b = float(sum(a.before for a in areas))
    total_a = float(sum(a.after for a in areas))
    raw_total = sum(a.before + a.after if a.raw_total is None else a.raw_total for a in areas)
    per_area = [c.percent_change for c in changes if c.percent_change is not None]
    return BeforeAfterSummary(
        areas=changes,
        total_before=total_b,
        total_after=total_a,
        aggregate_percent_change=percent_change(total_b, total_a),
        mean_percent_change=float(np.mean(per_area)) if per_area else None,
        areas_without_baseline=len(changes) - len(per_area),
        largest_reduction=_largest_reduction(changes),
        flag=TOO_FEW if raw_total < minimum_count else None,
        minimum_count=minimum_count,
        harm_weighted=harm_weighted,
    )


def check_weights(categories: set[str], weights: Mapping[str, float]) -> None:
    """Every category needs a non-negative weight: a silent default would hide a typo."""
    missing = sorted(categories - set(weights))
    if missing:
        raise ValueError(f"no harm weight for categories: {', '.join(missing)}")
    for category in categories:
        check_count(weights[category], f"weight of {category!r}")


def harm_weighted_before_after(
    counts: Sequence[CategoryCounts],
    weights: Mapping[str, float],
    *,
    minimum_count: float = 20,
) -> BeforeAfterSummary:
    """Before/after on harm-weighted sums Σ_k w_k·n_k per area.

    Weights are harm per incident of each category, e.g. the Cambridge Crime Harm Index
    (days of imprisonment; Sherman, Neyroud & Neyroud 2016). The minimum-count rule uses the
    unweighted counts, because noise depends on how many incidents occurred, not their harm.
    """
    check_weights({c.category for c in counts}, weights)
    sums: dict[str, list[float]] = {}
    for c in counts:
        acc = sums.setdefault(c.area_id, [0.0, 0.0, 0.0])
        w = weights[c.category]
        acc[0] += w * c.before
        acc[1] += w * c.after
        acc[2] += c.before + c.after
    areas = [AreaCounts(k, v[0], v[1], raw_total=v[2]) for k, v in sums.items()]
    return before_after(areas, minimum_count=minimum_count, harm_weighted=True)


@dataclass(frozen=True)
class ResearchRangeCheck:
    """Where an aggregate % change sits against the hot-spots policing research range."""

    percent_change: float
    status: str
    for_scrutiny: bool
    message: str


def research_range_check(
    percent_change: float, *, typical_low: float = 8.0, typical_high: float = 16.0
) -> ResearchRangeCheck:
    """Flag reductions beyond the research range "for scrutiny" rather than celebration.

    Systematic reviews of hot-spots policing report typical crime reductions of about 8–16%
    (Braga, Turchan, Papachristos & Hureau 2019, Campbell Systematic Reviews 15:e1046, and
    the product brief). A bigger fall is more often regression to the mean, a recording
    change or a small-number artefact than a larger effect. Thresholds are reductions in %.
    """
    if not 0 <= typical_low <= typical_high:
        raise ValueError("need 0 <= typical_low <= typical_high")
    reduction = -percent_change
    if reduction > typical_high:
        status = FOR_SCRUTINY
        top = f"{typical_high:.0f}%"
        message = f"a {reduction:.1f}% fall exceeds the {top} top of the research range"
    elif reduction >= typical_low:
        status, message = "within research range", "in line with published effects"
    elif reduction > 0:
        status, message = "below research range", "smaller than typical published effects"
    else:
        status, message = "no reduction", "incidents did not fall"
    return ResearchRangeCheck(percent_change, status, status == FOR_SCRUTINY, message)


@dataclass(frozen=True)
class RegressionToMeanCheck:
    """Expected fall-back of places picked at a peak, before any patrol effect."""

    selection_mean: float
    long_run_mean: float
    expected_fall_back: float | None
    warning: bool
    message: str

    @property
    def expected_percent_change(self) -> float | None:
        """The % change to expect from regression to the mean alone (negative = a fall)."""
        return None if self.expected_fall_back is None else -100.0 * self.expected_fall_back


def regression_to_mean_check(
    selection_counts: Sequence[float],
    long_run_means: Sequence[float],
    *,
    threshold: float = 0.10,
) -> RegressionToMeanCheck:
    """Warn when hotspots were selected at a peak relative to their own history.

    Places chosen because their counts were high will, on average, fall back towards their
    long-run mean with no intervention (Galton 1886; Barnett, van der Pols & Dobson 2005,
    Int. J. Epidemiol. 34:215). Expected fall-back = (selection mean − long-run mean) /
    selection mean, where both are per place per period of equal length; a warning is raised
    when it exceeds `threshold` (default 10%, comparable to the effect being sought). Any
    positive fall-back is an expected fall and is stated; a negative one (selection below
    the long-run level) is stated as such, never as "close to the long-run level".
    """
    sel = np.asarray(selection_counts, float)
    run = np.asarray(long_run_means, float)
    if sel.shape != run.shape or sel.size == 0:
        raise ValueError("need one long-run mean per selected place")
    if np.any(sel < 0) or np.any(run < 0):
        raise ValueError("counts and means must be >= 0")
    sel_mean, run_mean = float(sel.mean()), float(run.mean())
    if sel_mean == 0:
        return RegressionToMeanCheck(sel_mean, run_mean, None, False, "no incidents at selection")
    fall_back = (sel_mean - run_mean) / sel_mean
    warning = fall_back > threshold
    if warning:
        message = f"selected at a peak: expect about {100 * fall_back:.0f}% fewer incidents anyway"
    elif fall_back > 0.005:
        message = (
            f"selection period slightly above the long-run level: expect about "
            f"{100 * fall_back:.0f}% fewer incidents anyway"
        )
    elif run_mean > 0 and sel_mean < run_mean * 0.995:
        message = (
            f"selection period {100 * (1 - sel_mean / run_mean):.0f}% below the long-run "
            "level: no fall is expected from the selection"
        )
    else:
        message = "selection period at the long-run level"
    return RegressionToMeanCheck(sel_mean, run_mean, fall_back, warning, message)
