"""evaluation.statistics against statsmodels/scipy, hand-worked examples and planted effects.

statsmodels is a test-only reference: the module under test never imports it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from evaluation.statistics import (
    FOR_SCRUTINY,
    TOO_FEW,
    AreaCounts,
    CategoryCounts,
    CrossoverStratum,
    DosePoint,
    PrePost,
    RateRatio,
    before_after,
    crossover_rate_ratio,
    difference_in_differences,
    dose_response,
    force_comparison,
    harm_weighted_before_after,
    harm_weighted_wdd,
    negative_binomial_rate_ratio,
    poisson_exact_rate_ratio,
    poisson_wald_rate_ratio,
    pooled_rate_ratio,
    regression_to_mean_check,
    research_range_check,
    weighted_displacement_difference,
    weighted_displacement_quotient,
)

SEEDS = 2000


def _period_design(n_before: int, n_after: int) -> np.ndarray:
    return sm.add_constant(np.r_[np.zeros(n_before), np.ones(n_after)])


def _gamma_poisson(rng: np.random.Generator, mean: float, alpha: float, size: int) -> np.ndarray:
    """NB2 counts: Poisson with a gamma-distributed mean, Var = mean + alpha·mean²."""
    return rng.poisson(rng.gamma(1 / alpha, alpha * mean, size))


def _coverage(draw: Callable[[np.random.Generator], RateRatio]) -> float:
    """Share of seeds whose interval contains RR = 1 when the true ratio is 1."""
    return float(
        np.mean([draw(np.random.default_rng(seed)).covers_no_change for seed in range(SEEDS)])
    )


# --- Poisson rate ratios versus statsmodels and scipy -------------------------------------------


# A saturated GLM has zero residual df and fits every cell exactly; statsmodels warns about both.
SATURATED = pytest.mark.filterwarnings(
    "ignore:divide by zero:RuntimeWarning",
    "ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning",
)


@SATURATED
@pytest.mark.parametrize(("before", "after", "e_b", "e_a"), [(130, 97, 1, 1), (41, 12, 31, 28)])
def test_wald_rate_ratio_matches_poisson_glm(before, after, e_b, e_a):
    glm = sm.GLM(
        [before, after], _period_design(1, 1), family=sm.families.Poisson(), exposure=[e_b, e_a]
    ).fit(tol=1e-14)
    ours = poisson_wald_rate_ratio(before, after, exposure_before=e_b, exposure_after=e_a)
    assert ours.ratio == pytest.approx(math.exp(glm.params[1]), rel=1e-9)
    assert (ours.lower, ours.upper) == pytest.approx(tuple(np.exp(glm.conf_int()[1])), rel=1e-7)
    assert ours.p_value == pytest.approx(glm.pvalues[1], rel=1e-6)


def test_pooled_poisson_matches_glm_on_unit_counts():
    rng = np.random.default_rng(7)
    before, after = rng.poisson(9, 24), rng.poisson(7, 24)
    glm = sm.GLM(np.r_[before, after], _period_design(24, 24), family=sm.families.Poisson()).fit()
    ours = pooled_rate_ratio(before, after).poisson
    assert ours.ratio == pytest.approx(math.exp(glm.params[1]), rel=1e-9)
    assert (ours.lower, ours.upper) == pytest.approx(tuple(np.exp(glm.conf_int()[1])), rel=1e-7)


@pytest.mark.parametrize(
    ("before", "after", "e_b", "e_a"),
    [(30, 18, 1, 1), (5, 0, 1, 1), (0, 4, 1, 1), (22, 35, 14, 16)],
)
def test_exact_rate_ratio_matches_scipy_binomtest(before, after, e_b, e_a):
    # Conditional on n = a + b, a ~ Binomial(n, E_a·RR / (E_a·RR + E_b)); map the
    # proportion interval back to RR = π/(1 − π) · E_b/E_a.
    n, p0 = before + after, e_a / (e_a + e_b)
    reference = stats.binomtest(after, n, p0)
    ci = reference.proportion_ci(confidence_level=0.95, method="exact")

    def to_ratio(p: float) -> float:
        return math.inf if p == 1 else p / (1 - p) * e_b / e_a

    ours = poisson_exact_rate_ratio(before, after, exposure_before=e_b, exposure_after=e_a)
    assert ours.lower == pytest.approx(to_ratio(ci.low), rel=1e-9)
    assert ours.upper == pytest.approx(to_ratio(ci.high), rel=1e-9)
    assert ours.p_value == pytest.approx(reference.pvalue, rel=1e-9)


def test_zero_counts_are_explained_not_divided():
    assert poisson_exact_rate_ratio(0, 0).ratio is None
    assert poisson_exact_rate_ratio(0, 3).ratio == math.inf
    wald = poisson_wald_rate_ratio(4, 0)
    assert wald.ratio is None and "exact" in wald.note
    with pytest.raises(ValueError):
        poisson_exact_rate_ratio(2.5, 3)


# --- Negative binomial versus statsmodels ----------------------------------------------------


def test_nb2_matches_statsmodels_negative_binomial():
    rng = np.random.default_rng(1)
    before, after = _gamma_poisson(rng, 6, 0.5, 30), _gamma_poisson(rng, 4.5, 0.5, 30)
    ref = sm.NegativeBinomial(np.r_[before, after], _period_design(30, 30)).fit(
        method="bfgs", maxiter=2000, gtol=1e-7, disp=0
    )
    ours, dispersion = negative_binomial_rate_ratio(before, after)
    assert ours.ratio == pytest.approx(math.exp(ref.params[1]), rel=1e-6)
    assert dispersion.alpha == pytest.approx(ref.params[2], rel=1e-4)
    # Equal exposures: the observed information statsmodels uses equals the expected one.
    assert (ours.lower, ours.upper) == pytest.approx(tuple(np.exp(ref.conf_int()[1])), rel=1e-5)
    poisson_llf = sm.Poisson(np.r_[before, after], _period_design(30, 30)).fit(disp=0).llf
    lr = 2 * (ref.llf - poisson_llf)
    assert dispersion.lr_statistic == pytest.approx(lr, rel=1e-6)
    # alpha = 0 sits on the boundary: the null distribution is ½χ²₀ + ½χ²₁ (Self & Liang 1987).
    assert dispersion.lr_p_value == pytest.approx(0.5 * stats.chi2.sf(lr, 1), rel=1e-4)
    assert dispersion.overdispersed


def test_nb2_with_exposures_matches_statsmodels_glm():
    rng = np.random.default_rng(2)
    e_b, e_a = rng.uniform(20, 31, 30), rng.uniform(20, 31, 30)
    before = _gamma_poisson(rng, 6, 0.4, 30)
    after = _gamma_poisson(rng, 4, 0.4, 30)
    x, y, exposure = _period_design(30, 30), np.r_[before, after], np.r_[e_b, e_a]
    ref = sm.NegativeBinomial(y, x, exposure=exposure).fit(
        method="bfgs", maxiter=2000, gtol=1e-7, disp=0
    )
    ours, dispersion = negative_binomial_rate_ratio(
        before, after, exposure_before=e_b, exposure_after=e_a
    )
    assert dispersion.alpha == pytest.approx(ref.params[2], rel=1e-4)
    assert ours.ratio == pytest.approx(math.exp(ref.params[1]), rel=1e-6)
    # Our interval uses the expected information (as R's glm.nb and statsmodels' GLM do).
    glm = sm.GLM(
        y, x, family=sm.families.NegativeBinomial(alpha=dispersion.alpha), exposure=exposure
    ).fit()
    assert (ours.lower, ours.upper) == pytest.approx(tuple(np.exp(glm.conf_int()[1])), rel=1e-6)


def test_poisson_data_is_not_flagged_overdispersed_and_keeps_poisson():
    rng = np.random.default_rng(3)
    result = pooled_rate_ratio(rng.poisson(8, 60), rng.poisson(8, 60))
    assert result.dispersion.dispersion == pytest.approx(1, abs=0.3)
    assert result.dispersion.lr_p_value > 0.05
    assert result.recommended is result.poisson


# --- Difference-in-differences ---------------------------------------------------------------


@SATURATED
def test_did_matches_poisson_glm_interaction():
    treated, comparison = PrePost(140, 98), PrePost(2300, 2185)
    y = [treated.before, treated.after, comparison.before, comparison.after]
    t, a = np.array([1, 1, 0, 0]), np.array([0, 1, 0, 1])
    x = sm.add_constant(np.column_stack([t, a, t * a]))
    glm = sm.GLM(y, x, family=sm.families.Poisson()).fit(tol=1e-14)
    did = difference_in_differences(treated, comparison)
    rrr = did.ratio_of_rate_ratios
    assert rrr.ratio == pytest.approx(math.exp(glm.params[3]), rel=1e-9)
    # Saturated model: the GLM's Wald interval is the sum-of-reciprocals one.
    assert (rrr.lower, rrr.upper) == pytest.approx(tuple(np.exp(glm.conf_int()[3])), rel=1e-7)
    assert did.difference_points == pytest.approx(-30 - (-5))


def test_force_comparison_uses_rest_of_force_and_rejects_impossible_totals():
    result = force_comparison(PrePost(200, 150), PrePost(5000, 4800), PrePost(4500, 4350))
    assert result.force_percent_change == pytest.approx(-4)
    assert result.rest_of_force_percent_change == pytest.approx(100 * -150 / 4500)
    assert result.versus_rest_of_force.comparison.ratio == pytest.approx(4350 / 4500)
    with pytest.raises(ValueError, match="exceed"):
        force_comparison(PrePost(200, 150), PrePost(5000, 4800), PrePost(4900, 4700))


# --- Weighted Displacement Difference and Quotient: hand-worked examples ---------------------


def test_wdd_hand_worked_example():
    # Treated 120 → 80 (ΔT = −40); control 200 → 190 (ΔC = −10); WDD = −40 − (−10) = −30.
    # Var = 120 + 80 + 200 + 190 = 590, SE = √590 = 24.290, z = −30/24.290 = −1.2351,
    # 95% interval −30 ± 1.959964·24.290 = (−77.61, 17.61).
    result = weighted_displacement_difference(PrePost(120, 80), PrePost(200, 190))
    assert result.wdd == -30 and result.crimes_prevented == 30
    assert result.variance == 590
    assert result.z == pytest.approx(-1.2351, abs=1e-4)
    assert (result.lower, result.upper) == pytest.approx((-77.607, 17.607), abs=1e-3)
    assert result.p_value == pytest.approx(0.2168, abs=1e-4)


def test_wdd_with_displacement_buffer():
    # Buffer 60 → 55 (ΔD = −5), its control 100 → 102 (ΔC_D = +2): displacement term −7.
    # WDD = −30 − 7 = −37; Var = 590 + 60 + 55 + 100 + 102 = 907.
    result = weighted_displacement_difference(
        PrePost(120, 80),
        PrePost(200, 190),
        buffer=PrePost(60, 55),
        buffer_control=PrePost(100, 102),
    )
    assert (result.local, result.displacement, result.wdd) == (-30, -7, -37)
    assert result.variance == 907
    assert result.z == pytest.approx(-37 / math.sqrt(907))


def test_harm_weighted_wdd_uses_squared_weights():
    # Violence (weight 3): treated 10 → 6, control 20 → 20; ASB (weight 1): treated 50 → 40,
    # control 100 → 95. WDD = 3·(−4 − 0) + 1·(−10 + 5) = −17;
    # Var = 3²·(10 + 6 + 20 + 20) + 1²·(50 + 40 + 100 + 95) = 504 + 285 = 789.
    result = harm_weighted_wdd(
        {"violence": PrePost(10, 6), "asb": PrePost(50, 40)},
        {"violence": PrePost(20, 20), "asb": PrePost(100, 95)},
        {"violence": 3, "asb": 1},
    )
    assert result.wdd == -17 and result.variance == 789
    with pytest.raises(ValueError, match="no harm weight"):
        harm_weighted_wdd({"burglary": PrePost(1, 1)}, {}, {"asb": 1})


def test_wdd_interval_covers_zero_in_95_percent_of_null_draws():
    def draw(rng: np.random.Generator) -> RateRatio:
        t, c = rng.poisson([80, 80]), rng.poisson([300, 300])
        r = weighted_displacement_difference(PrePost(*t), PrePost(*c))
        # Reuse covers_no_change: map "interval contains 0" onto "contains RR = 1".
        return RateRatio(1, 1 + r.lower, 1 + r.upper, r.p_value, "wdd", 0.95)

    assert 0.93 <= _coverage(draw) <= 0.97


def test_wdq_hand_worked_examples():
    # Response 100 → 70, control 1000 → 1000: success = 70/1000 − 100/1000 = −0.030.
    # Buffer 80 → 72: 72/1000 − 80/1000 = −0.008, WDQ = −0.008/−0.030 = 0.2667 (diffusion).
    diffusion = weighted_displacement_quotient(
        PrePost(100, 70), PrePost(80, 72), PrePost(1000, 1000)
    )
    assert diffusion.success_measure == pytest.approx(-0.03)
    assert diffusion.wdq == pytest.approx(0.2667, abs=1e-4)
    assert diffusion.interpretation == "diffusion of benefit"
    # Buffer 80 → 92: (0.092 − 0.080)/−0.030 = −0.4, displacement smaller than the benefit.
    moved = weighted_displacement_quotient(PrePost(100, 70), PrePost(80, 92), PrePost(1000, 1000))
    assert moved.wdq == pytest.approx(-0.4)
    assert "net benefit" in moved.interpretation
    # Control 500 → 400, buffer 50 → 60: success = 70/400 − 100/500 = −0.025;
    # buffer = 60/400 − 50/500 = 0.05; WDQ = −2 (displacement outweighs the direct effect).
    net_loss = weighted_displacement_quotient(PrePost(100, 70), PrePost(50, 60), PrePost(500, 400))
    assert net_loss.wdq == pytest.approx(-2)
    assert "net loss" in net_loss.interpretation


def test_wdq_zero_and_no_success_cases_return_reasons():
    no_control = weighted_displacement_quotient(PrePost(10, 5), PrePost(8, 8), PrePost(0, 4))
    assert no_control.wdq is None and "control" in no_control.reason
    no_success = weighted_displacement_quotient(PrePost(10, 12), PrePost(8, 8), PrePost(50, 50))
    assert no_success.wdq is None and no_success.success_measure == pytest.approx(0.04)
    assert "not negative" in no_success.reason
    empty_buffer = weighted_displacement_quotient(PrePost(10, 5), PrePost(0, 0), PrePost(50, 50))
    assert empty_buffer.wdq == 0 and empty_buffer.interpretation == "no displacement or diffusion"


# --- Before/after summaries and safeguards ---------------------------------------------------


def test_before_after_reports_both_means_and_flags_small_counts():
    summary = before_after(
        [
            AreaCounts("A", 100, 80),  # −20%
            AreaCounts("B", 40, 30),  # −25%
            AreaCounts("C", 6, 0),  # −100%, but 6 < 20: too few to claim
            AreaCounts("D", 0, 3),  # no baseline
        ]
    )
    by_id = {a.area_id: a for a in summary.areas}
    assert by_id["C"].percent_change == -100 and by_id["C"].flag == TOO_FEW
    assert by_id["D"].percent_change is None and summary.areas_without_baseline == 1
    assert summary.mean_percent_change == pytest.approx((-20 - 25 - 100) / 3)
    # Aggregate: (80 + 30 + 0 + 3 − 146)/146 = −33/146.
    assert summary.aggregate_percent_change == pytest.approx(100 * -33 / 146)
    assert summary.largest_reduction.area_id == "B"
    assert summary.flag is None


def test_harm_weighted_before_after_keeps_raw_counts_for_the_minimum_rule():
    counts = [
        CategoryCounts("A", "violence", 4, 2),
        CategoryCounts("A", "asb", 5, 5),
        CategoryCounts("B", "asb", 30, 24),
    ]
    summary = harm_weighted_before_after(counts, {"violence": 10, "asb": 1})
    area_a = summary.areas[0]
    # A: 10·4 + 5 = 45 → 10·2 + 5 = 25, −44.4%; raw 16 incidents → too few despite weight.
    assert (area_a.before, area_a.after) == (45, 25)
    assert area_a.flag == TOO_FEW and summary.areas[1].flag is None
    assert summary.harm_weighted
    with pytest.raises(ValueError, match="violence"):
        harm_weighted_before_after(counts, {"asb": 1})


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (-25, FOR_SCRUTINY),
        (-16, "within research range"),
        (-8, "within research range"),
        (-5, "below research range"),
        (3, "no reduction"),
    ],
)
def test_research_range_check(change, status):
    assert research_range_check(change).status == status


def test_research_range_thresholds_are_configurable():
    assert research_range_check(-25, typical_high=30).for_scrutiny is False


def test_regression_to_mean_warning():
    # Selection mean 20, long-run mean 15: expect (20 − 15)/20 = 25% fewer anyway.
    check = regression_to_mean_check([30, 20, 10], [20, 15, 10])
    assert check.expected_fall_back == pytest.approx(0.25)
    assert check.expected_percent_change == pytest.approx(-25)
    assert check.warning
    assert not regression_to_mean_check([10, 10], [9.5, 10]).warning


# --- Crossover and dose–response -------------------------------------------------------------


def test_crossover_single_hotspot_mantel_haenszel_equals_wald():
    result = crossover_rate_ratio([CrossoverStratum("H1", 12, 20, 30, 25)])
    wald = poisson_wald_rate_ratio(30, 12, exposure_before=25, exposure_after=20)
    assert result.mantel_haenszel.ratio == pytest.approx(wald.ratio)
    assert result.mantel_haenszel.lower == pytest.approx(wald.lower)
    assert result.patrol_rate == pytest.approx(12 / 20)


def test_crossover_mantel_haenszel_recovers_planted_effect_despite_unequal_allocation():
    # Busy hotspots got fewer patrol days, so the crude pooled ratio mixes hotspot rates
    # with the patrol effect; stratifying by hotspot removes that.
    rng = np.random.default_rng(11)
    strata, base = [], rng.gamma(2.0, 1.0, 60)
    for i, rate in enumerate(base):
        patrol_days = 10 if rate > 2 else 50
        strata.append(
            CrossoverStratum(
                f"H{i}",
                rng.poisson(rate * 0.8 * patrol_days),
                patrol_days,
                rng.poisson(rate * (60 - patrol_days)),
                60 - patrol_days,
            )
        )
    result = crossover_rate_ratio(strata)
    assert result.mantel_haenszel.ratio == pytest.approx(0.8, abs=0.05)
    assert result.exact.ratio < 0.6  # the crude estimate is confounded
    # Independent check: Poisson GLM with hotspot fixed effects and a patrol indicator.
    y = [v for s in strata for v in (s.patrol_incidents, s.no_patrol_incidents)]
    exposure = [v for s in strata for v in (s.patrol_days, s.no_patrol_days)]
    x = np.column_stack([np.tile([1, 0], 60), np.kron(np.eye(60), np.ones((2, 1)))])
    glm = sm.GLM(y, x, family=sm.families.Poisson(), exposure=exposure).fit()
    assert result.mantel_haenszel.ratio == pytest.approx(math.exp(glm.params[0]), rel=0.02)


def test_dose_response_matches_statsmodels_wls_and_recovers_planted_slope():
    rng = np.random.default_rng(5)
    hours = rng.uniform(0, 40, 80)
    before = rng.poisson(60, 80)
    after = rng.poisson(60 * np.exp(-0.01 * hours))
    points = [
        DosePoint(f"H{i}", h, b, a)
        for i, (h, b, a) in enumerate(zip(hours, before, after, strict=True))
    ]
    result = dose_response(points)
    y, w = np.log(after / before), 1 / (1 / after + 1 / before)
    wls = sm.WLS(y, sm.add_constant(hours), weights=w).fit()
    assert result.slope == pytest.approx(wls.params[1], rel=1e-9)
    assert (result.lower, result.upper) == pytest.approx(tuple(wls.conf_int()[1]), rel=1e-7)
    assert result.lower < -0.01 < result.upper
    assert result.spearman_rho < 0


def test_dose_response_keeps_zero_after_hotspots_and_needs_three():
    points = [DosePoint("A", 1, 10, 9), DosePoint("B", 5, 10, 0), DosePoint("C", 9, 0, 0)]
    thin = dose_response(points)
    assert thin.slope is None and thin.excluded == ("C",)
    points.append(DosePoint("D", 3, 12, 10))
    assert dose_response(points).n_used == 3
    monotone = dose_response([DosePoint(str(h), h, 20, 20 - 2 * h) for h in range(1, 6)])
    assert monotone.spearman_rho == pytest.approx(-1)


# --- Planted effects and interval coverage ---------------------------------------------------


def test_planted_25_percent_reduction_is_recovered():
    # 400 hotspots, mean 20 before and 15 after: totals ≈ 8000 and 6000, so SE(log RR) ≈
    # √(1/8000 + 1/6000) ≈ 0.017 and a tolerance of ±0.04 on RR is about 3 standard errors.
    rng = np.random.default_rng(2024)
    before, after = rng.poisson(20, 400), rng.poisson(15, 400)
    pooled = pooled_rate_ratio(before, after)
    assert pooled.poisson.ratio == pytest.approx(0.75, abs=0.04)
    assert pooled.negative_binomial.ratio == pytest.approx(0.75, abs=0.04)
    assert pooled.poisson.lower < 0.75 < pooled.poisson.upper < 1
    summary = before_after(
        [AreaCounts(str(i), b, a) for i, (b, a) in enumerate(zip(before, after, strict=True))]
    )
    assert summary.aggregate_percent_change == pytest.approx(-25, abs=4)
    assert research_range_check(summary.aggregate_percent_change).for_scrutiny


def test_poisson_intervals_cover_no_change_95_percent_on_poisson_data():
    # 50 hotspots, mean 8 per period; the pooled Poisson ratio is the Wald one on the totals.
    wald = _coverage(lambda g: poisson_wald_rate_ratio(*g.poisson(400, 2).tolist()))
    exact = _coverage(lambda g: poisson_exact_rate_ratio(*g.poisson(400, 2).tolist()))
    assert 0.93 <= wald <= 0.97
    assert 0.93 <= exact <= 0.97


def test_nb_interval_covers_95_percent_on_overdispersed_data_where_poisson_does_not():
    # Gamma-Poisson counts, mean 5, alpha 0.5 (variance 17.5, 3.5× Poisson), 120 unit-months
    # per period. The Poisson SE is too small by ≈ √3.5, so its "95%" interval covers
    # only ≈ 70%: that is why the NB2 alternative exists and why `recommended` switches.
    def draw(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return _gamma_poisson(rng, 5, 0.5, 120), _gamma_poisson(rng, 5, 0.5, 120)

    nb = _coverage(lambda g: negative_binomial_rate_ratio(*draw(g))[0])
    poisson = _coverage(lambda g: poisson_wald_rate_ratio(*(float(v.sum()) for v in draw(g))))
    assert 0.93 <= nb <= 0.97
    assert poisson < 0.85


def test_wdd_matches_the_worked_example_published_with_the_method():
    """Wheeler & Ratcliffe (2018), Crime Science 7:11, worked example: control 308 -> 318,
    treated 207 -> 110, control buffer 150 -> 140, treated buffer 178 -> 157 give a total
    WDD of -118 with variance 1568, z = -2.98 and a 95% interval of -196 to -40."""
    from evaluation.statistics import PrePost, weighted_displacement_difference

    result = weighted_displacement_difference(
        PrePost(207, 110), PrePost(308, 318),
        buffer=PrePost(178, 157), buffer_control=PrePost(150, 140), confidence=0.95,
    )  # fmt: skip
    assert (result.local, result.displacement, result.wdd) == (-107, -11, -118)
    assert result.variance == 1568
    assert round(result.z, 2) == -2.98
    assert (round(result.lower), round(result.upper)) == (-196, -40)
