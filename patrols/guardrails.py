"""Legitimacy guardrails, the arithmetic: does a hotspot's rate of stop-searches (or arrests)
per patrol hour stand out from the programme's, beyond what chance explains?

Pure and Django-free. For hotspot i with count k_i over h_i delivered patrol hours, and the
programme-wide rate λ = Σk / Σh, the count expected at the programme's rate is μ_i = λ·h_i.
Under the null hypothesis that the hotspot shares the programme's rate, k_i ~ Poisson(μ_i);
the one-sided exact p-value for an excess is P(X ≥ k_i) = 1 − F(k_i − 1; μ_i), the lower
regularised incomplete gamma function P(k_i, μ_i). Only excess is flagged: the concern is
powers used disproportionately. The p-values of all hotspots are then adjusted for the false
discovery rate by Benjamini and Hochberg (1995, JRSS B 57:289), and a hotspot is flagged when
its adjusted value (q) is at or below `alpha`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import gammainc


@dataclass(frozen=True)
class RateCheck:
    """One hotspot's count against the programme's rate per patrol hour."""

    count: int
    hours: float
    expected: float
    rate_per_hour: float | None
    rate_ratio: float | None
    p_value: float
    q_value: float
    flagged: bool


def poisson_excess_p(count: int, expected: float) -> float:
    """P(X ≥ count) for X ~ Poisson(expected): 1 when count is 0; for a positive count with
    nothing expected (no patrol hours) 0, since any count is then impossible by chance."""
    if count < 0 or expected < 0:
        raise ValueError("count and expected must be >= 0")
    if count == 0:
        return 1.0
    if expected == 0:
        return 0.0
    return float(gammainc(count, expected))


def benjamini_hochberg(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order, at most 1."""
    p = np.asarray(p_values, dtype=float)
    n = len(p)
    if n == 0:
        return p
    order = np.argsort(p)
    scaled = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(adjusted, 1.0)
    return q


def rate_checks(
    counts: Sequence[int], hours: Sequence[float], *, alpha: float = 0.05
) -> list[RateCheck]:
    """Each hotspot's excess test against the programme-wide rate, FDR corrected."""
    if len(counts) != len(hours):
        raise ValueError("counts and hours differ in length")
    if any(h < 0 for h in hours) or any(k < 0 for k in counts):
        raise ValueError("counts and hours must be >= 0")
    total_hours = float(sum(hours))
    rate = sum(counts) / total_hours if total_hours else 0.0
    expected = [rate * h for h in hours]
    p = [poisson_excess_p(int(k), mu) for k, mu in zip(counts, expected, strict=True)]
    q = benjamini_hochberg(p)
    return [
        RateCheck(
            count=int(k), hours=float(h), expected=mu,
            rate_per_hour=k / h if h else None,
            rate_ratio=k / mu if mu else None,
            p_value=p_i, q_value=float(q_i), flagged=bool(q_i <= alpha and k > 0),
        )
        for k, h, mu, p_i, q_i in zip(counts, hours, expected, p, q, strict=True)
    ]  # fmt: skip
