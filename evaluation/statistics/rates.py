"""Rate ratios for before/after counts: exact and Wald Poisson, overdispersion, NB2 GLM.

All ratios are after/before (or treated/control) incidence rate ratios: RR < 1 is a fall.
Exposures (days, months, patrol hours) default to 1 so equal-length periods need none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special, stats

from ._common import (
    check_confidence,
    check_count,
    check_integer_count,
    two_sided_normal_p,
    z_quantile,
)

# Bounds of log(alpha) in the NB2 profile search: e^-15 is Poisson for any count seen in
# practice, and e^5 (variance ≈ 150·mu²) is beyond any plausible crime series.
_LOG_ALPHA_BOUNDS = (-15.0, 5.0)


@dataclass(frozen=True)
class RateRatio:
    """An incidence rate ratio with a two-sided confidence interval and p-value for RR = 1.

    `ratio` is None (with `note`) when the data cannot support an estimate; it may be
    `math.inf` when the baseline count is zero under the exact method.
    """

    ratio: float | None
    lower: float | None
    upper: float | None
    p_value: float | None
    method: str
    confidence: float
    note: str = ""

    @property
    def percent_change(self) -> float | None:
        """100·(RR − 1): −25 means a 25% fall in the rate."""
        if self.ratio is None or not math.isfinite(self.ratio):
            return None
        return 100.0 * (self.ratio - 1.0)

    @property
    def covers_no_change(self) -> bool | None:
        """Whether the interval contains RR = 1 (no change)."""
        if self.lower is None or self.upper is None:
            return None
        return self.lower <= 1.0 <= self.upper


def _undefined(method: str, confidence: float, note: str) -> RateRatio:
    return RateRatio(None, None, None, None, method, confidence, note)


def _check_exposure(exposure: float, name: str) -> float:
    if not math.isfinite(exposure) or exposure <= 0:
        raise ValueError(f"{name} must be a positive, finite exposure, got {exposure!r}")
    return float(exposure)


def _binomial_two_sided_p(k: int, n: int, p: float) -> float:
    """Exact two-sided binomial p-value: the total probability of outcomes no likelier than k.

    This is the "minimum likelihood" rule of Clopper–Pearson style tests (the one
    `scipy.stats.binomtest` uses); the relative slack of 1e-7 keeps ties from rounding.
    """
    pmf = stats.binom.pmf(np.arange(n + 1), n, p)
    return float(min(1.0, pmf[pmf <= pmf[k] * (1 + 1e-7)].sum()))


def _clopper_pearson(k: int, n: int, confidence: float) -> tuple[float, float]:
    """Clopper & Pearson (1934) exact interval for a binomial proportion via beta quantiles."""
    lower, upper = clopper_pearson_arrays(k, n, confidence)
    return float(lower), float(upper)


def clopper_pearson_arrays(
    k: ArrayLike, n: ArrayLike, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Clopper–Pearson limits elementwise: Beta(α/2; k, n − k + 1) and Beta(1 − α/2; k + 1,
    n − k), with 0 at k = 0 and 1 at k = n."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    tail = (1 - check_confidence(confidence)) / 2
    with np.errstate(invalid="ignore"):
        lower = stats.beta.ppf(tail, k, n - k + 1)
        upper = stats.beta.ppf(1 - tail, k + 1, n - k)
    return np.where(k == 0, 0.0, lower), np.where(k == n, 1.0, upper)


def exact_rate_ratio_limits(
    before: ArrayLike, after: ArrayLike, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """The exact conditional limits of `poisson_exact_rate_ratio` (equal exposures),
    elementwise over arrays of counts: π limits mapped by π/(1 − π)."""
    b, a = np.asarray(before, float), np.asarray(after, float)
    lo_p, hi_p = clopper_pearson_arrays(a, a + b, confidence)
    with np.errstate(divide="ignore"):
        upper = np.where(hi_p == 1.0, np.inf, hi_p / (1 - np.where(hi_p == 1.0, 0.0, hi_p)))
    return lo_p / (1 - lo_p), upper


def wald_log_rate_ratio(
    before: ArrayLike,
    after: ArrayLike,
    exposure_before: ArrayLike = 1.0,
    exposure_after: ArrayLike = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """log RR = log(a/E_a) − log(b/E_b) and its delta-method variance 1/a + 1/b,
    elementwise (counts must be positive)."""
    b, a = np.asarray(before, float), np.asarray(after, float)
    log_rr = np.log(a / np.asarray(exposure_after, float)) - np.log(
        b / np.asarray(exposure_before, float)
    )
    return log_rr, 1 / a + 1 / b


def poisson_exact_rate_ratio(
    before: int,
    after: int,
    *,
    exposure_before: float = 1.0,
    exposure_after: float = 1.0,
    confidence: float = 0.95,
) -> RateRatio:
    """Exact conditional test and CI for the ratio of two Poisson rates.

    Given n = a + b, the after count a ~ Binomial(n, π) with π = E_a·RR / (E_a·RR + E_b),
    so RR = π/(1 − π) · E_b/E_a. The Clopper–Pearson interval for π maps to an interval for
    RR and the exact binomial test of π₀ = E_a/(E_a + E_b) tests RR = 1 (Przyborowski &
    Wilenski 1940; Breslow & Day 1987, vol. II §2.3). Guaranteed coverage ≥ the nominal level,
    hence slightly conservative for small counts.
    """
    b = check_integer_count(before, "before")
    a = check_integer_count(after, "after")
    e_b = _check_exposure(exposure_before, "exposure_before")
    e_a = _check_exposure(exposure_after, "exposure_after")
    method = "poisson-exact"
    n = a + b
    if n == 0:
        return _undefined(method, confidence, "no incidents in either period")
    lo_p, hi_p = _clopper_pearson(a, n, confidence)
    scale = e_b / e_a
    ratio = math.inf if b == 0 else (a / e_a) / (b / e_b)
    upper = math.inf if hi_p == 1.0 else hi_p / (1 - hi_p) * scale
    p = _binomial_two_sided_p(a, n, e_a / (e_a + e_b))
    note = "no incidents before: the ratio and its upper limit are unbounded" if b == 0 else ""
    return RateRatio(ratio, lo_p / (1 - lo_p) * scale, upper, p, method, confidence, note)


def poisson_wald_rate_ratio(
    before: float,
    after: float,
    *,
    exposure_before: float = 1.0,
    exposure_after: float = 1.0,
    confidence: float = 0.95,
) -> RateRatio:
    """Wald interval on the log rate ratio for two Poisson counts.

    log RR = log(a/E_a) − log(b/E_b), Var(log RR) ≈ 1/a + 1/b (delta method), interval
    exp(log RR ± z·SE) and z-test of log RR = 0. Identical to a Poisson GLM with a period
    indicator and log-exposure offset (Rothman, Greenland & Lash 2008, ch. 14). Undefined
    with a zero count; use `poisson_exact_rate_ratio` then.
    """
    check_count(before, "before")
    check_count(after, "after")
    e_b = _check_exposure(exposure_before, "exposure_before")
    e_a = _check_exposure(exposure_after, "exposure_after")
    if before == 0 or after == 0:
        note = "a zero count leaves the log rate ratio undefined; use the exact interval"
        return _undefined("poisson-wald", confidence, note)
    log_rr, variance = wald_log_rate_ratio(before, after, e_b, e_a)
    return wald_rate_ratio(float(log_rr), float(variance), "poisson-wald", confidence)


def wald_rate_ratio(log_rr: float, variance: float, method: str, confidence: float) -> RateRatio:
    """exp(log RR ± z·√variance) with the matching two-sided z-test."""
    se = math.sqrt(variance)
    z = z_quantile(confidence)
    p = two_sided_normal_p(log_rr / se)
    lower, upper = math.exp(log_rr - z * se), math.exp(log_rr + z * se)
    return RateRatio(math.exp(log_rr), lower, upper, p, method, confidence)


@dataclass(frozen=True)
class DispersionCheck:
    """Is there more between-unit variation than Poisson allows?

    `dispersion` is Pearson χ²/(n − 2) from the Poisson fit (≈ 1 under Poisson); `alpha` is
    the NB2 maximum-likelihood dispersion (Var = μ + α·μ²); the likelihood-ratio test of
    α = 0 lies on the parameter boundary, so its p-value is half the χ²₁ tail (Self & Liang
    1987; Cameron & Trivedi 2013, §3.4).
    """

    pearson_chi2: float
    df: int
    dispersion: float
    alpha: float
    lr_statistic: float
    lr_p_value: float
    overdispersed: bool


@dataclass(frozen=True)
class PooledRateRatio:
    """Before/after rate ratio pooled over units (hotspots or hotspot-months) both ways.

    `recommended` is the NB2 result when the likelihood-ratio test finds overdispersion,
    otherwise the Poisson one.
    """

    poisson: RateRatio
    negative_binomial: RateRatio | None
    dispersion: DispersionCheck | None
    recommended: RateRatio


@dataclass(frozen=True)
class _TwoPeriodData:
    y: np.ndarray
    after: np.ndarray
    log_exposure: np.ndarray


def _two_period_data(
    before: Sequence[float],
    after: Sequence[float],
    exposure_before: Sequence[float] | None,
    exposure_after: Sequence[float] | None,
) -> _TwoPeriodData:
    y = np.concatenate([np.asarray(before, float), np.asarray(after, float)])
    if y.size and (not np.all(np.isfinite(y)) or y.min() < 0):
        raise ValueError("counts must be finite and >= 0")
    e_b = np.ones(len(before)) if exposure_before is None else np.asarray(exposure_before, float)
    e_a = np.ones(len(after)) if exposure_after is None else np.asarray(exposure_after, float)
    if e_b.shape != (len(before),) or e_a.shape != (len(after),):
        raise ValueError("each exposure sequence must match its counts one to one")
    exposure = np.concatenate([e_b, e_a])
    if exposure.size and (not np.all(np.isfinite(exposure)) or exposure.min() <= 0):
        raise ValueError("exposures must be positive and finite")
    indicator = np.r_[np.zeros(len(before)), np.ones(len(after))]
    return _TwoPeriodData(y, indicator, np.log(exposure))


def _nb2_loglik(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """NB2 log-likelihood, Var(y) = μ + α·μ² (Cameron & Trivedi 2013, eq. 3.26)."""
    inv = 1.0 / alpha
    terms = (
        special.gammaln(y + inv)
        - special.gammaln(inv)
        - special.gammaln(y + 1)
        + y * np.log(alpha * mu)
        - (y + inv) * np.log1p(alpha * mu)
    )
    return float(terms.sum())


def _nb2_irls(
    data: _TwoPeriodData, alpha: float, beta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fisher scoring (IRLS) for the NB2 GLM log μ = β₀ + β₁·after + log E at fixed α.

    Working weights w = μ/(1 + α·μ), working response z = η − offset + (y − μ)/μ
    (McCullagh & Nelder 1989, §2.5). Returns β and its covariance (X'WX)⁻¹.
    """
    x = np.column_stack([np.ones_like(data.after), data.after])
    info = np.eye(2)
    for _ in range(100):
        eta = x @ beta + data.log_exposure
        mu = np.exp(eta)
        w = mu / (1 + alpha * mu)
        info = x.T @ (w[:, None] * x)
        step = np.linalg.solve(info, x.T @ (w * (data.y - mu) / mu))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta, np.linalg.inv(info)


def _poisson_start(data: _TwoPeriodData) -> np.ndarray:
    """Poisson MLE of the saturated two-period model: the log of each period's pooled rate."""
    exposure = np.exp(data.log_exposure)
    rate = [data.y[data.after == g].sum() / exposure[data.after == g].sum() for g in (0, 1)]
    return np.array([math.log(rate[0]), math.log(rate[1] / rate[0])])


def _fit_nb2(data: _TwoPeriodData) -> tuple[float, np.ndarray, np.ndarray, float]:
    """Maximise the NB2 likelihood: α by bounded profile search on log α, β by IRLS."""
    start = _poisson_start(data)
    x = np.column_stack([np.ones_like(data.after), data.after])

    def negative_profile(log_alpha: float) -> float:
        alpha = math.exp(log_alpha)
        beta, _ = _nb2_irls(data, alpha, start)
        return -_nb2_loglik(data.y, np.exp(x @ beta + data.log_exposure), alpha)

    best = optimize.minimize_scalar(
        negative_profile, bounds=_LOG_ALPHA_BOUNDS, method="bounded", options={"xatol": 1e-9}
    )
    alpha = math.exp(best.x)
    beta, cov = _nb2_irls(data, alpha, start)
    return alpha, beta, cov, -float(best.fun)


def _dispersion(data: _TwoPeriodData, alpha: float, nb_loglik: float) -> DispersionCheck:
    beta = _poisson_start(data)
    mu = np.exp(beta[0] + beta[1] * data.after + data.log_exposure)
    chi2 = float((((data.y - mu) ** 2) / mu).sum())
    df = data.y.size - 2
    poisson_ll = float(stats.poisson.logpmf(data.y, mu).sum())
    lr = max(0.0, 2 * (nb_loglik - poisson_ll))
    p = 1.0 if lr == 0 else 0.5 * float(stats.chi2.sf(lr, 1))
    return DispersionCheck(chi2, df, chi2 / df, alpha, lr, p, p < 0.05)


def negative_binomial_rate_ratio(
    before: Sequence[float],
    after: Sequence[float],
    *,
    exposure_before: Sequence[float] | None = None,
    exposure_after: Sequence[float] | None = None,
    confidence: float = 0.95,
) -> tuple[RateRatio, DispersionCheck | None]:
    """NB2 GLM rate ratio across units with a period indicator, plus the dispersion check.

    Model: y_i ~ NB2(μ_i, α), log μ_i = β₀ + β₁·after_i + log E_i; RR = exp(β₁) with a Wald
    interval from the inverse information at the MLE (Hilbe 2011, ch. 8; Cameron & Trivedi
    2013, §3.3). Units are treated as exchangeable within a period: persistent differences
    between hotspots count as overdispersion, which widens the interval (conservative when
    the same hotspots appear in both periods).
    """
    data = _two_period_data(before, after, exposure_before, exposure_after)
    method = "negative-binomial-nb2"
    totals = [data.y[data.after == g].sum() for g in (0, 1)]
    if min(len(before), len(after)) == 0 or min(totals) == 0:
        return _undefined(method, confidence, "a period with no incidents or no units"), None
    if data.y.size < 3:
        return _undefined(method, confidence, "need at least three unit-periods"), None
    alpha, beta, cov, loglik = _fit_nb2(data)
    result = wald_rate_ratio(float(beta[1]), float(cov[1, 1]), method, confidence)
    return result, _dispersion(data, alpha, loglik)


def pooled_rate_ratio(
    before: Sequence[float],
    after: Sequence[float],
    *,
    exposure_before: Sequence[float] | None = None,
    exposure_after: Sequence[float] | None = None,
    confidence: float = 0.95,
) -> PooledRateRatio:
    """Pooled after/before rate ratio over units, Poisson and NB2, choosing by overdispersion.

    The Poisson estimate is the Wald interval on the period totals (Σ after / Σ before,
    scaled by total exposures); the NB2 fit gives the same point for equal exposures but a
    wider interval when counts vary more than Poisson allows, which is usual for crime.
    """
    e_b = sum(exposure_before) if exposure_before is not None else float(len(before))
    e_a = sum(exposure_after) if exposure_after is not None else float(len(after))
    if e_b <= 0 or e_a <= 0:
        raise ValueError("each period needs at least one unit with positive exposure")
    poisson = poisson_wald_rate_ratio(
        float(sum(before)),
        float(sum(after)),
        exposure_before=e_b,
        exposure_after=e_a,
        confidence=confidence,
    )
    nb, dispersion = negative_binomial_rate_ratio(
        before,
        after,
        exposure_before=exposure_before,
        exposure_after=exposure_after,
        confidence=confidence,
    )
    overdispersed = dispersion is not None and dispersion.overdispersed
    return PooledRateRatio(poisson, nb, dispersion, nb if overdispersed else poisson)
