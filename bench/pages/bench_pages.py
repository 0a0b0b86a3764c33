"""The manager's plan page on PostgreSQL: time and queries for plans of 350, 700 and 36,500
assignments (one week of 50 and of 100 visits a day; a year of 100 a day).

    .venv/bin/python bench/pages/bench_pages.py [--repeats 5]

The measurement runs in a child process with DEBUG off on a fresh database of its own name
(``bench_pages_<pid>``, dropped afterwards), through Django's test client, so middleware,
sessions and templates are all included. Every page is fetched once to warm up, then the
plans are fetched in turn (interleaved) ``--repeats`` times (at least 3); times are medians.
A second force's officers are present, so a page that listed every force's officers, or ran
a query per row, shows it.

Targets (exit status 1 on a miss): the 350-assignment plan under 300 ms; the first and a
middle week of the 36,500-assignment plan under 500 ms (each shows 700 assignments); the
same number of queries for every plan size and week.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import (  # noqa: E402
    PG_ADMIN_URL,
    print_table,
    recreate_pg_database,
    run_child,
    write_json,
)

MEASURE = Path(__file__).with_name("measure_pages.py")
TARGETS_MS = {"week of 350": 300.0, "year, first week": 500.0, "year, week 27": 500.0}
SECRET = "bench-pages-secret-key-" + "k9Qz" * 10


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(
        PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def targets(pages: list[dict]) -> list[str]:
    missed = []
    for page in pages:
        limit = TARGETS_MS.get(page["page"])
        if limit is not None and page["median_ms"] >= limit:
            missed.append(f"{page['page']}: {page['median_ms']} ms (target < {limit:g} ms)")
        if page["status"] != 200:
            missed.append(f"{page['page']}: HTTP {page['status']}")
    if len({page["queries"] for page in pages}) != 1:
        missed.append("the number of queries grows with the plan: " + ", ".join(
            f"{page['page']} {page['queries']}" for page in pages))  # fmt: skip
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.repeats < 3:
        parser.error("--repeats must be at least 3 (medians)")
    name = f"bench_pages_{os.getpid()}"
    url = recreate_pg_database(name)
    try:
        result = run_child(
            MEASURE,
            ["--repeats", str(args.repeats)],
            {"DATABASE_URL": url, "DEBUG": "0", "SECRET_KEY": SECRET, "SECURE_SSL_REDIRECT": "0",
             "ALLOWED_HOSTS": "testserver", "LOG_LEVEL": "WARNING"},
        )  # fmt: skip
    finally:
        drop_database(name)
    pages = result["pages"]
    header = ["page", "assignments in plan", "shown", "median ms", "min ms", "max ms",
              "queries", "KiB", "target"]  # fmt: skip
    rows = [
        [p["page"], f"{p['plan_assignments']:,}", p["shown"], p["median_ms"], p["min_ms"],
         p["max_ms"], p["queries"], round(p["bytes"] / 1024),
         f"< {TARGETS_MS[p['page']]:g} ms" if p["page"] in TARGETS_MS else "-"]
        for p in pages
    ]  # fmt: skip
    print(f"setup: {result['setup']}")
    print_table(f"Plan page on PostgreSQL, DEBUG off (medians of {args.repeats})", header, rows)
    missed = targets(pages)
    write_json("pages", {**result, "targets_ms": TARGETS_MS, "missed_targets": missed})
    print("targets met" if not missed else "TARGETS MISSED: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
