"""Small shared pieces: the before/after pair, validation and normal quantiles."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class PrePost:
    """Incident counts (or harm-weighted sums) in one area before and after an intervention."""

    before: float
    after: float

    def __post_init__(self) -> None:
        check_count(self.before, "before")
        check_count(self.after, "after")

    @property
    def change(self) -> float:
        """Δ = after − before (negative means fewer incidents)."""
        return self.after - self.before

    @property
    def total(self) -> float:
        return self.before + self.after


def check_count(value: float, name: str) -> None:
    """Fail loudly on negative, infinite or NaN counts: they are data errors, not zeros."""
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite count >= 0, got {value!r}")


def check_integer_count(value: float, name: str) -> int:
    """Exact tests condition on whole counts, so fractional values are rejected."""
    check_count(value, name)
    if value != int(value):
        raise ValueError(f"{name} must be a whole count for an exact test, got {value!r}")
    return int(value)


def check_confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    return confidence


def z_quantile(confidence: float) -> float:
    """Two-sided normal quantile, e.g. 1.959964 for 95%."""
    return float(stats.norm.ppf(0.5 + check_confidence(confidence) / 2))


def two_sided_normal_p(z: float) -> float:
    return float(2 * stats.norm.sf(abs(z)))


def percent_change(before: float, after: float) -> float | None:
    """100·(after − before)/before; None when there is no baseline to divide by."""
    if before == 0:
        return None
    return 100.0 * (after - before) / before
