"""Treated versus comparison areas: difference-in-differences, WDD and WDQ."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ._common import PrePost, percent_change, two_sided_normal_p, z_quantile
from .before_after import check_weights
from .rates import RateRatio, poisson_wald_rate_ratio, wald_rate_ratio


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
        log_rrr = math.log(treated.after / treated.before) - math.log(
            comparison.after / comparison.before
        )
        rrr = wald_rate_ratio(log_rrr, sum(1 / n for n in counts), "poisson-did", confidence)
    return DifferenceInDifferences(treated_rr, comparison_rr, rrr, t_pct, c_pct, points)


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
    trend implies; `crimes_prevented` is its negation."""

    wdd: float
    local: float
    displacement: float
    variance: float
    z: float | None
    p_value: float | None
    lower: float
    upper: float
    confidence: float

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
    C_Db + C_Da); z = WDD/√Var and interval WDD ± z_{1−α/2}·√Var. A normal approximation:
    unreliable for very small counts and too narrow for overdispersed ones.
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
    zero incidents there.
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
