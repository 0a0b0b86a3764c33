"""Benchmark: our grid Gi* hotspot pipeline against the PySAL (libpysal + esda) route.

Usage::

    .venv/bin/python bench/hotspots/bench_gistar.py [--sizes 100000,1000000,3000000]
        [--json bench/results/hotspots_gistar.json] [--repeats 3]

For each size, synthetic crime-like incidents (clustered around towns, stacked on shared
police.uk-style map points, with harm weights and timestamps) are generated over a
60 km x 60 km county in British National Grid metres (EPSG:27700) and binned on a
150 m grid (400 x 400 cells). Each measurement runs in its own subprocess, so peak
memory (``ru_maxrss``: interpreter, libraries, inputs and working set) is per
measurement:

* ours: arrays -> binning -> Gi* (queen order 1) -> BH FDR -> merged, ranked hotspots ->
  polygons, centroids, 7x24 profiles, patrol windows, monthly trends (best of
  ``--repeats``); the Gi* step alone is also timed;
* pysal: ``libpysal.weights.lat2W`` (queen, all cells) + ``esda.G_Local(star=True,
  transform="B", permutations=0)`` on the identical value grid.

The z-scores of both are compared cell by cell.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
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


def worker_ours(data_path: str, out_path: str, repeats: int) -> dict[str, float]:
    from hotspots.analysis import Neighbourhood, find_gistar_hotspots, gistar

    d = np.load(data_path)
    x, y, harm, ts = d["x"], d["y"], d["harm"], d["ts"].view("datetime64[ns]")
    grid = _grid()
    best, best_gi, out = np.inf, np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = find_gistar_hotspots(
            x, y, harm, grid=grid, neighbourhood=Neighbourhood.queen(1), alpha=0.05,
            min_incidents=20, max_hotspots=50, timestamps=ts,
        )  # fmt: skip
        best = min(best, time.perf_counter() - t0)
        t0 = time.perf_counter()
        gistar(out.values, Neighbourhood.queen(1), alpha=0.05)
        best_gi = min(best_gi, time.perf_counter() - t0)
    assert out is not None
    np.save(out_path, out.gistar.z.ravel())
    np.save(out_path.replace(".npy", "_values.npy"), out.values.ravel())
    top = out.hotspots[0] if out.hotspots else None
    return {
        "seconds": best,
        "gistar_seconds": best_gi,
        "n_hotspots": len(out.hotspots),
        "n_significant_hot_cells": int(out.gistar.significant_hot.sum()),
        "n_hotspot_areas": len(out.areas),
        "largest_hotspot_cells": max((h.n_cells for h in out.hotspots), default=0),
        "top_window": top.patrol_window.label if top and top.patrol_window else "",
        "peak_mib": _peak_mib(),
    }


def worker_pysal(values_path: str, out_path: str) -> dict[str, float]:
    import warnings

    import esda
    import libpysal

    values = np.load(values_path)
    n_side = int(SIDE_M / CELL_M)
    t0 = time.perf_counter()
    w = libpysal.weights.lat2W(n_side, n_side, rook=False)
    t_w = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(values, w, transform="B", star=True, permutations=0)
    total = time.perf_counter() - t0
    np.save(out_path, np.asarray(g.Zs))
    return {"seconds": total, "weights_seconds": t_w, "peak_mib": _peak_mib()}


def _run_worker(args: list[str]) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, __file__, "--worker", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"worker failed: {' '.join(args)}\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000,3000000")
    ap.add_argument("--json", default=str(ROOT / "bench/results/hotspots_gistar.json"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        kind, *rest = a.worker
        result = (
            worker_ours(rest[0], rest[1], int(rest[2]))
            if kind == "ours"
            else worker_pysal(rest[0], rest[1])
        )
        print(json.dumps(result))
        return

    sizes = [int(s) for s in a.sizes.split(",") if s]
    rows = []
    n_side = int(SIDE_M / CELL_M)
    print(
        f"grid {n_side}x{n_side} cells of {CELL_M:.0f} m over {SIDE_M / 1000:.0f} km square "
        f"(EPSG:27700); queen order 1; each measurement in a fresh subprocess",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            data = os.path.join(tmp, f"data_{n}.npz")
            np.savez(data, **synthetic_incidents(n, seed=n % 997))
            z_ours = os.path.join(tmp, f"z_ours_{n}.npy")
            z_pysal = os.path.join(tmp, f"z_pysal_{n}.npy")
            ours = _run_worker(["ours", data, z_ours, str(a.repeats)])
            values = z_ours.replace(".npy", "_values.npy")
            pysal = _run_worker(["pysal", values, z_pysal])
            za, zb = np.load(z_ours), np.load(z_pysal)
            finite = np.isfinite(za) & np.isfinite(zb)
            same_nan = bool(np.array_equal(np.isfinite(za), np.isfinite(zb)))
            row = {
                "n_incidents": n,
                "grid_cells": n_side * n_side,
                "ours_s": ours["seconds"],
                "ours_gistar_s": ours["gistar_seconds"],
                "pysal_s": pysal["seconds"],
                "pysal_weights_s": pysal["weights_seconds"],
                "speedup_pipeline": pysal["seconds"] / ours["seconds"],
                "speedup_gistar": pysal["seconds"] / ours["gistar_seconds"],
                "max_abs_dz": float(np.abs(za[finite] - zb[finite]).max()),
                "same_nan_cells": same_nan,
                "ours_peak_mib": ours["peak_mib"],
                "pysal_peak_mib": pysal["peak_mib"],
                "n_hotspots": ours["n_hotspots"],
                "n_significant_hot_cells": ours["n_significant_hot_cells"],
                "top_hotspot_window": ours["top_window"],
            }
            rows.append(row)
            print(_format_row(row, header=len(rows) == 1), flush=True)
    targets = {
        "speedup_vs_pysal_min": 100,
        # The pipeline also splits areas into patrol-scale hotspots, which PySAL never does.
        "pipeline_speedup_vs_pysal_min": 50,
        "max_abs_dz_max": 1e-9,
        # Arrays to ranked, described, patrol-scale (split) hotspots.
        "seconds_1M_max": 1.0,
        "peak_mib_3M_max": 2048,
    }
    report = {
        "benchmark": "hotspots.analysis Gi* pipeline vs libpysal lat2W + esda.G_Local",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "notes": (
            "ours_s: best of repeats, arrays to ranked, described hotspots; "
            "pysal_s: lat2W + G_Local on the same grid, one run; peak_mib: ru_maxrss "
            "of a fresh subprocess including interpreter, imports and inputs"
        ),
        "targets": targets,
        "results": rows,
    }
    out = Path(a.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    verdict = _verdict(rows, targets)
    print(verdict)
    print(f"wrote {out}")
    if "FAIL" in verdict:
        sys.exit(1)


def _format_row(r: dict, header: bool) -> str:
    head = (
        f"{'incidents':>10} {'ours s':>8} {'Gi* s':>8} {'pysal s':>8} {'x pipe':>8} "
        f"{'x Gi*':>8} {'max|dz|':>9} {'ours MiB':>9} {'pysal MiB':>9} {'hotspots':>8}\n"
    )
    line = (
        f"{r['n_incidents']:>10,} {r['ours_s']:>8.3f} {r['ours_gistar_s']:>8.4f} "
        f"{r['pysal_s']:>8.2f} {r['speedup_pipeline']:>8.0f} {r['speedup_gistar']:>8.0f} "
        f"{r['max_abs_dz']:>9.1e} {r['ours_peak_mib']:>9.0f} {r['pysal_peak_mib']:>9.0f} "
        f"{r['n_hotspots']:>8}"
    )
    return (head if header else "") + line


def _verdict(rows: list[dict], t: dict) -> str:
    lines = ["targets:"]
    ok_z = all(r["max_abs_dz"] <= t["max_abs_dz_max"] and r["same_nan_cells"] for r in rows)
    lines.append(f"  identical z (max|dz| <= 1e-9): {'PASS' if ok_z else 'FAIL'}")
    need = t["speedup_vs_pysal_min"]
    gi = min(r["speedup_gistar"] for r in rows)
    lines.append(f"  >=100x faster than PySAL, Gi* step (worst {gi:.0f}x): "
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
    main()
