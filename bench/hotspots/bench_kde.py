"""Benchmark: our kernel density surface against scikit-learn's ``KernelDensity``.

Usage::

    .venv/bin/python bench/hotspots/bench_kde.py [--incidents 20000] [--repeats 3]
        [--sample-cells 5000] [--full-grid] [--json bench/results/hotspots_kde.json]

Synthetic crime-like incidents (the generator of ``bench_gistar.py``: towns, stacked map
points, a rural background) over a 60 km x 60 km county in EPSG:27700, on 150 m cells
(400 x 400 = 160,000 cells), Gaussian kernel at the product's default bandwidth of 300 m.

* ours: ``hotspots.analysis.kde_surface`` from the incident coordinates to the density at
  every cell centre;
* scikit-learn: ``KernelDensity(kernel="gaussian", bandwidth=300)`` fitted on the distinct
  incident locations with their counts as ``sample_weight`` (the same collapsing ours does,
  so that it is not slowed by stacked points), ``score_samples`` at cell centres, default
  (exact) tolerances.

Both run in this process, interleaved (ours, then scikit-learn, ``--repeats`` times, at
least 3); medians are reported. Scoring every cell centre with scikit-learn takes minutes per
repeat here, so by default it scores a seeded random sample of ``--sample-cells`` centres
and its whole-grid time is its fit time plus the sample's scoring time scaled to all cells
(``--full-grid`` scores every cell instead). Its cost per cell does not depend on which
cells are asked, so the scaling is fair.

Accuracy: at the sampled centres plus the 500 densest cells (where hotspots are drawn), the
relative difference |ours - sklearn| / sklearn over the cells whose scikit-learn density is
at least 1% of the peak of those cells, at 300 m and at 150 m (one cell); and the quartic
(radius 800 m) against a direct sum over every incident at the same cells. Targets: max 3%,
median 0.2% (Gaussian), 1e-9 (quartic), at least 1,000x faster. Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

from bench_gistar import CELL_M, SIDE_M, X0, Y0, synthetic_incidents  # noqa: E402

BANDWIDTH_M = 300.0
QUARTIC_RADIUS_M = 800.0
MIN_REPEATS = 3
TARGETS = {
    "max_relative_difference_max": 0.03,
    "median_relative_difference_max": 0.002,
    "quartic_max_relative_difference_max": 1e-9,
    "speedup_vs_sklearn_min": 1000,
}
MEANINGFUL = 0.01  # cells at or above 1% of the peak are compared


def _grid():  # noqa: ANN202 - keeps the heavy import out of module load
    from hotspots.analysis import Grid

    n = int(SIDE_M / CELL_M)
    return Grid(X0, Y0, CELL_M, n, n)


def sklearn_density(model, weight_total: float, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
    return np.exp(model.score_samples(np.column_stack([cx, cy]))) * weight_total


def fit_sklearn(ux: np.ndarray, uy: np.ndarray, uw: np.ndarray, bandwidth: float):  # noqa: ANN201
    from sklearn.neighbors import KernelDensity

    return KernelDensity(kernel="gaussian", bandwidth=bandwidth).fit(
        np.column_stack([ux, uy]), sample_weight=uw
    )


def relative_differences(ours: np.ndarray, reference: np.ndarray) -> np.ndarray:
    meaningful = reference >= MEANINGFUL * reference.max()
    return np.abs(ours[meaningful] - reference[meaningful]) / reference[meaningful]


def quartic_direct(x, y, cx, cy, radius: float) -> np.ndarray:
    """3 / (pi r^2) (1 - d^2 / r^2)^2 summed over every incident within r of each centre."""
    out = np.empty(cx.size)
    for s in range(0, cx.size, 256):
        u = ((cx[s : s + 256, None] - x) ** 2 + (cy[s : s + 256, None] - y) ** 2) / radius**2
        out[s : s + 256] = np.where(u < 1, (1 - u) ** 2, 0.0).sum(axis=1)
    return out * 3 / (math.pi * radius**2)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--incidents", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=MIN_REPEATS)
    ap.add_argument("--sample-cells", type=int, default=5_000)
    ap.add_argument("--full-grid", action="store_true", help="score every cell with sklearn")
    ap.add_argument("--json", default=str(ROOT / "bench/results/hotspots_kde.json"))
    a = ap.parse_args()
    if a.repeats < MIN_REPEATS:
        ap.error(f"--repeats must be at least {MIN_REPEATS}: the table reports medians")

    from hotspots.analysis import kde_surface

    grid = _grid()
    d = synthetic_incidents(a.incidents, seed=7)
    x, y = d["x"], d["y"]
    xy, counts = np.unique(np.column_stack([x, y]), axis=0, return_counts=True)
    ux, uy, uw = xy[:, 0], xy[:, 1], counts.astype(float)
    cx, cy = grid.centres()
    rng = np.random.default_rng(1)
    n_sample = grid.n_cells if a.full_grid else min(a.sample_cells, grid.n_cells)
    sample = np.sort(rng.choice(grid.n_cells, size=n_sample, replace=False))
    print(
        f"{a.incidents:,} incidents on {len(ux):,} distinct points; grid {grid.nx}x{grid.ny} "
        f"cells of {CELL_M:.0f} m (EPSG:27700); Gaussian bandwidth {BANDWIDTH_M:.0f} m; "
        f"scikit-learn scores {sample.size:,} cell centres per repeat; interleaved, medians "
        f"of {a.repeats}",
        flush=True,
    )

    ours_s, fit_s, score_s = [], [], []
    ours = theirs = None
    for r in range(a.repeats):
        t0 = time.perf_counter()
        ours = kde_surface(grid, x, y, bandwidth_m=BANDWIDTH_M).ravel()
        ours_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model = fit_sklearn(ux, uy, uw, BANDWIDTH_M)
        fit_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        theirs = sklearn_density(model, uw.sum(), cx[sample], cy[sample])
        score_s.append(time.perf_counter() - t0)
        print(
            f"  repeat {r + 1}: ours {ours_s[-1] * 1e3:.1f} ms; scikit-learn fit "
            f"{fit_s[-1]:.3f} s, {sample.size:,} cells {score_s[-1]:.1f} s",
            flush=True,
        )
    assert ours is not None and theirs is not None
    ours_median = statistics.median(ours_s)
    sklearn_grid_s = statistics.median(fit_s) + statistics.median(score_s) * (
        grid.n_cells / sample.size
    )
    speedup = sklearn_grid_s / ours_median

    # Accuracy at the sampled cells plus the densest ones (untimed).
    top = np.argsort(ours)[-500:]
    cells = np.union1d(sample, top)
    accuracy = {}
    for bandwidth in (BANDWIDTH_M, CELL_M):
        if bandwidth == BANDWIDTH_M:
            extra = np.setdiff1d(top, sample)
            ref = np.empty(grid.n_cells)
            ref[sample] = theirs
            ref[extra] = sklearn_density(model, uw.sum(), cx[extra], cy[extra])
            mine = ours
        else:
            ref = np.empty(grid.n_cells)
            other = fit_sklearn(ux, uy, uw, bandwidth)
            ref[cells] = sklearn_density(other, uw.sum(), cx[cells], cy[cells])
            mine = kde_surface(grid, x, y, bandwidth_m=bandwidth).ravel()
        rel = relative_differences(mine[cells], ref[cells])
        accuracy[f"gaussian_{bandwidth:.0f}m"] = {
            "cells_compared": int(rel.size),
            "max_relative_difference": float(rel.max()),
            "median_relative_difference": float(np.median(rel)),
        }
    quartic = kde_surface(grid, x, y, bandwidth_m=QUARTIC_RADIUS_M, kernel="quartic").ravel()
    direct = quartic_direct(x, y, cx[cells], cy[cells], QUARTIC_RADIUS_M)
    rel_q = relative_differences(quartic[cells], direct)
    accuracy[f"quartic_{QUARTIC_RADIUS_M:.0f}m"] = {
        "cells_compared": int(rel_q.size),
        "max_relative_difference": float(rel_q.max()),
        "median_relative_difference": float(np.median(rel_q)),
    }

    print(f"\n{'':32} {'median':>10} {'min':>10} {'max':>10}")
    print(f"{'ours, whole grid (ms)':32} {ours_median * 1e3:>10.1f} "
          f"{min(ours_s) * 1e3:>10.1f} {max(ours_s) * 1e3:>10.1f}")  # fmt: skip
    print(f"{'scikit-learn fit (s)':32} {statistics.median(fit_s):>10.3f}")
    print(f"{'scikit-learn sampled cells (s)':32} {statistics.median(score_s):>10.1f} "
          f"{min(score_s):>10.1f} {max(score_s):>10.1f}")  # fmt: skip
    print(f"{'scikit-learn, whole grid (s)':32} {sklearn_grid_s:>10.1f}"
          f"{'' if a.full_grid else '  (scaled from the sample)'}")  # fmt: skip
    print(f"speedup {speedup:,.0f}x\n")
    print(f"{'accuracy (cells >= 1% of peak)':32} {'cells':>8} {'max':>10} {'median':>10}")
    for name, acc in accuracy.items():
        print(f"{name:32} {acc['cells_compared']:>8,} {acc['max_relative_difference']:>10.2e} "
              f"{acc['median_relative_difference']:>10.2e}")  # fmt: skip

    t = TARGETS
    checks = {}
    for name, acc in accuracy.items():
        if name.startswith("gaussian"):
            checks[
                f"{name} within {t['max_relative_difference_max']:.0%} max "
                f"({acc['max_relative_difference']:.2%}) and "
                f"{t['median_relative_difference_max']:.1%} median "
                f"({acc['median_relative_difference']:.3%}) of scikit-learn"
            ] = (
                acc["max_relative_difference"] <= t["max_relative_difference_max"]
                and acc["median_relative_difference"] <= t["median_relative_difference_max"]
            )
        else:
            checks[f"{name} equal to the direct sum (max {acc['max_relative_difference']:.1e})"] = (
                acc["max_relative_difference"] <= t["quartic_max_relative_difference_max"]
            )
    need = t["speedup_vs_sklearn_min"]
    checks[f">= {need:,}x faster than scikit-learn, medians ({speedup:,.0f}x)"] = speedup >= need
    print("targets:")
    for label, ok in checks.items():
        print(f"  {label}: {'PASS' if ok else 'FAIL'}")
    report = {
        "benchmark": "hotspots.analysis.kde_surface vs sklearn.neighbors.KernelDensity",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "incidents": a.incidents,
        "distinct_points": int(len(ux)),
        "grid": {"nx": grid.nx, "ny": grid.ny, "cell_m": CELL_M},
        "bandwidth_m": BANDWIDTH_M,
        "sklearn_cells_scored": int(sample.size),
        "sklearn_whole_grid_scaled": not a.full_grid,
        "ours_s": ours_s,
        "ours_median_s": ours_median,
        "sklearn_fit_s": fit_s,
        "sklearn_score_s": score_s,
        "sklearn_whole_grid_s": sklearn_grid_s,
        "speedup": speedup,
        "accuracy": accuracy,
        "targets": TARGETS,
        "checks": checks,
    }
    out = Path(a.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"wrote {out}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
