"""An independent emerging hot spot analysis for checking ``hotspots.analysis.emerging``.

Gi* per month from ``esda.G_Local(star=True, transform="B")`` on ``libpysal`` queen
weights, the Benjamini-Hochberg FDR from statsmodels, the Mann-Kendall test from
``pymannkendall``, and the ArcGIS pattern rules as one plain loop per location. The
benchmark times this same code.

The project's two conventions are followed so the numbers can agree: a cell whose whole
neighbourhood is empty in a month has p = 1 (never significant), and a month without
variation (esda's z is NaN) counts as z = 0.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class ReferenceResult:
    z: np.ndarray  # (T, n) for the in-mask cells in flat order
    p_fdr: np.ndarray
    bins: np.ndarray
    trend_z: np.ndarray
    trend_p: np.ndarray
    trend_tau: np.ndarray
    count_trend_z: np.ndarray
    count_trend_p: np.ndarray
    categories: list[str]
    ids: np.ndarray  # flat cell indices of the in-mask cells


def queen_weights(ny: int, nx: int, mask: np.ndarray | None = None):  # noqa: ANN201
    import libpysal

    w = libpysal.weights.lat2W(ny, nx, rook=False)
    ids = np.arange(ny * nx) if mask is None else np.flatnonzero(np.asarray(mask).ravel())
    if mask is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = libpysal.weights.w_subset(w, ids.tolist(), silence_warnings=True)
    return w, ids


def gistar_month(y: np.ndarray, w, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # noqa: ANN001
    """z, FDR-adjusted p and hot (+1) / cold (-1) bins of one month."""
    import esda
    from statsmodels.stats.multitest import multipletests

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    z = np.nan_to_num(np.asarray(g.Zs, dtype=float), nan=0.0)
    p = np.where(np.isfinite(g.Zs), 2.0 * stats.norm.sf(np.abs(z)), 1.0)
    binary = w.sparse.copy()
    binary.data[:] = 1.0
    empty = (binary @ y + y) == 0
    p[empty] = 1.0
    p_fdr = multipletests(p, method="fdr_bh")[1]
    bins = np.where(p_fdr <= alpha, np.sign(z), 0).astype(np.int8)
    return z, p_fdr, bins


def classify(bins: np.ndarray, trend_z: float, trend_p: float, trend_alpha: float) -> str:
    """ArcGIS pattern of one location from its hot/cold bins, oldest first."""
    steps = len(bins)
    sides = (("hot", bins > 0, bins < 0, 1), ("cold", bins < 0, bins > 0, -1))
    for side, mine, other, sign in sides:
        n = int(mine.sum())
        if n / steps >= 0.9:
            if not mine[-1]:
                return f"historical_{side}"
            if trend_p <= trend_alpha and sign * trend_z > 0:
                return f"intensifying_{side}"
            if trend_p <= trend_alpha and sign * trend_z < 0:
                return f"diminishing_{side}"
            return f"persistent_{side}"
        if mine[-1]:
            run = 0
            while run < steps and mine[steps - 1 - run]:
                run += 1
            if n == 1:
                return f"new_{side}"
            if run >= 2 and n == run:
                return f"consecutive_{side}"
            if other[:-1].any():
                return f"oscillating_{side}"
            return f"sporadic_{side}"
    return "no_pattern"


def reference_emerging(
    cube: np.ndarray,
    mask: np.ndarray | None = None,
    alpha: float = 0.05,
    trend_alpha: float = 0.05,
    cells: np.ndarray | None = None,
) -> ReferenceResult:
    """The whole analysis; ``cells`` (positions among the in-mask cells) limits the trend
    tests and categories to a sample of locations."""
    import pymannkendall

    steps, ny, nx = cube.shape
    w, ids = queen_weights(ny, nx, mask)
    flat = cube.reshape(steps, -1)[:, ids].astype(float)
    z = np.empty(flat.shape)
    p_fdr = np.empty(flat.shape)
    bins = np.empty(flat.shape, dtype=np.int8)
    for k in range(steps):
        z[k], p_fdr[k], bins[k] = gistar_month(flat[k], w, alpha)
    chosen = np.arange(ids.size) if cells is None else np.asarray(cells)
    trend = [pymannkendall.original_test(z[:, i]) for i in chosen]
    counts = [pymannkendall.original_test(flat[:, i]) for i in chosen]
    categories = [
        classify(bins[:, i], t.z, t.p, trend_alpha) for i, t in zip(chosen, trend, strict=True)
    ]
    return ReferenceResult(
        z=z,
        p_fdr=p_fdr,
        bins=bins,
        trend_z=np.array([t.z for t in trend]),
        trend_p=np.array([t.p for t in trend]),
        trend_tau=np.array([t.Tau for t in trend]),
        count_trend_z=np.array([t.z for t in counts]),
        count_trend_p=np.array([t.p for t in counts]),
        categories=categories,
        ids=ids,
    )
