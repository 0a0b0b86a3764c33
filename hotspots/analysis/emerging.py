"""Emerging hot spot analysis: a space-time cube of monthly counts, Gi* per month, a
Mann-Kendall trend per cell, and ArcGIS Pro's pattern categories.

The cube has shape ``(T, ny, nx)``: ``T`` time steps (calendar months, oldest first) on one
:class:`~hotspots.analysis.grid.Grid` (cells in metres, EPSG:27700 by default). Values are
incident counts or harm per cell and month.

**Neighbourhood.** ArcGIS Pro's tool computes Gi* on each bin with neighbours in space
*and* in time (a "neighbourhood time step"), then applies an FDR correction. Here each
month is scored on its own: spatial Gi* with the project's queen neighbourhood (the
:func:`~hotspots.analysis.gistar.gistar` the hotspot runs use), with the Benjamini-
Hochberg FDR across the in-mask cells of that month, exactly as a single-month run would
flag cells. So a month's hot cells here are the cells that month's hotspot run would call
significant, and every Gi* number can be reproduced with ``esda.G_Local(star=True,
transform="B")`` per month (the tests do). The time dimension enters only through the
trend test and the category rules below. A month whose values are all equal (e.g. no
incidents at all) has no Gi* z-score; it is treated as z = 0 and p = 1, neither hot nor
cold.

**Trend.** The Mann-Kendall test per cell: ``S = sum_{i<j} sign(x_j - x_i)``, variance
``(T(T-1)(2T+5) - sum_t t(t-1)(2t+5)) / 18`` over groups of ``t`` tied values,
``Z = (S - sign(S)) / sqrt(var)``, two-sided normal p-value, ``tau = S / (T(T-1)/2)``.
It is run on the Gi* z-score series (the "intensity of clustering", which decides
intensifying and diminishing) and on the count series (the overall trend of the
location, reported, not used for categories).

**Categories**, written from ArcGIS Pro's "How Emerging Hot Spot Analysis works". A bin is
hot (cold) when its Gi* z > 0 (< 0) and its FDR-adjusted p <= ``alpha``; "90%" means at
least 90 percent of the ``T`` time steps (33 of 36); a trend is significant when its
Mann-Kendall p <= ``trend_alpha``.

* new hot spot: hot in the final time step and never hot before.
* consecutive hot spot: a single uninterrupted run of at least two hot bins ending in the
  final time step, never hot before that run, and hot in less than 90% of the steps.
* intensifying hot spot: hot in at least 90% of the steps including the final one, and the
  Gi* z-scores rise with a significant trend.
* persistent hot spot: hot in at least 90% of the steps (including the final one, see
  below) with no significant trend in the z-scores.
* diminishing hot spot: hot in at least 90% of the steps including the final one, and the
  z-scores fall with a significant trend.
* sporadic hot spot: hot in the final step, on-again off-again before (hot in an earlier
  step that is not part of the final run), hot in less than 90% of the steps and never
  cold.
* oscillating hot spot: hot in the final step, cold in at least one earlier step, hot in
  less than 90% of the steps.
* historical hot spot: not hot in the final step, but hot in at least 90% of the steps.
* the cold spot patterns mirror these with hot and cold swapped (intensifying cold spots
  have a significant *falling* z trend, diminishing cold spots a rising one).
* no pattern: none of the above.

Where the published definitions overlap, this module decides as follows, so that every
cell gets exactly one category: the 90% patterns come first and split on the final step
(not hot: historical; hot: intensifying, diminishing or persistent by the trend), so a
persistent hot spot is hot in its final step; then new, then consecutive (both are about
never having been hot before, whatever the cold history), then oscillating, then
sporadic; hot spot patterns are checked before cold spot ones (only a cell hot in 90% of
the steps whose final step is cold can match both: it is a historical hot spot).
ArcGIS recommends at least ten time steps; fewer than three are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .gistar import Neighbourhood, gistar

CATEGORIES: tuple[str, ...] = (
    "no_pattern",
    "new_hot",
    "consecutive_hot",
    "intensifying_hot",
    "persistent_hot",
    "diminishing_hot",
    "sporadic_hot",
    "oscillating_hot",
    "historical_hot",
    "new_cold",
    "consecutive_cold",
    "intensifying_cold",
    "persistent_cold",
    "diminishing_cold",
    "sporadic_cold",
    "oscillating_cold",
    "historical_cold",
)
CODE: dict[str, int] = {name: i for i, name in enumerate(CATEGORIES)}
MIN_TIME_STEPS = 3


@dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall trend test of each row of a ``(n, T)`` array of series."""

    s: NDArray[np.float64]
    var_s: NDArray[np.float64]
    z: NDArray[np.float64]
    p: NDArray[np.float64]
    tau: NDArray[np.float64]


def mann_kendall(series: ArrayLike) -> MannKendall:
    """Vectorised Mann-Kendall test (tie-corrected variance) of each row of ``series``."""
    x = np.asarray(series, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("series must be a 2-D array (locations x time steps)")
    if x.shape[1] < MIN_TIME_STEPS:
        raise ValueError(f"the Mann-Kendall test needs at least {MIN_TIME_STEPS} time steps")
    if not np.isfinite(x).all():
        raise ValueError("series must be finite")
    # Time along axis 0 makes every comparison below run over contiguous rows (15x faster).
    by_time = np.ascontiguousarray(x.T)
    t = by_time.shape[0]
    s = _kendall_s(by_time).astype(np.float64)
    var_s = (t * (t - 1) * (2 * t + 5) - _tie_term(by_time)) / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var_s > 0, (s - np.sign(s)) / np.sqrt(var_s), 0.0)
    p = 2.0 * special.ndtr(-np.abs(z))
    return MannKendall(s=s, var_s=var_s, z=z, p=p, tau=s / (t * (t - 1) / 2.0))


def _kendall_s(by_time: NDArray[np.float64]) -> NDArray[np.int32]:
    """``sum_{i<j} sign(x_j - x_i)`` per column of a ``(T, n)`` array."""
    s = np.zeros(by_time.shape[1], dtype=np.int32)
    for i in range(by_time.shape[0] - 1):
        later, now = by_time[i + 1 :], by_time[i]
        s += (later > now).view(np.int8).sum(axis=0, dtype=np.int32)
        s -= (later < now).view(np.int8).sum(axis=0, dtype=np.int32)
    return s


def _tie_term(by_time: NDArray[np.float64]) -> NDArray[np.float64]:
    """``sum_t t(t-1)(2t+5)`` over each column's groups of equal values."""
    t, n = by_time.shape
    ordered = np.sort(by_time, axis=0)
    term = np.zeros(n)
    run = np.ones(n)
    # Walk the sorted values once, closing a group wherever the value changes.
    for k in range(1, t + 1):
        same = ordered[k] == ordered[k - 1] if k < t else np.zeros(n, dtype=bool)
        closed = ~same
        term[closed] += (run * (run - 1) * (2 * run + 5))[closed]
        run = np.where(same, run + 1, 1.0)
    return term


@dataclass(frozen=True)
class EmergingHotspots:
    """Emerging hot spot analysis of a ``(T, ny, nx)`` cube.

    Per-cell arrays have the grid shape ``(ny, nx)``; per-bin arrays ``(T, ny, nx)``.
    ``category`` holds codes into :data:`CATEGORIES` (cells outside the mask are
    ``no_pattern``). ``trend_*`` is the Mann-Kendall test of the Gi* z-score series,
    ``count_trend_*`` that of the values; both are NaN outside the mask. ``n_hot`` and
    ``n_cold`` count a cell's significant hot and cold months; ``final_run`` is the length
    of its uninterrupted run of hot (cold, negative) months ending in the final month.
    """

    z: NDArray[np.float64]
    p_fdr: NDArray[np.float64]
    bins: NDArray[np.int8]
    trend_z: NDArray[np.float64]
    trend_p: NDArray[np.float64]
    trend_tau: NDArray[np.float64]
    count_trend_z: NDArray[np.float64]
    count_trend_p: NDArray[np.float64]
    count_trend_tau: NDArray[np.float64]
    n_hot: NDArray[np.int64]
    n_cold: NDArray[np.int64]
    final_run: NDArray[np.int64]
    category: NDArray[np.int8]
    mask: NDArray[np.bool_]
    alpha: float
    trend_alpha: float

    @property
    def n_steps(self) -> int:
        return int(self.z.shape[0])

    def names(self) -> NDArray[np.str_]:
        """Category names, grid-shaped."""
        return np.asarray(CATEGORIES)[self.category]

    def cells(self, *names: str) -> NDArray[np.intp]:
        """Flat indices of the cells in any of the named categories."""
        unknown = set(names) - set(CODE)
        if unknown:
            raise ValueError(f"unknown categories: {sorted(unknown)}")
        codes = [CODE[n] for n in names]
        return np.flatnonzero(np.isin(self.category.ravel(), codes))

    def counts_by_category(self) -> dict[str, int]:
        """Number of in-mask cells per category (all categories, zeros included)."""
        found = np.bincount(self.category[self.mask], minlength=len(CATEGORIES))
        return {name: int(found[i]) for i, name in enumerate(CATEGORIES)}


def emerging_hotspots(
    cube: ArrayLike,
    neighbourhood: Neighbourhood | None = None,
    *,
    cell_m: float | None = None,
    mask: ArrayLike | None = None,
    alpha: float = 0.05,
    trend_alpha: float = 0.05,
) -> EmergingHotspots:
    """Classify every cell of a ``(T, ny, nx)`` cube of monthly values (oldest first).

    ``neighbourhood`` defaults to queen order 1; ``cell_m`` (metres) is needed for a
    distance band. ``mask`` is the ``(ny, nx)`` study area as in :func:`gistar`.
    """
    values = np.asarray(cube, dtype=np.float64)
    _check_cube(values, alpha, trend_alpha)
    t = values.shape[0]
    z = np.empty(values.shape)
    p_fdr = np.empty(values.shape)
    bins = np.zeros(values.shape, dtype=np.int8)
    inside = np.ones(values.shape[1:], bool)
    for k in range(t):
        gi = gistar(values[k], neighbourhood, cell_m=cell_m, mask=mask, alpha=alpha)
        inside = gi.mask
        z[k], p_fdr[k] = gi.z, gi.p_fdr
        bins[k] = gi.significant_hot.astype(np.int8) - gi.significant_cold.astype(np.int8)
    # Months without variation have no Gi*: z = 0 and p = 1, neither hot nor cold.
    z[:, inside] = np.nan_to_num(z[:, inside], nan=0.0)
    p_fdr[:, inside] = np.nan_to_num(p_fdr[:, inside], nan=1.0)
    z_series = z[:, inside].T
    trend = mann_kendall(z_series)
    count_trend = mann_kendall(values[:, inside].T)
    b = bins[:, inside].T
    hot, cold = b > 0, b < 0
    codes = _classify(hot, cold, trend.z, trend.p <= trend_alpha)

    def grid(a: NDArray[np.generic], fill: float | int, dtype: type) -> NDArray:
        out: NDArray = np.full(inside.shape, fill, dtype=dtype)
        out[inside] = a
        return out

    return EmergingHotspots(
        z=z,
        p_fdr=p_fdr,
        bins=bins,
        trend_z=grid(trend.z, np.nan, np.float64),
        trend_p=grid(trend.p, np.nan, np.float64),
        trend_tau=grid(trend.tau, np.nan, np.float64),
        count_trend_z=grid(count_trend.z, np.nan, np.float64),
        count_trend_p=grid(count_trend.p, np.nan, np.float64),
        count_trend_tau=grid(count_trend.tau, np.nan, np.float64),
        n_hot=grid(hot.sum(axis=1), 0, np.int64),
        n_cold=grid(cold.sum(axis=1), 0, np.int64),
        final_run=grid(_final_run(hot) - _final_run(cold), 0, np.int64),
        category=grid(codes, 0, np.int8),
        mask=inside,
        alpha=alpha,
        trend_alpha=trend_alpha,
    )


def _check_cube(values: NDArray[np.float64], alpha: float, trend_alpha: float) -> None:
    if values.ndim != 3:
        raise ValueError("the cube must have shape (time steps, ny, nx)")
    if values.shape[0] < MIN_TIME_STEPS:
        raise ValueError(f"emerging hot spot analysis needs at least {MIN_TIME_STEPS} months")
    if not np.isfinite(values).all():
        raise ValueError("the cube must hold finite values")
    if (values < 0).any():
        raise ValueError("the cube must hold non-negative counts or harm")
    if not (0 < alpha < 1 and 0 < trend_alpha < 1):
        raise ValueError("alpha and trend_alpha must lie strictly between 0 and 1")


def _final_run(flags: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Length of each row's run of True ending in the last column."""
    t = flags.shape[1]
    misses = ~flags[:, ::-1]
    first_miss = np.where(misses.any(axis=1), misses.argmax(axis=1), t)
    return first_miss.astype(np.int64)


def _classify(
    hot: NDArray[np.bool_],
    cold: NDArray[np.bool_],
    trend_z: NDArray[np.float64],
    trend_significant: NDArray[np.bool_],
) -> NDArray[np.int8]:
    """Category codes for ``(n, T)`` hot/cold bin flags (see the module docstring)."""
    codes = np.zeros(hot.shape[0], dtype=np.int8)
    decided = np.zeros(hot.shape[0], dtype=bool)
    rising = trend_significant & (trend_z > 0)
    falling = trend_significant & (trend_z < 0)
    for flags, other, up, down, side in (
        (hot, cold, rising, falling, "hot"),
        (cold, hot, falling, rising, "cold"),
    ):
        for name, rule in _rules(flags, other, up, down):
            take = rule & ~decided
            codes[take] = CODE[f"{name}_{side}"]
            decided |= take
    return codes


def _rules(
    flags: NDArray[np.bool_],
    other: NDArray[np.bool_],
    up: NDArray[np.bool_],
    down: NDArray[np.bool_],
) -> list[tuple[str, NDArray[np.bool_]]]:
    t = flags.shape[1]
    n = flags.sum(axis=1)
    final = flags[:, -1]
    mostly = n * 10 >= 9 * t  # at least 90% of the time steps, in integers
    run = _final_run(flags)
    return [
        ("historical", mostly & ~final),
        ("intensifying", mostly & final & up),
        ("diminishing", mostly & final & down),
        ("persistent", mostly & final & ~up & ~down),
        ("new", final & (n == 1)),
        ("consecutive", final & (run >= 2) & (n == run) & ~mostly),
        ("oscillating", final & ~mostly & other[:, :-1].any(axis=1)),
        ("sporadic", final & ~mostly & (n > run)),
    ]


def monthly_cube(
    shape: tuple[int, int],
    cells: ArrayLike,
    months: ArrayLike,
    n_months: int,
    weights: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """``(n_months, ny, nx)`` cube from flat cell indices (on a grid of ``shape``) and
    month offsets (0 = first month).

    Incidents off the grid (cell ``-1``) or outside ``0 <= month < n_months`` are dropped.
    """
    c = np.asarray(cells, dtype=np.intp)
    m = np.asarray(months, dtype=np.intp)
    if c.shape != m.shape:
        raise ValueError("cells and months must have the same length")
    n_cells = shape[0] * shape[1]
    keep = (c >= 0) & (c < n_cells) & (m >= 0) & (m < n_months)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)[keep]
    flat = np.bincount(m[keep] * n_cells + c[keep], weights=w, minlength=n_months * n_cells)
    return flat.astype(np.float64, copy=False).reshape(n_months, *shape)
