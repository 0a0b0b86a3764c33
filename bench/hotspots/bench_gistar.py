"""Benchmark: our grid Gi* hotspot pipeline against the PySAL (libpysal + esda) route.

Usage::

    .venv/bin/python bench/hotspots/bench_gistar.py [--sizes 100000,1000000,3000000]
        [--json bench/results/hotspots_gistar.json] [--repeats 3]

For each size, synthetic crime-like incidents (clustered around towns, stacked on shared
police.uk-style map points, with harm weights and timestamps) are generated over a
60 km x 60 km county in British National Grid metres (EPSG:27700) and binned on a
150 m grid (400 x 400 cells). Both sides run in this one process, interleaved repeat by
repeat (ours, then PySAL, ``--repeats`` times, at least 3), and the table shows medians:

* ours: arrays -> binning -> Gi* (queen order 1) -> BH FDR -> merged, ranked hotspots ->
  polygons, centroids, 7x24 profiles, patrol windows, monthly trends; the Gi* step alone
  (``gistar`` on the binned grid: z, p, FDR and bins) is timed separately;
* pysal: ``libpysal.weights.lat2W`` (queen, all cells) + ``esda.G_Local(star=True,
  transform="B", permutations=0)`` on the identical value grid (z and p only, no FDR).

The z-scores of both are compared cell by cell. Peak memory (``ru_maxrss``: interpreter,
libraries, inputs and working set) is measured apart, by running our pipeline once in a
fresh subprocess per size. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
X0, Y0, SIDE_M, CELL_M = 400_000.0, 250_000.0, 60_000.0, 150.0
HARM = np.array([1.0, 2.0, 5.0, 20.0, 100.0])  # crime-harm-like weights
HARM_P = np.array([0.5, 0.25, 0.15, 0.08, 0.02])


def synthetic_incidents(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Crime-like incidents (metres, EPSG:27700) inside the 60 km square."""
    rng = np.random.default_rng(seed)
    n_map, n_towns = 120_000, 250
    towns = rng.uniform([X0, Y0], [X0 + SIDE_M, Y0 + SIDE_M], (n_towns, 2))
    spread = np.exp(rng.normal(np.log(700.0), 0.6, n_towns))
    n_rural = int(0.35 * n_map)
    town_of = rng.integers(0, n_towns, n_map - n_rural)
    urban = towns[town_of] + rng.normal(0, 1, (town_of.size, 2)) * spread[town_of, None]
    rural = rng.uniform([X0, Y0], [X0 + SIDE_M, Y0 + SIDE_M], (n_rural, 2))
    map_xy = np.round(np.concatenate([urban, rural]))
    # Town centres attract far more crime than their outskirts or the countryside.
    d2 = np.full(len(map_xy), np.inf)
    d2[: town_of.size] = ((urban - towns[town_of]) ** 2).sum(axis=1) / spread[town_of] ** 2
    pull = rng.lognormal(0.0, 1.0, len(map_xy)) * (1.0 + 25.0 * np.exp(-4.0 * d2))
    inside = (
        (map_xy[:, 0] >= X0)
        & (map_xy[:, 0] < X0 + SIDE_M)
        & (map_xy[:, 1] >= Y0)
        & (map_xy[:, 1] < Y0 + SIDE_M)
    )
    map_xy, pull = map_xy[inside], pull[inside]
    pick = rng.choice(len(map_xy), size=n, p=pull / pull.sum())
    hours = rng.choice(24, size=n, p=_hour_shape())
    days = rng.integers(0, 365, n)
    ts = (
        np.datetime64("2024-01-01T00:00", "m")
        + days.astype("timedelta64[D]")
        + hours.astype("timedelta64[h]")
        + rng.integers(0, 60, n).astype("timedelta64[m]")
    ).astype("datetime64[ns]")
    return {
        "x": map_xy[pick, 0].copy(),
        "y": map_xy[pick, 1].copy(),
        "harm": rng.choice(HARM, size=n, p=HARM_P),
        "ts": ts.view(np.int64),
    }


def _hour_shape() -> np.ndarray:
    h = np.arange(24)
    from_21 = np.minimum(np.abs(h - 21), 24 - np.abs(h - 21))  # hours from 21:00, wrapping
    shape = 1.0 + 2.5 * np.exp(-(from_21**2) / 8.0) + np.exp(-((h - 15) ** 2) / 6.0)
    return shape / shape.sum()


def _grid():  # noqa: ANN202 - keeps the heavy import inside workers
    from hotspots.analysis import Grid

    return Grid(X0, Y0, CELL_M, int(SIDE_M / CELL_M), int(SIDE_M / CELL_M))


def _peak_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


MIN_REPEATS = 3
TARGETS = {
    "speedup_vs_pysal_min": 400,
    # The pipeline also splits areas into patrol-scale hotspots, which PySAL never does.
    "pipeline_speedup_vs_pysal_min": 50,
    "max_abs_dz_max": 1e-9,
    # Arrays to ranked, described, patrol-scale (split) hotspots.
    "seconds_1M_max": 1.0,
    "peak_mib_3M_max": 2048,
}


def run_ours(d: dict[str, np.ndarray]):  # noqa: ANN201 - the pipeline's result
    from hotspots.analysis import Neighbourhood, find_gistar_hotspots

    return find_gistar_hotspots(
        d["x"], d["y"], d["harm"], grid=_grid(), neighbourhood=Neighbourhood.queen(1),
        alpha=0.05, min_incidents=20, max_hotspots=50, timestamps=d["ts"].view("datetime64[ns]"),
    )  # fmt: skip


def run_pysal(values: np.ndarray) -> tuple[np.ndarray, float]:
    """lat2W + G_Local on the flat value grid: (z-scores, seconds spent building weights)."""
    import warnings

    import esda
    import libpysal

    n_side = int(SIDE_M / CELL_M)
    t0 = time.perf_counter()
    w = libpysal.weights.lat2W(n_side, n_side, rook=False)
    weights_s = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(values, w, transform="B", star=True, permutations=0)
    return np.asarray(g.Zs), weights_s


def worker_peak(data_path: str) -> dict[str, float]:
    """Our pipeline once, alone in a fresh process: its peak memory."""
    d = dict(np.load(data_path))
    out = run_ours(d)
    return {"n_hotspots": len(out.hotspots), "peak_mib": _peak_mib()}


def _peak_in_child(data_path: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, __file__, "--worker", "peak", data_path]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"peak-memory worker failed:\n{res.stderr}")
    return float(json.loads(res.stdout.strip().splitlines()[-1])["peak_mib"])


def measure(n: int, repeats: int, data_path: str) -> dict:
    """Ours and PySAL interleaved in this process; medians of ``repeats``."""
    from hotspots.analysis import Neighbourhood, gistar

    d = synthetic_incidents(n, seed=n % 997)
    np.savez(data_path, **d)
    ours_s, gistar_s, pysal_s, weights_s = [], [], [], []
    out = z_pysal = None
    for r in range(repeats):
        t0 = time.perf_counter()
        out = run_ours(d)
        ours_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        gistar(out.values, Neighbourhood.queen(1), alpha=0.05)
        gistar_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        z_pysal, w_s = run_pysal(out.values.ravel())
        pysal_s.append(time.perf_counter() - t0)
        weights_s.append(w_s)
        print(
            f"  {n:,} repeat {r + 1}: ours {ours_s[-1]:.3f} s, Gi* {gistar_s[-1] * 1e3:.1f} ms, "
            f"pysal {pysal_s[-1]:.2f} s",
            flush=True,
        )
    assert out is not None and z_pysal is not None
    za = out.gistar.z.ravel()
    finite = np.isfinite(za) & np.isfinite(z_pysal)
    top = out.hotspots[0] if out.hotspots else None
    ours, gi, pysal = (statistics.median(v) for v in (ours_s, gistar_s, pysal_s))
    return {
        "n_incidents": n,
        "grid_cells": int(SIDE_M / CELL_M) ** 2,
        "repeats": repeats,
        "ours_s": ours,
        "ours_gistar_s": gi,
        "pysal_s": pysal,
        "pysal_weights_s": statistics.median(weights_s),
        "ours_s_all": ours_s,
        "ours_gistar_s_all": gistar_s,
        "pysal_s_all": pysal_s,
        "speedup_pipeline": pysal / ours,
        "speedup_gistar": pysal / gi,
        "max_abs_dz": float(np.abs(za[finite] - z_pysal[finite]).max()),
        "same_nan_cells": bool(np.array_equal(np.isfinite(za), np.isfinite(z_pysal))),
        "ours_peak_mib": _peak_in_child(data_path),
        "n_hotspots": len(out.hotspots),
        "n_significant_hot_cells": int(out.gistar.significant_hot.sum()),
        "n_hotspot_areas": len(out.areas),
        "largest_hotspot_cells": max((h.n_cells for h in out.hotspots), default=0),
        "top_hotspot_window": top.patrol_window.label if top and top.patrol_window else "",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000,3000000")
    ap.add_argument("--json", default=str(ROOT / "bench/results/hotspots_gistar.json"))
    ap.add_argument("--repeats", type=int, default=MIN_REPEATS)
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker_peak(a.worker[1])))
        return 0
    if a.repeats < MIN_REPEATS:
        ap.error(f"--repeats must be at least {MIN_REPEATS}: the table reports medians")

    sizes = [int(s) for s in a.sizes.split(",") if s]
    rows = []
    n_side = int(SIDE_M / CELL_M)
    print(
        f"grid {n_side}x{n_side} cells of {CELL_M:.0f} m over {SIDE_M / 1000:.0f} km square "
        f"(EPSG:27700); queen order 1; ours and PySAL interleaved in one process, "
        f"medians of {a.repeats}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            rows.append(measure(n, a.repeats, os.path.join(tmp, f"data_{n}.npz")))
            print(_format_row(rows[-1], header=len(rows) == 1), flush=True)
    report = {
        "benchmark": "hotspots.analysis Gi* pipeline vs libpysal lat2W + esda.G_Local",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "notes": (
            "ours and PySAL timed in one process, interleaved, medians of repeats; ours_s: "
            "arrays to ranked, described hotspots; ours_gistar_s: gistar() on the binned grid "
            "(z, p, FDR, bins); pysal_s: lat2W + G_Local on the same grid (z, p); peak_mib: "
            "ru_maxrss of a fresh subprocess running our pipeline once, including interpreter, "
            "imports and inputs"
        ),
        "targets": TARGETS,
        "results": rows,
    }
    out = Path(a.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    verdict = _verdict(rows, TARGETS)
    print(verdict)
    print(f"wrote {out}")
    return 1 if "FAIL" in verdict else 0


def _format_row(r: dict, header: bool) -> str:
    head = (
        f"{'incidents':>10} {'ours s':>8} {'Gi* s':>8} {'pysal s':>8} {'x pipe':>8} "
        f"{'x Gi*':>8} {'max|dz|':>9} {'ours MiB':>9} {'hotspots':>8}\n"
    )
    line = (
        f"{r['n_incidents']:>10,} {r['ours_s']:>8.3f} {r['ours_gistar_s']:>8.4f} "
        f"{r['pysal_s']:>8.2f} {r['speedup_pipeline']:>8.0f} {r['speedup_gistar']:>8.0f} "
        f"{r['max_abs_dz']:>9.1e} {r['ours_peak_mib']:>9.0f} "
        f"{r['n_hotspots']:>8}"
    )
    return (head if header else "") + line


def _verdict(rows: list[dict], t: dict) -> str:
    lines = ["targets:"]
    ok_z = all(r["max_abs_dz"] <= t["max_abs_dz_max"] and r["same_nan_cells"] for r in rows)
    lines.append(f"  identical z (max|dz| <= 1e-9): {'PASS' if ok_z else 'FAIL'}")
    need = t["speedup_vs_pysal_min"]
    gi = min(r["speedup_gistar"] for r in rows)
    lines.append(f"  >={need}x faster than PySAL, Gi* step, medians (worst {gi:.0f}x): "
                 f"{'PASS' if gi >= need else 'FAIL'}")  # fmt: skip
    need = t["pipeline_speedup_vs_pysal_min"]
    for r in rows:
        ok = r["speedup_pipeline"] >= need
        lines.append(
            f"  >={need}x faster than PySAL, whole pipeline incl. binning, splitting, describing, "
            f"{r['n_incidents']:,} incidents ({r['speedup_pipeline']:.0f}x): "
            f"{'PASS' if ok else 'FAIL'}"
        )
    for r in rows:
        if r["n_incidents"] == 1_000_000:
            ok = r["ours_s"] < t["seconds_1M_max"]
            lines.append(
                f"  1M incidents to split, described hotspots < {t['seconds_1M_max']:g} s "
                f"({r['ours_s']:.3f} s): {'PASS' if ok else 'FAIL'}"
            )
        if r["n_incidents"] == 3_000_000:
            ok = r["ours_peak_mib"] < t["peak_mib_3M_max"]
            lines.append(
                f"  peak < 2 GiB at 3M ({r['ours_peak_mib']:.0f} MiB): {'PASS' if ok else 'FAIL'}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
