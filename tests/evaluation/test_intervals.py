"""Coverage of the report's intervals by simulation, and their point estimates against
statsmodels.

Every simulation is seeded and vectorised: 4,000 draws of four Poisson counts (treated and
comparison, before and after) per treated-to-comparison size ratio, through the same array
kernels the scalar functions use (checked equal below). The treated area expects 200
incidents a period (a plan's hotspots over some months); the comparison 200/ratio, so 40 at
the ratio of 5. Every comparison shares a 10% rise; the planted patrol effect is a 15% fall
in the treated area (and none, for the null runs).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm

from evaluation.statistics import (
    PrePost,
    did_log_arrays,
    difference_in_differences,
    exact_rate_ratio_limits,
    poisson_exact_rate_ratio,
    poisson_wald_rate_ratio,
    scaled_harm_weighted_wdd,
    scaled_wdd_arrays,
    scaled_weighted_displacement_difference,
    wald_log_rate_ratio,
    weighted_displacement_difference,
)

DRAWS = 4_000
RATIOS = (0.2, 0.5, 1.0, 2.0, 5.0)
TREATED_MEAN, TREND, Z95 = 200.0, 1.10, 1.959964
EFFECTS = (1.0, 0.85)  # no effect, a 15% fall


def _draw(seed: int, ratio: float, effect: float) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    control = TREATED_MEAN / ratio
    means = (TREATED_MEAN, TREATED_MEAN * TREND * effect, control, control * TREND)
    return tuple(rng.poisson(m, DRAWS).astype(float) for m in means)


def _cases():
    for i, ratio in enumerate(RATIOS):
        for j, effect in enumerate(EFFECTS):
            yield 1000 + 10 * i + j, ratio, effect


def _report(name: str, figures: list[tuple[float, float, float]]) -> None:
    for ratio, effect, coverage in figures:
        print(f"{name}: size ratio {ratio:g}, effect {effect:g}: coverage {100 * coverage:.2f}%")


def test_scaled_wdd_covers_95_percent_at_every_size_ratio():
    figures = []
    for seed, ratio, effect in _cases():
        tb, ta, cb, ca = _draw(seed, ratio, effect)
        truth = TREATED_MEAN * TREND * effect - TREATED_MEAN * TREND
        _, lower, upper, _ = scaled_wdd_arrays(tb, ta, cb, ca)
        figures.append((ratio, effect, float(np.mean((lower <= truth) & (truth <= upper)))))
    _report("scaled WDD", figures)
    assert all(0.94 <= coverage <= 0.96 for _, _, coverage in figures), figures


def test_scaled_counts_read_as_poisson_counts_undercover_a_small_comparison():
    """The earlier interval: the comparison scaled to the treated before count, then the
    published variance on the scaled counts. At a size ratio of 2 it covers about 87%."""
    tb, ta, cb, ca = _draw(7, 2.0, 1.0)
    scaled_after = ca * tb / cb
    wdd = (ta - tb) - (scaled_after - tb)
    half = Z95 * np.sqrt(tb + ta + tb + scaled_after)
    coverage = float(np.mean(np.abs(wdd) <= half))
    print(f"published variance on scaled counts, size ratio 2: {100 * coverage:.2f}%")
    assert coverage < 0.90


def test_did_interval_covers_95_percent_at_every_size_ratio():
    figures = []
    for seed, ratio, effect in _cases():
        log_rrr, variance = did_log_arrays(*_draw(seed, ratio, effect))
        covered = np.abs(log_rrr - math.log(effect)) <= Z95 * np.sqrt(variance)
        figures.append((ratio, effect, float(np.mean(covered))))
    _report("DiD", figures)
    assert all(0.94 <= coverage <= 0.96 for _, _, coverage in figures), figures


@pytest.mark.parametrize("mean", [200.0, 40.0])
def test_rate_ratio_intervals_cover_95_percent(mean):
    """Wald within 94–96%; the exact interval is conservative by construction (≥ 95%), and
    within 96% once the counts are in the hundreds."""
    figures = []
    for i, effect in enumerate(EFFECTS):
        rng = np.random.default_rng(500 + i + int(mean))
        before = rng.poisson(mean, DRAWS).astype(float)
        after = rng.poisson(mean * TREND * effect, DRAWS).astype(float)
        truth = TREND * effect
        log_rr, variance = wald_log_rate_ratio(before, after)
        wald = float(np.mean(np.abs(log_rr - math.log(truth)) <= Z95 * np.sqrt(variance)))
        lower, upper = exact_rate_ratio_limits(before, after)
        exact = float(np.mean((lower <= truth) & (truth <= upper)))
        print(f"mean {mean:g}, RR {truth:.3f}: Wald {100 * wald:.2f}%, exact {100 * exact:.2f}%")
        figures.append((wald, exact))
    assert all(0.94 <= wald <= 0.96 for wald, _ in figures)
    assert all(exact >= 0.95 for _, exact in figures)
    if mean >= 200:
        assert all(exact <= 0.96 for _, exact in figures)


# --- The array kernels are the scalar functions' own arithmetic -----------------------------


@pytest.mark.parametrize(("tb", "ta", "cb", "ca"), [(120, 80, 200, 190), (30, 41, 7, 12)])
def test_kernels_match_the_scalar_functions(tb, ta, cb, ca):
    wdd = scaled_weighted_displacement_difference(PrePost(tb, ta), PrePost(cb, ca))
    estimate, lower, upper, variance = scaled_wdd_arrays(tb, ta, cb, ca)
    assert (wdd.wdd, wdd.lower, wdd.upper, wdd.variance) == pytest.approx(
        (float(estimate), float(lower), float(upper), float(variance))
    )
    did = difference_in_differences(PrePost(tb, ta), PrePost(cb, ca)).ratio_of_rate_ratios
    log_rrr, var = did_log_arrays(tb, ta, cb, ca)
    assert (did.lower, did.upper) == pytest.approx(
        (math.exp(log_rrr - Z95 * math.sqrt(var)), math.exp(log_rrr + Z95 * math.sqrt(var)))
    )
    exact = poisson_exact_rate_ratio(tb, ta)
    assert (exact.lower, exact.upper) == pytest.approx(
        tuple(float(v) for v in exact_rate_ratio_limits(tb, ta))
    )
    wald = poisson_wald_rate_ratio(tb, ta)
    log_rr, var = wald_log_rate_ratio(tb, ta)
    assert wald.ratio == pytest.approx(math.exp(log_rr))


# --- The scaled WDD by hand and against statsmodels ------------------------------------------


def test_scaled_wdd_by_hand():
    # Treated 120 → 80; comparison 400 → 380 (twice the size, a 5% fall). Counterfactual
    # B = 120·380/400 = 114, WDD = 80 − 114 = −34. Var = 80 + 0.95²·120 + 114²·(1/380 + 1/400)
    # = 80 + 108.3 + 66.69 = 254.99. MOVER: T_a score limits 80 + 1.9208 ± 1.96·√(80.9604)
    # = (64.285, 99.556); B·exp(∓1.96·√(1/120 + 1/380 + 1/400)) = 114·exp(∓0.22743)
    # = (90.81, 143.11). L = −34 − √(15.715² + 29.11²) = −67.08, U = −34 + √(19.556² +
    # 23.19²) = −3.66.
    result = scaled_weighted_displacement_difference(PrePost(120, 80), PrePost(400, 380))
    assert result.wdd == pytest.approx(-34)
    assert result.variance == pytest.approx(254.99, abs=0.01)
    assert (result.lower, result.upper) == pytest.approx((-67.08, -3.66), abs=0.01)
    assert result.method == "scaled-mover" and result.p_value < 0.05


@pytest.mark.filterwarnings(
    "ignore::RuntimeWarning", "ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning"
)
def test_scaled_wdd_equals_the_counterfactual_from_a_poisson_glm():
    """Fit the common-trend Poisson GLM on the comparison alone (count ~ after) with the
    treated before count: its predicted treated after count is T_b·exp(β_after), the
    counterfactual the scaled WDD subtracts."""
    treated, comparison = PrePost(140, 98), PrePost(2300, 2185)
    glm = sm.GLM(
        [comparison.before, comparison.after], sm.add_constant(np.array([0.0, 1.0])),
        family=sm.families.Poisson(),
    ).fit(tol=1e-14)  # fmt: skip
    counterfactual = treated.before * math.exp(glm.params[1])
    result = scaled_weighted_displacement_difference(treated, comparison)
    assert result.wdd == pytest.approx(treated.after - counterfactual, rel=1e-9)


def test_shared_comparison_counts_the_comparison_once():
    """Hotspots and buffers against the same comparison: one part of (T + D) against C."""
    treated, buffer, comparison = PrePost(120, 80), PrePost(60, 55), PrePost(1000, 1100)
    result = scaled_weighted_displacement_difference(treated, comparison, buffer=buffer)
    combined = scaled_weighted_displacement_difference(PrePost(180, 135), comparison)
    assert (result.wdd, result.lower, result.upper) == pytest.approx(
        (combined.wdd, combined.lower, combined.upper)
    )
    assert result.local == pytest.approx(80 - 132) and result.displacement == pytest.approx(-11)
    # Passing the same comparison twice as if independent would let its noise partly cancel.
    twice = scaled_weighted_displacement_difference(
        treated, comparison, buffer=buffer, buffer_comparison=comparison
    )
    assert twice.wdd == pytest.approx(result.wdd)
    assert twice.upper - twice.lower < result.upper - result.lower


def test_equal_sizes_and_no_trend_agree_with_the_published_wdd():
    # With C_b = T_b the scaled and published WDDs have the same estimate.
    published = weighted_displacement_difference(PrePost(200, 160), PrePost(200, 190))
    scaled = scaled_weighted_displacement_difference(PrePost(200, 160), PrePost(200, 190))
    assert scaled.wdd == pytest.approx(published.wdd)


def test_scaled_harm_weighted_wdd_sums_the_weighted_categories():
    treated = {"violence": PrePost(10, 6), "asb": PrePost(50, 40), "theft": PrePost(0, 0)}
    comparison = {"violence": PrePost(200, 220), "asb": PrePost(1000, 950)}
    weights = {"violence": 3.0, "asb": 1.0, "theft": 2.0}
    result = scaled_harm_weighted_wdd(treated, comparison, weights)
    expected = 3 * (6 - 10 * 1.1) + 1 * (40 - 50 * 0.95)
    assert result.wdd == pytest.approx(expected)
    assert result.lower < result.wdd < result.upper
    one = scaled_weighted_displacement_difference(PrePost(50, 40), PrePost(1000, 950))
    alone = scaled_harm_weighted_wdd({"asb": PrePost(50, 40)}, comparison, weights)
    assert (alone.lower, alone.upper) == pytest.approx((one.lower, one.upper))


def test_a_comparison_without_incidents_before_applies_no_trend_and_says_so():
    result = scaled_weighted_displacement_difference(PrePost(30, 20), PrePost(0, 5))
    assert result.wdd == pytest.approx(-10)
    assert "no trend" in result.note
    assert result.lower < -10 < result.upper
