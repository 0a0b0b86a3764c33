"""Run every benchmark (`make bench`); each prints its table and writes bench/results/*.json.
Pass names to run some: python bench/run.py import hotspots.

Every suite checks its own targets and exits non-zero on a miss; this runner then exits 1.
Suites run as deployed (DEBUG off, so Django does not record every query) and with a run id
that makes the PostgreSQL databases they create their own (see bench/common.py); those are
dropped at the end unless BENCH_KEEP_DATABASES is set."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
SUITES = {
    "import": [BENCH / "import" / "bench_import.py"],
    "hotspots": [
        BENCH / "hotspots" / "bench_gistar.py",
        BENCH / "hotspots" / "bench_kde.py",
        BENCH / "hotspots" / "bench_run.py",
        BENCH / "hotspots" / "bench_emerging.py",
    ],
    "scheduling": [BENCH / "scheduling" / "bench_scheduling.py"],
    "evaluation": [BENCH / "evaluation" / "bench_evaluation.py"],
    # The ORM's values_list read against the columnar read, interleaved in one process.
    "reads": [BENCH / "reads" / "bench_reads.py"],
    # Unpaced: 200 tablets sending back to back measure capacity (latency is then queueing);
    # paced well below capacity, as tablets reconnecting through a shift would, measure p99.
    "sync": [
        BENCH / "sync" / "bench_sync.py",
        (BENCH / "sync" / "bench_sync.py", "--rate", "100", "--json", "sync_paced"),
    ],
    "live": [BENCH / "live" / "bench_live.py"],
    "pages": [BENCH / "pages" / "bench_pages.py"],
    "national": [BENCH / "national" / "bench_national.py"],
}


def run_id() -> str:
    return os.environ.get("BENCH_RUN_ID") or f"{time.strftime('%Y%m%d%H%M%S')}_{os.getpid()}"


def suite_environment() -> dict[str, str]:
    """DEBUG off as deployed (a key strong enough for it; plain HTTP on loopback), and a run
    id unique to this run for the suites' database names."""
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "BENCH_RUN_ID": run_id(),
    }


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in SUITES]
    if unknown:
        print(f"unknown suite {', '.join(unknown)}; choose from {', '.join(SUITES)}")
        return 2
    env = suite_environment()
    print(f"bench run {env['BENCH_RUN_ID']} (DEBUG off)", flush=True)
    failed = []
    for name in names or list(SUITES):
        for entry in SUITES[name]:
            script, *args = entry if isinstance(entry, tuple) else (entry,)
            print(f"\n=== {name}: {script.name} {' '.join(args)}", flush=True)
            done = subprocess.run([sys.executable, str(script), *args], env=env, check=False)
            if done.returncode != 0:
                failed.append(f"{script.name} (exit {done.returncode})")
    if not os.environ.get("BENCH_KEEP_DATABASES"):
        from bench.common import drop_run_databases

        dropped = drop_run_databases(env["BENCH_RUN_ID"])
        if dropped:
            print(f"\ndropped this run's databases: {', '.join(dropped)}")
    if failed:
        print(f"\nmissed targets or failed: {', '.join(failed)}")
    else:
        print("\nevery suite met its targets")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
