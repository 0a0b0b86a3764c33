"""End-to-end hotspot runs on the real Derbyshire data read from PostgreSQL: every incident of
every month (target: under 10 s), and the manager's usual question, the ASB hotspots of the
last 12 months."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import SHARED, print_table, recreate_pg_database, run_child, write_json  # noqa: E402

MEASURE = Path(__file__).with_name("measure_run.py")
CASES = [("all", "2018-10", "2025-12"), ("asb", "2025-01", "2025-12")]


def main() -> int:
    if not (SHARED / "derbyshire").is_dir():
        print(f"{SHARED} is missing", file=sys.stderr)
        return 1
    url = recreate_pg_database("bench_hotspots")
    results = [run_child(MEASURE, list(case), {"DATABASE_URL": url}) for case in CASES]
    rows = [
        [r["selection"], r["period"], f"{r['incidents']:,}", r["hotspots"], f"{r['seconds']:.2f}",
         r["timings"].get("read_s"), r["timings"].get("analysis_s"), r["timings"].get("describe_s"),
         f"{r['share_of_incidents']:.1%}", f"{r['share_of_area']:.2%}", f"{r['peak_mib']:.0f}"]
        for r in results
    ]  # fmt: skip
    header = ["selection", "period", "incidents", "hotspots", "total s", "read s", "analysis s",
              "describe s", "share incidents", "share area", "peak MiB"]  # fmt: skip
    print_table("Hotspot runs on Derbyshire from PostgreSQL (Gi*, 150 m, queen)", header, rows)
    write_json("hotspots_run", {"runs": results, "target_full_run_s": 10})
    return 0 if all(r["status"] == "succeeded" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
