"""Benchmark: emerging hot spot classification of 36 months over a county at 150 m, against
the independent implementation the tests use (esda Gi* per month + statsmodels FDR +
pymannkendall + a plain per-location rule loop), in the same process.

Usage::

    .venv/bin/python bench/hotspots/bench_emerging.py [--repeats 3] [--months 36]
        [--reference-cells 1500] [--quick]

The cube is synthetic: 60 km x 50 km in EPSG:27700 metres on 150 m cells (400 x 333 =
133,200 cells), monthly Poisson counts around 120 towns plus planted 3x3 blocks for each
hot spot pattern. Runs are interleaved (ours, then a slice of the reference, repeated)
and the table reports medians.

esda takes about 1.5-4 s per month at this size and pymannkendall about 0.8 ms per
series, so the complete reference would take several minutes. It is therefore run on one
month per repeat (z, FDR p and bins compared on every cell of that month) and on a
sample of locations (every planted block centre plus random cells: Mann-Kendall of the
z-score and count series and the category compared), and its time for the whole cube is
extrapolated from those medians: weights once + months x month median + cells x 2 series
x per-series median. ``--quick`` uses a 7.5 km x 6 km cube on which the reference runs
completely, with every number compared. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import print_table, write_json  # noqa: E402
from hotspots.analysis.emerging import CATEGORIES, emerging_hotspots  # noqa: E402
from tests.hotspots import emerging_reference as ref  # noqa: E402

CELL_M = 150.0
TARGET_S = 5.0
PATTERNS = {
    # name: counts per month of a planted 3x3 block (m = month index, t = months)
    "new_hot": lambda m, t: np.where(m == t - 1, 25.0, 0.5),
    "consecutive_hot": lambda m, t: np.where(m >= t - 4, 25.0, 0.5),
    "intensifying_hot": lambda m, t: 8.0 + 0.8 * m,
    "persistent_hot": lambda m, t: np.full(m.shape, 20.0),
    "diminishing_hot": lambda m, t: 40.0 - 0.8 * m,
    "historical_hot": lambda m, t: np.where(m < t - 3, 20.0, 0.5),
    "sporadic_hot": lambda m, t: np.where(m % 7 == (t - 1) % 7, 25.0, 0.5),
}


def synthetic_cube(ny: int, nx: int, months: int, seed: int = 0):  # noqa: ANN201
    """Monthly counts (months, ny, nx) and the planted block centres by pattern."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:ny, 0:nx]
    rate = np.full((ny, nx), 0.02)
    for _ in range(max(4, ny * nx // 1100)):
        r, c = rng.uniform(0, ny), rng.uniform(0, nx)
        spread = rng.uniform(2.0, 8.0)
        rate += rng.uniform(0.5, 3.0) * np.exp(-((rows - r) ** 2 + (cols - c) ** 2) / spread**2)
    cube = rng.poisson(rate, (months, ny, nx)).astype(float)
    m = np.arange(months)
    planted: dict[str, list[tuple[int, int]]] = {name: [] for name in PATTERNS}
    per_pattern = max(2, ny * nx // 15_000)
    spots = _spread_positions(ny, nx, per_pattern * len(PATTERNS), rng)
    for k, (r, c) in enumerate(spots):
        name = list(PATTERNS)[k % len(PATTERNS)]
        series = rng.poisson(PATTERNS[name](m, months)[:, None, None], (months, 3, 3))
        cube[:, r - 1 : r + 2, c - 1 : c + 2] = series
        planted[name].append((r, c))
    return cube, planted


def _spread_positions(ny: int, nx: int, k: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    step = int(np.sqrt(ny * nx / k))
    grid = [(r, c) for r in range(3, ny - 3, step) for c in range(3, nx - 3, step)]
    pick = rng.choice(len(grid), size=min(k, len(grid)), replace=False)
    return [grid[i] for i in sorted(pick)]


def time_ours(cube: np.ndarray):  # noqa: ANN201
    t0 = time.perf_counter()
    result = emerging_hotspots(cube)
    return time.perf_counter() - t0, result


def time_reference_month(y: np.ndarray, w) -> tuple[float, tuple]:  # noqa: ANN001
    t0 = time.perf_counter()
    out = ref.gistar_month(y, w, alpha=0.05)
    return time.perf_counter() - t0, out


def time_reference_cells(z_series: np.ndarray, counts: np.ndarray, bins: np.ndarray) -> tuple:
    """pymannkendall on each location's z and count series, then the reference rules."""
    import pymannkendall

    t0 = time.perf_counter()
    trends = [pymannkendall.original_test(s) for s in z_series]
    count_trends = [pymannkendall.original_test(s) for s in counts]
    categories = [ref.classify(b, tr.z, tr.p, 0.05) for b, tr in zip(bins, trends, strict=True)]
    return time.perf_counter() - t0, trends, count_trends, categories


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--reference-cells", type=int, default=1500)
    ap.add_argument("--quick", action="store_true", help="small cube, complete reference")
    ap.add_argument("--json", default="hotspots_emerging")
    a = ap.parse_args()
    if a.repeats < 3:
        ap.error("--repeats must be at least 3: the table reports medians")
    ny, nx = (40, 50) if a.quick else (333, 400)
    cube, planted = synthetic_cube(ny, nx, a.months)
    t0 = time.perf_counter()
    w, _ = ref.queen_weights(ny, nx)
    weights_s = time.perf_counter() - t0
    print(
        f"cube {a.months} months x {ny} x {nx} cells of {CELL_M:.0f} m "
        f"({nx * CELL_M / 1000:.0f} km x {ny * CELL_M / 1000:.0f} km, EPSG:27700), "
        f"{int(cube.sum()):,} incidents; reference weights built in {weights_s:.1f} s",
        flush=True,
    )
    n_cells = ny * nx
    rng = np.random.default_rng(1)
    centres = [r * nx + c for spots in planted.values() for r, c in spots]
    if a.quick:
        sample = np.arange(n_cells)
    else:
        extra = rng.choice(n_cells, size=max(0, a.reference_cells - len(centres)), replace=False)
        sample = np.unique(np.concatenate([centres, extra]))
    ref_months = (
        list(range(a.months)) if a.quick else rng.choice(a.months, a.repeats, replace=False)
    )
    flat = cube.reshape(a.months, -1)

    ours_s, month_s, cell_s, result = [], [], [], None
    dz = dp = 0.0
    bins_equal = True
    month_chunks = np.array_split(np.asarray(ref_months), a.repeats)
    cell_chunks = np.array_split(sample, a.repeats)
    ref_bins = np.zeros(flat.shape, np.int8)
    trend_rows, cats_ref, cells_done = [], [], []
    for r in range(a.repeats):  # ours interleaved with the reference's months
        seconds, result = time_ours(cube)
        ours_s.append(seconds)
        z_ours = result.z.reshape(a.months, -1)
        for m in month_chunks[r]:
            seconds, (z, p_fdr, bins) = time_reference_month(flat[m], w)
            month_s.append(seconds)
            dz = max(dz, float(np.abs(z - z_ours[m]).max()))
            dp = max(dp, float(np.abs(p_fdr - result.p_fdr.reshape(a.months, -1)[m]).max()))
            bins_equal &= bool((bins == result.bins.reshape(a.months, -1)[m]).all())
            ref_bins[m] = bins
        print(f"  repeat {r + 1}: ours {ours_s[-1]:.2f} s", flush=True)
    for r in range(a.repeats):  # ours interleaved with the reference's locations
        seconds, result = time_ours(cube)
        ours_s.append(seconds)
        cells = cell_chunks[r]
        # A complete (quick) run classifies from the reference's own bins; a sampled run
        # from ours, whose bins were checked month by month above.
        bins_for = ref_bins if a.quick else result.bins.reshape(a.months, -1)
        z_for = result.z.reshape(a.months, -1)
        seconds, trends, counts, cats = time_reference_cells(
            z_for[:, cells].T, flat[:, cells].T, bins_for[:, cells].T
        )
        cell_s.append(seconds / max(len(cells), 1))
        trend_rows += [(t.z, t.p, c.z, c.p) for t, c in zip(trends, counts, strict=True)]
        cats_ref += cats
        cells_done += cells.tolist()
        print(f"  repeat {a.repeats + r + 1}: ours {ours_s[-1]:.2f} s", flush=True)
    assert result is not None
    done = np.asarray(cells_done)
    mine = np.column_stack(
        [a_.ravel()[done] for a_ in (result.trend_z, result.trend_p, result.count_trend_z,
                                      result.count_trend_p)]
    )  # fmt: skip
    dtrend = float(np.abs(mine - np.asarray(trend_rows)).max())
    names = result.names().ravel()
    agree = float(np.mean(names[done] == np.asarray(cats_ref)))
    recall = {
        name: float(np.mean([result.names()[rc] == name for rc in spots]))
        for name, spots in planted.items()
    }
    ours_median = statistics.median(ours_s)
    reference_s = (
        weights_s + statistics.median(month_s) * a.months + statistics.median(cell_s) * n_cells
    )
    targets = {"ours_s_max": TARGET_S, "max_abs_dz_max": 1e-9, "category_agreement_min": 1.0}
    checks = {
        f"classification < {TARGET_S:.0f} s ({ours_median:.2f} s)": ours_median < TARGET_S,
        f"Gi* z equal on {len(month_s)} months (max|dz| {dz:.1e})": dz <= 1e-9,
        f"FDR p equal (max|dp| {dp:.1e}) and hot/cold bins identical": dp <= 1e-9 and bins_equal,
        f"Mann-Kendall z/p equal on {done.size:,} locations (max {dtrend:.1e})": dtrend <= 1e-9,
        f"categories agree on {done.size:,} locations ({agree:.2%})": agree == 1.0,
    }
    rows = [
        ["ours (median)", f"{ours_median:.2f}", f"{min(ours_s):.2f}", f"{max(ours_s):.2f}"],
        ["reference, whole cube" + (" (extrapolated)" if not a.quick else ""),
         f"{reference_s:.1f}", "", ""],
        ["  reference Gi* per month", f"{statistics.median(month_s):.2f}", "", ""],
        ["  reference MK + rules per location (ms)", f"{statistics.median(cell_s) * 1e3:.2f}",
         "", ""],
    ]  # fmt: skip
    print_table(
        f"Emerging hot spots, {a.months} months x {n_cells:,} cells (seconds; "
        f"speedup {reference_s / ours_median:.0f}x)",
        ["", "median", "min", "max"],
        rows,
    )
    counts = result.counts_by_category()
    print_table(
        "Categories (cells) and recall of planted block centres",
        ["category", "cells", "planted recall"],
        [[c, counts[c], f"{recall[c]:.0%}" if c in recall else ""] for c in CATEGORIES],
    )
    print("targets:")
    for label, ok in checks.items():
        print(f"  {label}: {'PASS' if ok else 'FAIL'}")
    write_json(
        a.json + ("_quick" if a.quick else ""),
        {
            "benchmark": "hotspots.analysis.emerging vs esda + statsmodels + pymannkendall",
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cube": {"months": a.months, "ny": ny, "nx": nx, "cell_m": CELL_M},
            "reference_complete": a.quick,
            "ours_s": ours_s,
            "ours_median_s": ours_median,
            "reference_weights_s": weights_s,
            "reference_month_s": month_s,
            "reference_per_location_s": cell_s,
            "reference_whole_cube_s": reference_s,
            "max_abs_dz": dz,
            "max_abs_dp_fdr": dp,
            "bins_identical": bins_equal,
            "max_abs_trend_diff": dtrend,
            "category_agreement": agree,
            "locations_compared": int(done.size),
            "categories": counts,
            "planted_recall": recall,
            "targets": targets,
            "checks": checks,
        },
    )
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
