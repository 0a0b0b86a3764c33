"""Import benchmark: all of the Derbyshire police.uk data into PostgreSQL and SQLite, twice,
against a raw PostgreSQL COPY of the same rows (the floor).

Targets: at least 100,000 rows/s end to end on PostgreSQL; peak memory under 1 GiB; a second
import leaves every count unchanged."""

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import (  # noqa: E402
    SHARED,
    print_table,
    recreate_pg_database,
    run_child,
    write_json,
)

MEASURE = Path(__file__).with_name("measure.py")
# As deployed: without DEBUG, Django does not record every query.
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "benchmark-only-" + os.urandom(32).hex()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-sqlite", action="store_true")
    options = parser.parse_args()
    if not (SHARED / "derbyshire").is_dir():
        print(f"{SHARED} is missing", file=sys.stderr)
        return 1
    pg_url = recreate_pg_database("bench_import")
    pg = {"DATABASE_URL": pg_url, **PRODUCTION}
    results = {"postgresql": run_child(MEASURE, ["import"], pg)}
    results["copy_floor"] = run_child(MEASURE, ["copy"], pg)
    if not options.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.sqlite3"
            results["sqlite"] = run_child(MEASURE, ["import"], {"DATABASE_URL": url, **PRODUCTION})
    rows = []
    for name in ("postgresql", "sqlite"):
        if name in results:
            r = results[name]
            rows.append([
                name, f"{r['rows']:,}", f"{r['first_s']:.2f}", f"{r['rows'] / r['first_s']:,.0f}",
                f"{r['second_s']:.2f}", f"{r['peak_mib']:.0f}", str(r["counts_unchanged"]),
            ])  # fmt: skip
    floor = results["copy_floor"]
    rows.append([
        "raw COPY (floor)", f"{floor['rows']:,}", f"{floor['seconds']:.2f}",
        f"{floor['rows'] / floor['seconds']:,.0f}", "", f"{floor['peak_mib']:.0f}", "",
    ])  # fmt: skip
    header = ["target", "rows", "first s", "rows/s", "re-import s", "peak MiB", "counts same"]
    print_table("Import of all Derbyshire police.uk data", header, rows)
    pg = results["postgresql"]
    results["targets"] = {
        "pg_rows_per_s": pg["rows"] / pg["first_s"],
        "pg_rows_per_s_target": 100_000,
        "peak_mib_max": max(r["peak_mib"] for k, r in results.items() if "peak_mib" in r),
        "peak_mib_target": 1024,
        "counts_unchanged": all(
            results[k]["counts_unchanged"] for k in ("postgresql", "sqlite") if k in results
        ),
    }
    for result in results.values():
        result.pop("counts", None)
    write_json("import", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
