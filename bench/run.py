"""Run every benchmark (`make bench`); each prints its table and writes bench/results/*.json.
Pass names to run some: python bench/run.py import hotspots."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SUITES = {
    "import": [BENCH / "import" / "bench_import.py"],
    "hotspots": [
        BENCH / "hotspots" / "bench_gistar.py",
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
    "national": [BENCH / "national" / "bench_national.py"],
}


def main(names: list[str]) -> int:
    failed = []
    for name in names or list(SUITES):
        for entry in SUITES[name]:
            script, *args = entry if isinstance(entry, tuple) else (entry,)
            print(f"\n=== {name}: {script.name} {' '.join(args)}", flush=True)
            if subprocess.run([sys.executable, str(script), *args], check=False).returncode != 0:
                failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
