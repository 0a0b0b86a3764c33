"""Treated versus comparison areas: difference-in-differences, WDD and WDQ."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._common import PrePost, percent_change, two_sided_normal_p, z_quantile
from .before_after import check_weights
from .rates import RateRatio, poisson_wald_rate_ratio, wald_log_rate_ratio, wald_rate_ratio


@dataclass(frozen=True)
class DifferenceInDifferences:
    """Ratio of rate ratios (treated RR / comparison RR) and the same contrast in % points.

    `ratio_of_rate_ratios` < 1 means the treated areas fell more (or rose less) than the
    comparison; `difference_points` = treated %Δ − comparison %Δ.
    """

    treated: RateRatio
    comparison: RateRatio
    ratio_of_rate_ratios: RateRatio
    treated_percent_change: float | None
    comparison_percent_change: float | None
    difference_points: float | None


def difference_in_differences(
    treated: PrePost, comparison: PrePost, *, confidence: float = 0.95
) -> DifferenceInDifferences:
    """Difference-in-differences on the log scale for four Poisson counts.

    RRR = (T_a/T_b) / (C_a/C_b); Var(log RRR) = 1/T_b + 1/T_a + 1/C_b + 1/C_a; interval
    exp(log RRR ± z·SE). This equals the interaction term of a saturated Poisson GLM
    (count ~ treated × after), i.e. the ratio-of-rate-ratios of Rothman, Greenland & Lash
    (2008, ch. 15). Poisson variance only: with overdispersed counts the interval is too
    narrow, so read it alongside the NB2 check of `pooled_rate_ratio`.
    """
    treated_rr = poisson_wald_rate_ratio(treated.before, treated.after, confidence=confidence)
    comparison_rr = poisson_wald_rate_ratio(
        comparison.before, comparison.after, confidence=confidence
    )
    t_pct = percent_change(treated.before, treated.after)
    c_pct = percent_change(comparison.before, comparison.after)
    points = None if t_pct is None or c_pct is None else t_pct - c_pct
    counts = (treated.before, treated.after, comparison.before, comparison.after)
    if min(counts) == 0:
        rrr = RateRatio(None, None, None, None, "poisson-did", confidence, "a zero count")
    else:
        log_rrr, variance = did_log_arrays(*counts)
        rrr = wald_rate_ratio(float(log_rrr), float(variance), "poisson-did", confidence)
    return DifferenceInDifferences(treated_rr, comparison_rr, rrr, t_pct, c_pct, points)


def did_log_arrays(
    treated_before: ArrayLike,
    treated_after: ArrayLike,
    comparison_before: ArrayLike,
    comparison_after: ArrayLike,
) -> tuple[np.ndarray, np.ndarray]:
    """log RRR and its variance Σ 1/n over the four counts, elementwise (counts > 0)."""
    treated, t_var = wald_log_rate_ratio(treated_before, treated_after)
    comparison, c_var = wald_log_rate_ratio(comparison_before, comparison_after)
    return treated - comparison, t_var + c_var


@dataclass(frozen=True)
class ForceComparison:
    """Hotspot change set against the whole force and the rest of the force."""

    hotspot_percent_change: float | None
    force_percent_change: float | None
    rest_of_force_percent_change: float | None
    versus_rest_of_force: DifferenceInDifferences


def force_comparison(
    hotspots: PrePost, force: PrePost, rest_of_force: PrePost, *, confidence: float = 0.95
) -> ForceComparison:
    """Force-wide and rest-of-force change with a DiD of hotspots against the rest.

    The force-wide figure contains the hotspots themselves, so only the rest of the force
    (the caller's counts excluding hotspots *and* their buffers, so that displacement or
    diffusion does not contaminate the comparison) is used for the DiD.
    """
    for period in ("before", "after"):
        inside = getattr(hotspots, period) + getattr(rest_of_force, period)
        if inside > getattr(force, period):
            raise ValueError(f"hotspots + rest of force exceed the force total ({period})")
    return ForceComparison(
        percent_change(hotspots.before, hotspots.after),
        percent_change(force.before, force.after),
        percent_change(rest_of_force.before, rest_of_force.after),
        difference_in_differences(hotspots, rest_of_force, confidence=confidence),
    )


@dataclass(frozen=True)
class WDDResult:
    """Weighted Displacement Difference. Negative `wdd` = fewer incidents than the control
    trend implies; `crimes_prevented` is its negation. `method` is "wheeler-ratcliffe" for the
    published raw-count form or "scaled-mover" for the comparison scaled to the treated
    area's size; `note` says when a comparison had no incidents to take a trend from."""

    wdd: float
    local: float
    displacement: float
    variance: float
    z: float | None
    p_value: float | None
    lower: float
    upper: float
    confidence: float
    method: str = "wheeler-ratcliffe"
    note: str = ""

    @property
    def crimes_prevented(self) -> float:
        return -self.wdd


def _wdd_result(local: float, displacement: float, variance: float, confidence: float) -> WDDResult:
    estimate = local + displacement
    se = math.sqrt(variance)
    half = z_quantile(confidence) * se
    z = estimate / se if se > 0 else None
    p = two_sided_normal_p(z) if z is not None else None
    return WDDResult(
        estimate, local, displacement, variance, z, p, estimate - half, estimate + half, confidence
    )


def weighted_displacement_difference(
    treated: PrePost,
    control: PrePost,
    *,
    buffer: PrePost | None = None,
    buffer_control: PrePost | None = None,
    confidence: float = 0.95,
) -> WDDResult:
    """Wheeler & Ratcliffe (2018, Crime Science 7:11) Weighted Displacement Difference.

    WDD = ΔT − ΔC (+ ΔD − ΔC_D with a displacement buffer D and its own control C_D), with
    Δ = after − before. Under Poisson counts Var(WDD) = T_b + T_a + C_b + C_a (+ D_b + D_a +
    C_Db + C_Da); z = WDD/√Var and interval WDD ± z_{1−α/2}·√Var. The published form: it
    assumes a control of the treated area's size. With a control of another size a common
    trend alone moves the WDD away from 0 (use `scaled_weighted_displacement_difference`).
    """
    if (buffer is None) != (buffer_control is None):
        raise ValueError("give both buffer and buffer_control, or neither")
    local = treated.change - control.change
    variance = treated.total + control.total
    displacement = 0.0
    if buffer is not None and buffer_control is not None:
        displacement = buffer.change - buffer_control.change
        variance += buffer.total + buffer_control.total
    return _wdd_result(local, displacement, variance, confidence)


# --- WDD with the comparison scaled to the treated area's size --------------------------------

Array = np.ndarray


def poisson_score_limits(count: ArrayLike, z: float) -> tuple[Array, Array]:
    """Score (Wilson-type) limits for a Poisson mean from one count n:
    n + z²/2 ± z·√(n + z²/4), the roots of (n − μ)² = z²·μ."""
    n = np.asarray(count, float)
    centre, half = n + z * z / 2, z * np.sqrt(n + z * z / 4)
    return centre - half, centre + half


def counterfactual_limits(
    treated_before: ArrayLike, comparison_before: ArrayLike, comparison_after: ArrayLike, z: float
) -> tuple[Array, Array, Array, Array]:
    """The treated area's expected after count had it followed the comparison's trend,
    B = T_b·C_a/C_b, with limits on the log scale and its delta-method variance.

    log B = log T_b + log C_a − log C_b has Var ≈ 1/T_b + 1/C_a + 1/C_b (three independent
    Poisson counts), so the limits are B·exp(∓z·SE): the ratio of two counts is skewed, and
    its log is close to normal long before the ratio itself is. A zero count is replaced by
    ½ in the SE (and in B for the upper limit) so that an empty cell keeps a width. Where the
    comparison has no incidents before there is no trend to apply: B = T_b, with the Poisson
    score limits of T_b. Returns (B, lower, upper, Var B), Var B = R²·T_b + B²·(1/C_a + 1/C_b)
    with R = C_a/C_b.
    """
    tb = np.asarray(treated_before, float)
    cb, ca = np.asarray(comparison_before, float), np.asarray(comparison_after, float)
    no_trend = cb == 0
    ratio = np.where(no_trend, 1.0, ca / np.where(no_trend, 1.0, cb))
    estimate = tb * ratio
    half = lambda n: np.maximum(n, 0.5)  # noqa: E731
    se = np.sqrt(1 / half(tb) + 1 / half(ca) + 1 / half(cb))
    upper_base = half(tb) * half(ca) / half(cb)
    lower = estimate * np.exp(-z * se)
    upper = np.where(estimate > 0, estimate, upper_base) * np.exp(z * se)
    score_lo, score_hi = poisson_score_limits(tb, z)
    variance = ratio**2 * tb + estimate**2 * (1 / half(ca) + 1 / half(cb))
    return (
        estimate,
        np.where(no_trend, score_lo, lower),
        np.where(no_trend, score_hi, upper),
        np.where(no_trend, tb, variance),
    )


def mover_limits(
    added: Sequence[tuple[Array, Array, Array]],
    subtracted: Sequence[tuple[Array, Array, Array]],
) -> tuple[Array, Array, Array]:
    """Limits for Σ added − Σ subtracted of independent parts, each given as (estimate,
    lower, upper): the method of variance estimates recovery (MOVER; Zou & Donner 2008,
    Stat. Med. 27:1693; Newcombe 2011). Each part's own, possibly skewed, limits set how far
    the sum can move: L = θ̂ − √(Σ (distance to the limit on the lowering side)²), U likewise.
    """
    estimate = sum((p[0] for p in added), np.asarray(0.0)) - sum(
        (p[0] for p in subtracted), np.asarray(0.0)
    )
    down = sum(((p[0] - p[1]) ** 2 for p in added), np.asarray(0.0)) + sum(
        ((p[2] - p[0]) ** 2 for p in subtracted), np.asarray(0.0)
    )
    up = sum(((p[2] - p[0]) ** 2 for p in added), np.asarray(0.0)) + sum(
        ((p[0] - p[1]) ** 2 for p in subtracted), np.asarray(0.0)
    )
    return estimate, estimate - np.sqrt(down), estimate + np.sqrt(up)


def scaled_wdd_arrays(
    treated_before: ArrayLike,
    treated_after: ArrayLike,
    comparison_before: ArrayLike,
    comparison_after: ArrayLike,
    *,
    confidence: float = 0.95,
) -> tuple[Array, Array, Array, Array]:
    """Vectorised scaled WDD of one area against one comparison: (estimate, lower, upper,
    delta-method variance), elementwise over arrays of counts (see
    `scaled_weighted_displacement_difference`)."""
    z = z_quantile(confidence)
    after = np.asarray(treated_after, float)
    counter = counterfactual_limits(treated_before, comparison_before, comparison_after, z)
    observed = (after, *poisson_score_limits(after, z))
    estimate, lower, upper = mover_limits([observed], [counter[:3]])
    return estimate, lower, upper, after + counter[3]


def _scaled_result(
    local: float,
    displacement: float,
    variance: float,
    limits: tuple[Array, Array, Array],
    confidence: float,
    note: str,
) -> WDDResult:
    """The WDD with its MOVER limits; z and p from the half of the interval on the side of
    zero, so that "the interval excludes 0" and "p < 1 − confidence" always agree."""
    estimate, lower, upper = (float(v) for v in limits)
    side = (estimate - lower) if estimate > 0 else (upper - estimate)
    se = side / z_quantile(confidence)
    z = estimate / se if se > 0 else None
    p = two_sided_normal_p(z) if z is not None else None
    return WDDResult(
        estimate, local, displacement, variance, z, p, lower, upper, confidence,
        "scaled-mover", note,
    )  # fmt: skip


def _no_trend_note(*comparisons: PrePost) -> str:
    if any(c.before == 0 for c in comparisons):
        return "a comparison had no incidents before, so no trend was applied to it"
    return ""


def scaled_weighted_displacement_difference(
    treated: PrePost,
    comparison: PrePost,
    *,
    buffer: PrePost | None = None,
    buffer_comparison: PrePost | None = None,
    confidence: float = 0.95,
) -> WDDResult:
    """WDD with the comparison scaled to the treated area's size (its before count).

    Wheeler & Ratcliffe's raw differences ΔT − ΔC assume a control of the treated area's
    size: with a control s times smaller, a common trend r alone gives E[WDD] =
    μ_Tb·(r − 1)·(1 − 1/s) ≠ 0. Scaled, the comparison stands for what the treated area
    would have had: the counterfactual B = T_b·C_a/C_b, and

        WDD = (T_a − T_b·C_a/C_b) + (D_a − D_b·C'_a/C'_b),

    local part plus buffer part (D the buffers, C' their comparison), which is 0 in
    expectation under a common trend whatever the sizes. The scaled counts are not Poisson
    counts of that size: by the delta method Var(T_b·C_a/C_b) ≈ R²·T_b + B²·(1/C_a + 1/C_b)
    with R = C_a/C_b, so a comparison smaller than the treated area adds more than its
    scaled count (the published variance T_b + T_a + C_b + C_a on scaled counts covered
    only ≈ 87% at a size ratio of 2 and 72% at 5). `variance` is that delta-method sum.

    The interval combines the parts by MOVER (`mover_limits`): T_a with its Poisson score
    limits and each counterfactual with log-scale limits (`counterfactual_limits`), which
    keeps its coverage within 94–96% for treated-to-comparison size ratios from 0.2 to 5
    (tests/evaluation/test_statistics.py simulates it). Without `buffer_comparison` the
    buffers share the treated area's comparison, and the two parts are one:
    (T_a + D_a) − (T_b + D_b)·C_a/C_b, so that the shared C is counted once.
    """
    z = z_quantile(confidence)
    if buffer is None:
        if buffer_comparison is not None:
            raise ValueError("a buffer_comparison needs a buffer")
        limits = scaled_wdd_arrays(
            treated.before, treated.after, comparison.before, comparison.after,
            confidence=confidence,
        )  # fmt: skip
        return _scaled_result(
            float(limits[0]), 0.0, float(limits[3]), limits[:3], confidence,
            _no_trend_note(comparison),
        )  # fmt: skip
    own = buffer_comparison or comparison
    local = treated.after - _counterfactual(treated.before, comparison)
    displacement = buffer.after - _counterfactual(buffer.before, own)
    if buffer_comparison is None:
        limits = scaled_wdd_arrays(
            treated.before + buffer.before, treated.after + buffer.after,
            comparison.before, comparison.after, confidence=confidence,
        )  # fmt: skip
        variance = float(limits[3])
        bounds = limits[:3]
    else:
        parts = [
            (
                (a := np.asarray(area.after, float), *poisson_score_limits(a, z)),
                counterfactual_limits(area.before, c.before, c.after, z),
            )
            for area, c in ((treated, comparison), (buffer, buffer_comparison))
        ]
        bounds = mover_limits([p[0] for p in parts], [p[1][:3] for p in parts])
        variance = float(sum(p[0][0] + p[1][3] for p in parts))
    return _scaled_result(
        local, displacement, variance, bounds, confidence, _no_trend_note(comparison, own)
    )


def _counterfactual(before: float, comparison: PrePost) -> float:
    if comparison.before == 0:
        return before
    return before * comparison.after / comparison.before


def harm_weighted_wdd(
    treated: Mapping[str, PrePost],
    control: Mapping[str, PrePost],
    weights: Mapping[str, float],
    *,
    confidence: float = 0.95,
) -> WDDResult:
    """Harm-weighted WDD over crime categories k (Wheeler & Ratcliffe 2018, weighted case).

    WDD_w = Σ_k w_k·(ΔT_k − ΔC_k), Var = Σ_k w_k²·(T_bk + T_ak + C_bk + C_ak), since
    Var(w·N) = w²·Var(N) for a Poisson count N. A category missing from one area counts as
    zero incidents there. Raw counts, as published: for a comparison of another size use
    `scaled_harm_weighted_wdd`.
    """
    categories = set(treated) | set(control)
    check_weights(categories, weights)
    zero = PrePost(0, 0)
    local = variance = 0.0
    for k in categories:
        t, c, w = treated.get(k, zero), control.get(k, zero), weights[k]
        local += w * (t.change - c.change)
        variance += w * w * (t.total + c.total)
    return _wdd_result(local, 0.0, variance, confidence)


def scaled_harm_weighted_wdd(
    treated: Mapping[str, PrePost],
    comparison: Mapping[str, PrePost],
    weights: Mapping[str, float],
    *,
    confidence: float = 0.95,
) -> WDDResult:
    """Harm-weighted WDD with each category's comparison scaled to the treated area:
    WDD_w = Σ_k w_k·(T_ak − T_bk·C_ak/C_bk). Categories are independent Poisson counts, so
    the MOVER parts are the weighted T_ak and counterfactuals (w ≥ 0 scales limits) and
    Var = Σ_k w_k²·(T_ak + Var B_k). Categories with no treated incidents in either period
    add nothing (their counterfactual is 0 whatever the comparison did).
    """
    check_weights(set(treated) | set(comparison), weights)
    z = z_quantile(confidence)
    zero = PrePost(0, 0)
    added, subtracted = [], []
    local = variance = 0.0
    for k in sorted(treated):
        t, c, w = treated[k], comparison.get(k, zero), weights[k]
        if t.total == 0:
            continue
        after = np.asarray(t.after, float)
        lo, hi = poisson_score_limits(after, z)
        b, b_lo, b_hi, b_var = counterfactual_limits(t.before, c.before, c.after, z)
        added.append((w * after, w * lo, w * hi))
        subtracted.append((w * b, w * b_lo, w * b_hi))
        local += w * (t.after - float(b))
        variance += w * w * (t.after + float(b_var))
    if not added:
        return _wdd_result(0.0, 0.0, 0.0, confidence)
    note = _no_trend_note(*(comparison.get(k, zero) for k in treated if treated[k].total))
    return _scaled_result(local, 0.0, variance, mover_limits(added, subtracted), confidence, note)


@dataclass(frozen=True)
class WDQResult:
    """Weighted Displacement Quotient and its two parts; `wdq` is None with a `reason` when
    undefined. `interpretation` follows Bowers & Johnson's reading of the quotient."""

    wdq: float | None
    success_measure: float | None
    buffer_measure: float | None
    interpretation: str
    reason: str


def _interpret_wdq(wdq: float) -> str:
    if wdq > 1:
        return "diffusion of benefit greater than the direct effect"
    if wdq > 0:
        return "diffusion of benefit"
    if wdq == 0:
        return "no displacement or diffusion"
    if wdq >= -1:
        return "displacement smaller than the direct effect (net benefit)"
    return "displacement greater than the direct effect (net loss)"


def weighted_displacement_quotient(
    response: PrePost, buffer: PrePost, control: PrePost
) -> WDQResult:
    """Bowers & Johnson (2003, J. Quant. Criminol. 19:275) Weighted Displacement Quotient.

    WDQ = (D_a/C_a − D_b/C_b) / (R_a/C_a − R_b/C_b), R = response (treated) area, D = buffer,
    C = control. The denominator, the success measure, must be negative — the response area
    improved relative to the control — for the quotient to mean anything; otherwise there is
    no effect to be displaced and None is returned with the reason. WDQ > 0 suggests
    diffusion of benefit, WDQ < 0 displacement, and |WDQ| > 1 that the buffer change
    outweighs the direct effect.
    """
    if control.before == 0 or control.after == 0:
        reason = "the control area has no incidents in a period, so the ratios are undefined"
        return WDQResult(None, None, None, "", reason)
    success = response.after / control.after - response.before / control.before
    buffer_measure = buffer.after / control.after - buffer.before / control.before
    if success >= 0:
        reason = (
            "success measure R_a/C_a − R_b/C_b is not negative: the response area did not "
            "improve relative to the control, so there is no effect to displace"
        )
        return WDQResult(None, success, buffer_measure, "", reason)
    wdq = buffer_measure / success
    return WDQResult(wdq, success, buffer_measure, _interpret_wdq(wdq), "")
