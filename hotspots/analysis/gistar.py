"""Getis-Ord Gi* hot-spot statistic on a regular grid, computed as a convolution.

Weights are binary and include the cell itself (Gi*, "star"). With ``x`` the cell values
(incident counts or harm), ``n`` the number of in-mask cells, ``W_i`` the number of
in-mask cells in the neighbourhood of ``i`` (itself included):

    G*_i = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n sum_j w_ij^2 - W_i^2) / (n - 1)))

with ``xbar`` and ``S = sqrt(sum x^2 / n - xbar^2)`` over the in-mask cells. This is the
same number as ``esda.G_Local(y, w, star=True, transform="B").Zs`` (see the tests).

Distances are metres in the grid's projected CRS (EPSG:27700 by default).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage, special

# Kernels up to this many elements use direct summation; larger ones use row prefix sums,
# whose cost grows with the kernel's height rather than its area.
_DIRECT_KERNEL_MAX = 121


@dataclass(frozen=True)
class Neighbourhood:
    """Binary Gi* neighbourhood; the cell itself is always included.

    ``kind="queen"``: queen contiguity up to ``order`` rings (order 1 = 3x3 block).
    ``kind="distance"``: cells whose centres are at most ``band_m`` metres apart.
    """

    kind: Literal["queen", "distance"] = "queen"
    order: int = 1
    band_m: float = 0.0

    @classmethod
    def queen(cls, order: int = 1) -> Neighbourhood:
        if order < 1:
            raise ValueError("queen order must be >= 1")
        return cls("queen", order=order)

    @classmethod
    def distance(cls, band_m: float) -> Neighbourhood:
        if band_m < 0:
            raise ValueError("band_m must be >= 0 metres")
        return cls("distance", band_m=float(band_m))

    def kernel(self, cell_m: float | None = None) -> NDArray[np.bool_]:
        """Odd square boolean footprint centred on the cell (needs ``cell_m`` for bands)."""
        if self.kind == "queen":
            return np.ones((2 * self.order + 1,) * 2, dtype=bool)
        if cell_m is None:
            raise ValueError("a distance band needs the cell size in metres")
        r = int(math.floor(self.band_m / cell_m + 1e-9))
        d = np.arange(-r, r + 1)
        # Compare squared integer offsets so grid-exact bands (e.g. 300 m at 150 m) are kept.
        dist2 = (d[:, None] ** 2 + d[None, :] ** 2) * float(cell_m) ** 2
        return dist2 <= self.band_m**2 * (1 + 1e-12)


def window_sum(values: NDArray[np.floating], footprint: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Sum of ``values`` over a symmetric footprint centred on each cell (zeros off-grid).

    Exact for integer-valued inputs (counts), since every partial sum is an integer
    below 2**53.
    """
    a = np.asarray(values, dtype=np.float64)
    if footprint.all():  # a box (queen rings) is separable: two 1-D passes
        ones = np.ones(footprint.shape[0])
        rows = ndimage.correlate1d(a, ones, axis=0, mode="constant", cval=0.0)
        return ndimage.correlate1d(rows, ones, axis=1, mode="constant", cval=0.0)
    if footprint.size <= _DIRECT_KERNEL_MAX:
        return ndimage.correlate(a, footprint.astype(np.float64), mode="constant", cval=0.0)
    return _row_run_sum(a, footprint)


def _box_counts(shape: tuple[int, ...], footprint: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Number of grid cells under the footprint at each cell of an unmasked grid."""
    if not footprint.all() or footprint.shape[0] > min(shape):
        return window_sum(np.ones(shape), footprint)
    # A box: the count is (cells in reach along y) x (cells in reach along x).
    ones = np.ones(footprint.shape[0])
    ny, nx = shape
    rows = np.convolve(np.ones(ny), ones, mode="same")
    cols = np.convolve(np.ones(nx), ones, mode="same")
    return np.outer(rows, cols)


def _row_run_sum(a: NDArray[np.float64], footprint: NDArray[np.bool_]) -> NDArray[np.float64]:
    # Each footprint row is one centred run of cells (boxes and disks are), so the window
    # sum is a sum over rows of differences of prefix sums along x.
    ny, nx = a.shape
    r = footprint.shape[0] // 2
    half = footprint.sum(axis=1) // 2
    hmax = int(half.max())
    padded = np.zeros((ny + 2 * r, nx + 2 * hmax + 1))
    padded[r : r + ny, hmax + 1 : hmax + 1 + nx] = a
    cs = np.cumsum(padded, axis=1)
    out = np.zeros((ny, nx))
    for k, h in enumerate(half.tolist()):
        rows = cs[k : k + ny]
        out += rows[:, hmax + 1 + h : hmax + 1 + h + nx] - rows[:, hmax - h : hmax - h + nx]
    return out


def fdr_bh(p: ArrayLike) -> NDArray[np.float64]:
    """Benjamini-Hochberg adjusted p-values (same values as scipy's method='bh').

    Tied p-values share one adjusted value, so the step-up runs over the distinct values
    only: a grid of counts has a few thousand distinct Gi* p-values among a few hundred
    thousand cells, and sorting those is far cheaper than ranking every cell.
    """
    p = np.asarray(p, dtype=np.float64)
    m = p.size
    if m == 0:
        return p.copy()
    # Hashing finds the distinct values and each cell's one in linear time (pandas is
    # imported here, where it is used, to keep it off the start-up path).
    import pandas as pd

    codes, distinct = pd.factorize(p, sort=True, use_na_sentinel=False)
    # The last rank each distinct value holds: with ties, BH's step-up minimum over ranks at
    # or above the first is reached at the last (m * p / rank falls as rank grows).
    last_rank = np.cumsum(np.bincount(codes, minlength=distinct.size))
    scaled = distinct * m / last_rank
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    return np.minimum(adjusted, 1.0)[codes]


@dataclass(frozen=True)
class GiStarResult:
    """Gi* output; every array has the grid shape ``(ny, nx)``.

    ``p`` is the two-sided analytic p-value, ``p_sim`` the two-sided conditional
    permutation pseudo p-value (None without permutations), ``p_fdr`` the Benjamini-
    Hochberg adjustment of whichever of them ``inference`` names, across in-mask cells.
    ``bins`` are -3..3 for 99/95/90% confidence after FDR (sign of z). Cells outside the
    mask have NaN z/p and bin 0. ``empty`` marks in-mask cells whose whole neighbourhood
    is zero: they are never significant (``p_fdr`` 1).
    """

    z: NDArray[np.float64]
    p: NDArray[np.float64]
    p_fdr: NDArray[np.float64]
    bins: NDArray[np.int8]
    significant_hot: NDArray[np.bool_]
    significant_cold: NDArray[np.bool_]
    empty: NDArray[np.bool_]
    mask: NDArray[np.bool_]
    local_sum: NDArray[np.float64]
    n_neighbours: NDArray[np.float64]
    p_sim: NDArray[np.float64] | None
    n: int
    mean: float
    std: float
    alpha: float
    inference: Literal["analytic", "permutation"]


def gistar(
    values: ArrayLike,
    neighbourhood: Neighbourhood | None = None,
    *,
    cell_m: float | None = None,
    mask: ArrayLike | None = None,
    alpha: float = 0.05,
    permutations: int = 0,
    seed: int | np.random.Generator | None = None,
    inference: Literal["analytic", "permutation"] = "analytic",
) -> GiStarResult:
    """Gi* z-scores, p-values, FDR and confidence bins for a ``(ny, nx)`` value grid.

    ``cell_m`` (metres) is needed for a distance band. Cells outside ``mask`` are not part
    of n, the mean or the variance, are nobody's neighbours and get NaN. ``permutations``
    adds conditional-permutation pseudo p-values (seeded); their floor is
    2 / (permutations + 1), so FDR over many cells needs many permutations.
    """
    nb = neighbourhood or Neighbourhood.queen(1)
    x = np.asarray(values, dtype=np.float64)
    inside = np.ones(x.shape, bool) if mask is None else np.asarray(mask, dtype=bool)
    if inside.shape != x.shape:
        raise ValueError("mask and values must have the same shape")
    if inference == "permutation" and permutations <= 0:
        raise ValueError("permutation inference needs permutations > 0")
    footprint = nb.kernel(cell_m)
    if mask is None:
        w_i = _box_counts(x.shape, footprint)
    else:
        x = np.where(inside, x, 0.0)
        w_i = window_sum(inside, footprint)
    n = int(inside.sum())
    if n < 2:
        raise ValueError("Gi* needs at least two in-mask cells")
    mean = x.sum() / n
    std = math.sqrt(max((x * x).sum() / n - mean * mean, 0.0))
    local = window_sum(x, footprint)
    empty = inside & (local == 0)
    p_sim = None
    if permutations > 0:
        rng = np.random.default_rng(seed)
        p_sim = np.full(x.shape, np.nan)
        k = np.rint(w_i[inside]).astype(np.intp) - 1
        p_sim[inside] = _permutation_p(x[inside], local[inside], k, permutations, rng)
    if p_sim is None or inference == "analytic":
        # z, p and every step after are functions of (local sum, neighbour count): work on
        # the distinct pairs, a few thousand on a grid of counts, and gather back.
        z, p, p_fdr, bins, hot, cold = _analytic_by_pair(local, w_i, inside, mean, std, n, alpha)
    else:
        z = _z(local, w_i, mean, std, n)
        z[~inside] = np.nan
        p = _p(z)
        p_fdr, bins = _fdr_bins(p_sim, z, inside, empty)
        hot = (p_fdr <= alpha) & (z > 0)
        cold = (p_fdr <= alpha) & (z < 0)
    return GiStarResult(
        z=z,
        p=p,
        p_fdr=p_fdr,
        bins=bins,
        significant_hot=hot,
        significant_cold=cold,
        empty=empty,
        mask=inside,
        local_sum=local,
        n_neighbours=w_i,
        p_sim=p_sim,
        n=n,
        mean=float(mean),
        std=std,
        alpha=alpha,
        inference=inference,
    )


def _z(
    local: NDArray[np.float64], w_i: NDArray[np.float64], mean: float, std: float, n: int
) -> NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((local - mean * w_i) / (std * np.sqrt((n * w_i - w_i * w_i) / (n - 1))))


def _p(z: NDArray[np.float64]) -> NDArray[np.float64]:
    # ndtr(-|z|) is exactly what stats.norm.sf(|z|) evaluates, without its overhead.
    return np.asarray(2.0 * special.ndtr(-np.abs(z)))


_F = NDArray[np.float64]


def _analytic_by_pair(
    local: NDArray[np.float64],
    w_i: NDArray[np.float64],
    inside: NDArray[np.bool_],
    mean: float,
    std: float,
    n: int,
    alpha: float,
) -> tuple[_F, _F, _F, NDArray[np.int8], NDArray[np.bool_], NDArray[np.bool_]]:
    """z, p, BH-adjusted p, bins and significant hot and cold cells, computed once per
    distinct (local sum, neighbour count) pair of in-mask cells and gathered back; the same
    numbers, bit for bit, as per cell."""
    import pandas as pd  # hashing finds the distinct sums in linear time

    every = bool(inside.all())
    lv = local.ravel() if every else local[inside]
    counts = (w_i.ravel() if every else w_i[inside]).astype(np.intp)  # whole cells, exact
    sum_code, sums = pd.factorize(lv, use_na_sentinel=False)
    span = int(counts.max(initial=0)) + 1
    key = sum_code * span + counts
    multiplicity = np.bincount(key)
    present = np.flatnonzero(multiplicity)
    code = np.empty(multiplicity.size, np.intp)
    code[present] = np.arange(present.size)
    codes = code[key]
    local_u = np.asarray(sums, dtype=np.float64)[present // span]
    w_u = (present % span).astype(np.float64)
    z_u = _z(local_u, w_u, mean, std, n)
    p_u = _p(z_u)
    # Empty neighbourhoods stay in the family (conservative) but with p = 1, as in _fdr_bins.
    family = np.where(local_u == 0, 1.0, p_u)
    tested = np.isfinite(p_u)
    p_fdr_u = np.full(p_u.shape, np.nan)
    p_fdr_u[tested] = _bh_counted(family[tested], multiplicity[present][tested])
    bins_u = _bins(p_fdr_u, z_u)

    def spread(values: NDArray[Any], fill: float) -> NDArray[Any]:
        if every:
            return values[codes].reshape(local.shape)
        out = np.full(local.shape, fill, dtype=values.dtype)
        out[inside] = values[codes]
        return out

    hot_u = (p_fdr_u <= alpha) & (z_u > 0)
    cold_u = (p_fdr_u <= alpha) & (z_u < 0)
    return (
        spread(z_u, np.nan), spread(p_u, np.nan), spread(p_fdr_u, np.nan), spread(bins_u, 0),
        spread(hot_u, False), spread(cold_u, False),
    )  # fmt: skip


def _bh_counted(p: NDArray[np.float64], count: NDArray[np.intp]) -> NDArray[np.float64]:
    """BH adjusted values of distinct p-values ``p`` held by ``count`` tests each."""
    m = int(count.sum())
    order = np.argsort(p)
    # A value's last rank: BH's step-up minimum over its tied ranks is reached there.
    scaled = p[order] * m / np.cumsum(count[order])
    adjusted = np.empty(p.size)
    adjusted[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return adjusted


def _bins(p_fdr: NDArray[np.float64], z: NDArray[np.float64]) -> NDArray[np.int8]:
    # NaN compares False everywhere, so untested cells get level 0 and sign 0.
    level = (p_fdr <= 0.10).view(np.int8) + (p_fdr <= 0.05).view(np.int8)
    level += (p_fdr <= 0.01).view(np.int8)
    sign = (z > 0).view(np.int8) - (z < 0).view(np.int8)
    return np.asarray(sign * level, dtype=np.int8)


def _fdr_bins(
    p: NDArray[np.float64],
    z: NDArray[np.float64],
    inside: NDArray[np.bool_],
    empty: NDArray[np.bool_],
) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    # Empty neighbourhoods stay in the family (conservative) but with p = 1: a run of zeros
    # means "nothing recorded", and in sparse counts it would otherwise be a cold spot.
    tested = inside & np.isfinite(p)
    family = np.where(empty, 1.0, p)
    if tested.all():  # no mask and no undefined z: skip the gather and scatter
        p_fdr = fdr_bh(family.ravel()).reshape(p.shape)
    else:
        p_fdr = np.full(p.shape, np.nan)
        p_fdr[tested] = fdr_bh(family[tested])
    return p_fdr, _bins(p_fdr, z)


def _permutation_p(
    x: NDArray[np.float64],
    observed: NDArray[np.float64],
    k: NDArray[np.intp],
    permutations: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Two-sided conditional-permutation pseudo p-values for in-mask cells (flat order).

    For cell i, x_i stays put and its k_i neighbours are a random k_i-subset of the other
    n-1 cells. As in esda, one random sample per permutation is shared by all cells: draw
    ``r`` from range(n-1) and read it as cell ``r``, except that ``r == i`` stands for
    cell ``n-1``, which enumerates the other n-1 cells exactly. The sum of the first k_i
    draws is then a shared prefix sum plus at most one correction per (permutation, cell).
    """
    n = x.size
    kmax = int(k.max(initial=0))
    if kmax == 0 or n < 2:
        return np.ones(n)
    draws = np.stack([rng.choice(n - 1, size=kmax, replace=False) for _ in range(permutations)])
    prefix = np.zeros((permutations, kmax + 1))
    np.cumsum(x[draws], axis=1, out=prefix[:, 1:])
    delta = x[n - 1] - x
    tol = 1e-12 * max(float(np.abs(x).sum()), 1.0)
    ge = np.zeros(n, np.int64)
    le = np.zeros(n, np.int64)
    chunk = max(1, (1 << 22) // n)
    for start in range(0, permutations, chunk):
        rows = draws[start : start + chunk]
        sims = prefix[start : start + chunk][:, k] + x
        pp, cc = np.nonzero(np.arange(kmax) < k[rows])
        cells = rows[pp, cc]
        sims[pp, cells] += delta[cells]
        ge += (sims >= observed - tol).sum(axis=0)
        le += (sims <= observed + tol).sum(axis=0)
    return np.minimum(1.0, 2.0 * (np.minimum(ge, le) + 1) / (permutations + 1))
