"""Pure, Django-free statistics for evaluating hotspot patrols.

Counts are incidents per area per period; inputs and outputs are frozen dataclasses.
Modules: `rates` (Poisson exact/Wald and NB2 rate ratios, overdispersion), `before_after`
(per-hotspot and overall change, harm weighting, minimum counts, research range, regression
to the mean), `comparison` (difference-in-differences, WDD, WDQ) and `designs` (daily
crossover, dose–response).
"""

from ._common import PrePost, percent_change
from .before_after import (
    FOR_SCRUTINY,
    TOO_FEW,
    AreaChange,
    AreaCounts,
    BeforeAfterSummary,
    CategoryCounts,
    RegressionToMeanCheck,
    ResearchRangeCheck,
    before_after,
    harm_weighted_before_after,
    regression_to_mean_check,
    research_range_check,
)
from .comparison import (
    DifferenceInDifferences,
    ForceComparison,
    WDDResult,
    WDQResult,
    did_log_arrays,
    difference_in_differences,
    force_comparison,
    harm_weighted_wdd,
    scaled_harm_weighted_wdd,
    scaled_wdd_arrays,
    scaled_weighted_displacement_difference,
    weighted_displacement_difference,
    weighted_displacement_quotient,
)
from .designs import (
    CrossoverResult,
    CrossoverStratum,
    DosePoint,
    DoseResponse,
    crossover_rate_ratio,
    dose_response,
)
from .rates import (
    DispersionCheck,
    PooledRateRatio,
    RateRatio,
    exact_rate_ratio_limits,
    negative_binomial_rate_ratio,
    poisson_exact_rate_ratio,
    poisson_wald_rate_ratio,
    pooled_rate_ratio,
    wald_log_rate_ratio,
)

__all__ = [
    "FOR_SCRUTINY",
    "TOO_FEW",
    "AreaChange",
    "AreaCounts",
    "BeforeAfterSummary",
    "CategoryCounts",
    "CrossoverResult",
    "CrossoverStratum",
    "DifferenceInDifferences",
    "DispersionCheck",
    "DosePoint",
    "DoseResponse",
    "ForceComparison",
    "PooledRateRatio",
    "PrePost",
    "RateRatio",
    "RegressionToMeanCheck",
    "ResearchRangeCheck",
    "WDDResult",
    "WDQResult",
    "before_after",
    "crossover_rate_ratio",
    "difference_in_differences",
    "dose_response",
    "force_comparison",
    "harm_weighted_before_after",
    "did_log_arrays",
    "exact_rate_ratio_limits",
    "harm_weighted_wdd",
    "negative_binomial_rate_ratio",
    "percent_change",
    "poisson_exact_rate_ratio",
    "poisson_wald_rate_ratio",
    "pooled_rate_ratio",
    "regression_to_mean_check",
    "research_range_check",
    "scaled_harm_weighted_wdd",
    "scaled_wdd_arrays",
    "scaled_weighted_displacement_difference",
    "wald_log_rate_ratio",
    "weighted_displacement_difference",
    "weighted_displacement_quotient",
]
