"""Designs beyond a single before/after pair: daily crossover and dose–response."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._common import check_confidence, check_count, z_quantile
from .rates import RateRatio, poisson_exact_rate_ratio


@dataclass(frozen=True)
class CrossoverStratum:
    """One hotspot in a crossover design: incidents and days with and without patrol."""

    area_id: str
    patrol_incidents: int
    patrol_days: float
    no_patrol_incidents: int
    no_patrol_days: float

    def __post_init__(self) -> None:
        for name in ("patrol_incidents", "patrol_days", "no_patrol_incidents", "no_patrol_days"):
            check_count(getattr(self, name), name)


@dataclass(frozen=True)
class CrossoverResult:
    """Patrol-day versus no-patrol-day rates (per day) and two rate ratios (patrol/no patrol).

    `exact` pools all hotspots (crude); `mantel_haenszel` compares days within each hotspot,
    which is the right estimate when hotspots got unequal shares of patrol days.
    """

    patrol_rate: float | None
    no_patrol_rate: float | None
    exact: RateRatio
    mantel_haenszel: RateRatio


def _mantel_haenszel(strata: Sequence[CrossoverStratum], confidence: float) -> RateRatio:
    """Mantel–Haenszel rate ratio over strata with the Greenland & Robins (1985) variance.

    With a_i, b_i incidents on patrol / no-patrol days, exposures T1_i, T0_i, T_i = T1_i + T0_i,
    M_i = a_i + b_i: RR = Σ(a_i·T0_i/T_i) / Σ(b_i·T1_i/T_i),
    Var(log RR) = Σ(M_i·T1_i·T0_i/T_i²) / [Σ(a_i·T0_i/T_i)·Σ(b_i·T1_i/T_i)], and the MH
    χ² = (Σa_i − ΣM_i·T1_i/T_i)² / Σ(M_i·T1_i·T0_i/T_i²) (Rothman, Greenland & Lash 2008,
    ch. 15).
    """
    a = np.array([s.patrol_incidents for s in strata], float)
    b = np.array([s.no_patrol_incidents for s in strata], float)
    t1 = np.array([s.patrol_days for s in strata], float)
    t0 = np.array([s.no_patrol_days for s in strata], float)
    keep = (t1 > 0) & (t0 > 0)  # a hotspot seen in one arm only carries no comparison
    a, b, t1, t0 = a[keep], b[keep], t1[keep], t0[keep]
    t = t1 + t0
    num, den = float((a * t0 / t).sum()), float((b * t1 / t).sum())
    method = "mantel-haenszel"
    if num == 0 or den == 0:
        return RateRatio(None, None, None, None, method, confidence, "a zero weighted count")
    info = float(((a + b) * t1 * t0 / t**2).sum())
    se = math.sqrt(info / (num * den))
    z = z_quantile(confidence)
    chi2 = float((a.sum() - ((a + b) * t1 / t).sum()) ** 2 / info)
    rr = num / den
    p = float(stats.chi2.sf(chi2, 1))
    return RateRatio(rr, rr * math.exp(-z * se), rr * math.exp(z * se), p, method, confidence)


def crossover_rate_ratio(
    strata: Sequence[CrossoverStratum], *, confidence: float = 0.95
) -> CrossoverResult:
    """Daily crossover design: patrol days versus no-patrol days within the same hotspots.

    Returns the crude exact conditional rate ratio on the pooled counts and exposures (see
    `poisson_exact_rate_ratio`) and the Mantel–Haenszel ratio stratified by hotspot. Days are
    treated as independent Poisson exposure; carry-over from a patrol day to the next is
    not modelled, which biases towards no effect.
    """
    if not strata:
        raise ValueError("need at least one hotspot")
    incidents = [
        sum(s.patrol_incidents for s in strata),
        sum(s.no_patrol_incidents for s in strata),
    ]
    days = [sum(s.patrol_days for s in strata), sum(s.no_patrol_days for s in strata)]
    if min(days) <= 0:
        raise ValueError("need both patrol and no-patrol days")
    exact = poisson_exact_rate_ratio(
        incidents[1],
        incidents[0],
        exposure_before=days[1],
        exposure_after=days[0],
        confidence=confidence,
    )
    return CrossoverResult(
        incidents[0] / days[0], incidents[1] / days[1], exact, _mantel_haenszel(strata, confidence)
    )


@dataclass(frozen=True)
class DosePoint:
    """One hotspot's patrol dose (hours) and its before/after counts."""

    area_id: str
    dose_hours: float
    before: float
    after: float

    def __post_init__(self) -> None:
        for name in ("dose_hours", "before", "after"):
            check_count(getattr(self, name), name)


@dataclass(frozen=True)
class DoseResponse:
    """Slope of the log rate ratio on dose (per hour) with CI, and a Spearman correlation.

    A negative slope means more patrol hours went with bigger falls. Observational: hotspots
    that got more hours may differ in other ways.
    """

    slope: float | None
    lower: float | None
    upper: float | None
    p_value: float | None
    spearman_rho: float | None
    spearman_p: float | None
    n_used: int
    excluded: tuple[str, ...]
    note: str = ""

    @property
    def percent_change_per_hour(self) -> float | None:
        """100·(exp(slope) − 1): the multiplicative change in the rate ratio per extra hour."""
        return None if self.slope is None else 100.0 * math.expm1(self.slope)


def _log_rate_ratios(points: Sequence[DosePoint]) -> tuple[np.ndarray, np.ndarray]:
    """log(A/B) and 1/A + 1/B, adding ½ to both counts only where one is zero (Haldane 1956),
    so hotspots that fell to zero are kept rather than silently dropped."""
    b = np.array([p.before for p in points], float)
    a = np.array([p.after for p in points], float)
    has_zero = (a == 0) | (b == 0)
    a, b = a + 0.5 * has_zero, b + 0.5 * has_zero
    return np.log(a / b), 1 / a + 1 / b


def _weighted_slope(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, confidence: float
) -> tuple[float, float, float, float]:
    """WLS slope with the residual-scaled covariance s²·(X'WX)⁻¹ and t(n − 2) interval.

    Scaling by s² = Σw·r²/(n − 2) lets between-hotspot heterogeneity beyond Poisson widen
    the interval, rather than trusting the Poisson variances alone (Draper & Smith 1998, §9.2).
    """
    design = np.column_stack([np.ones_like(x), x])
    info = design.T @ (w[:, None] * design)
    beta = np.linalg.solve(info, design.T @ (w * y))
    resid = y - design @ beta
    df = x.size - 2
    se = math.sqrt(float((w * resid**2).sum()) / df * np.linalg.inv(info)[1, 1])
    t = float(stats.t.ppf(0.5 + confidence / 2, df))
    slope = float(beta[1])
    p = float(2 * stats.t.sf(abs(slope / se), df)) if se > 0 else 0.0
    return slope, slope - t * se, slope + t * se, p


def dose_response(points: Sequence[DosePoint], *, confidence: float = 0.95) -> DoseResponse:
    """Dose–response across hotspots: log rate ratio regressed on patrol hours.

    y_i = log(A_i/B_i), weights w_i = 1/Var(y_i) = 1/(1/A_i + 1/B_i) (inverse-variance
    meta-regression; Thompson & Higgins 2002), slope by weighted least squares; plus the
    Spearman rank correlation of dose with % change, which needs no model. Hotspots with no
    incidents in either period carry no information and are excluded (listed).
    """
    check_confidence(confidence)
    used = [p for p in points if p.before + p.after > 0]
    excluded = tuple(p.area_id for p in points if p.before + p.after == 0)
    doses = np.array([p.dose_hours for p in used], float)
    if len(used) < 3 or np.ptp(doses) == 0:
        note = "need at least three hotspots with incidents and differing doses"
        return DoseResponse(None, None, None, None, None, None, len(used), excluded, note)
    log_rr, var = _log_rate_ratios(used)
    slope, lower, upper, p = _weighted_slope(doses, log_rr, 1 / var, confidence)
    with_base = [p for p in used if p.before > 0]
    rho = rho_p = None
    if len(with_base) >= 3:
        pct = [(p.after - p.before) / p.before for p in with_base]
        res = stats.spearmanr([p.dose_hours for p in with_base], pct)
        if np.isfinite(res.statistic):  # NaN when every % change is equal
            rho, rho_p = float(res.statistic), float(res.pvalue)
    return DoseResponse(slope, lower, upper, p, rho, rho_p, len(used), excluded)
