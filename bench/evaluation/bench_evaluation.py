"""The commander's report on PostgreSQL: 200 hotspots and three years of a force's incidents
(synthetic Exampleshire, 2023-01…2025-12, about 300,000 rows). Target: the report's numbers,
without the PDF, in under 2 s. Runs the measurement in a child process on a fresh database."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import print_table, recreate_pg_database, run_child, write_json  # noqa: E402

MEASURE = Path(__file__).with_name("measure_evaluation.py")
TARGET_S = 2.0


def main() -> int:
    url = recreate_pg_database("bench_evaluation")
    result = run_child(MEASURE, [], {"DATABASE_URL": url})
    rows = [
        [case["name"], case["hotspots"], case["controls"], f"{case['incidents']:,}",
         case["months"], f"{case['read_s']:.2f}", f"{case['statistics_s']:.2f}",
         f"{case['report_s']:.2f}", f"{case['total_s']:.2f}", f"{case['pdf_s']:.1f}",
         "yes" if case["total_s"] < TARGET_S else "NO"]
        for case in result["cases"]
    ]  # fmt: skip
    header = ["case", "hotspots", "controls", "incidents read", "months", "read s",
              "statistics s", "report s", "numbers s", "PDF s", f"< {TARGET_S:g} s"]  # fmt: skip
    setup = result["setup"]
    print(
        f"setup: {setup['incidents']:,} incidents over {setup['months']} months imported in "
        f"{setup['import_s']:.0f} s; {setup['assignments']:,} patrol assignments"
    )
    print_table("Reduction report on PostgreSQL (median of 3 runs; PDF once)", header, rows)
    write_json("evaluation", {**result, "target_s": TARGET_S})
    return 0 if all(case["total_s"] < TARGET_S for case in result["cases"]) else 1


if __name__ == "__main__":
    sys.exit(main())
