"""National scale end to end, through the product's own commands: six million synthetic
incidents over England and Wales (24 monthly police.uk files, rows of 43 fictional forces),
imported as one national area with `import_police_uk`, a Gi* hotspot run over every incident
at 150 m with `find_hotspots`, and an evaluation of that run's hotspots with `evaluate`.

Each command runs as the user would run it, in its own process (start-up included), one after
the other on one worker; wall time and peak memory (maximum resident set) are those of each
whole process. Targets: under 60 s for the three together and under 2 GiB peak in any of them.
Generating the files is not timed. Exits 1 on a miss.

    python bench/national/bench_national.py [--rows N] [--data DIR] [--keep-db]
"""

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import (  # noqa: E402
    drop_pg_database,
    print_table,
    recreate_pg_database,
    timed_command,
    unique_name,
    write_json,
)

TOTAL_TARGET_S = 60.0
PEAK_TARGET_MIB = 2048.0
FORCE = "england-and-wales"
EVALUATED = "2025-07:2025-12"  # compared with the same months a year earlier
MANAGE = [sys.executable, "manage.py"]


def latest_run(url: str) -> tuple[int, dict]:
    """The id of the latest hotspot run and its stage timings (read, analysis, describe)."""
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as c:
        query = "SELECT id, timings FROM hotspots_hotspotrun ORDER BY id DESC LIMIT 1"
        row = c.execute(query).fetchone()
        return (row[0], row[1] or {}) if row else (0, {})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=6_000_000)
    parser.add_argument("--data", type=Path, help="Folder for the files (reused if present).")
    parser.add_argument("--keep-db", action="store_true", help="Do not drop the database.")
    options = parser.parse_args()

    from hotspots.synthetic_national import NationalConfig, write_national_police_uk

    config = NationalConfig(rows=options.rows)
    database = unique_name("national")
    url = recreate_pg_database(database)
    env = {
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-" + secrets.token_hex(32),
    }
    with tempfile.TemporaryDirectory(prefix="bench-national-") as scratch:
        data = options.data or Path(scratch) / "police-uk"
        start = time.perf_counter()
        if not (data.is_dir() and any(data.rglob("*-street.csv"))):
            write_national_police_uk(config, data)
        generated_s = time.perf_counter() - start
        logs = Path(scratch)
        try:
            migrate = timed_command(
                [*MANAGE, "migrate", "--noinput", "-v0"], env, logs / "migrate.log"
            )
            if migrate["status"]:
                print(migrate["output_tail"], file=sys.stderr)
                return 1
            steps = [timed_command([*MANAGE, "import_police_uk", str(data), "--force", FORCE], env,
                                   logs / "import.log")]  # fmt: skip
            first, last = config.months[0], config.months[-1]
            run = ["find_hotspots", "--force", FORCE, "--from", first, "--to", last,
                   "--select", "all", "--cell", "150", "--method", "gistar"]  # fmt: skip
            if not steps[-1]["status"]:
                steps.append(timed_command([*MANAGE, *run], env, logs / "run.log"))
            if not steps[-1]["status"]:
                run_id, steps[-1]["timings"] = latest_run(url)
                evaluate = ["evaluate", "--run", str(run_id), "--after", EVALUATED]
                steps.append(timed_command([*MANAGE, *evaluate], env, logs / "evaluate.log"))
        finally:
            if not options.keep_db:
                drop_pg_database(database)
    names = ["import", "hotspot run", "evaluation"]
    rows = [[name, f"{step['seconds']:.1f}", f"{step['peak_mib']:.0f}",
             "ok" if step["status"] == 0 else f"exit {step['status']}"]
            for name, step in zip(names, steps, strict=False)]  # fmt: skip
    total = sum(step["seconds"] for step in steps)
    peak = max(step["peak_mib"] for step in steps)
    rows.append(["total", f"{total:.1f}", f"{peak:.0f}", ""])
    print_table(
        f"National scale: {options.rows:,} incidents, {len(config.months)} months, "
        f"{config.forces} forces' rows, 150 m (files generated in {generated_s:.0f} s)",
        ["step", "wall s", "peak MiB", "status"],
        rows,
    )
    if len(steps) > 1 and steps[1].get("timings"):
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in steps[1]["timings"].items())
        print(f"hotspot run stages: {stages}")
    if steps and steps[0]["status"] == 0:
        rows_per_s = options.rows / steps[0]["seconds"]
        print(f"import: {rows_per_s:,.0f} rows/s as a whole command")
    complete = len(steps) == 3 and all(step["status"] == 0 for step in steps)
    for step in steps:
        if step["status"]:
            print(f"{step['command']} failed:\n{step['output_tail']}", file=sys.stderr)
    checks = {
        "complete": complete,
        "total_s": total,
        "total_s_target": TOTAL_TARGET_S,
        "total_met": complete and total < TOTAL_TARGET_S,
        "peak_mib": peak,
        "peak_mib_target": PEAK_TARGET_MIB,
        "peak_met": peak < PEAK_TARGET_MIB,
    }
    write_json("national", {"rows": options.rows, "months": list(config.months),
                            "database": database, "steps": steps, "targets": checks})  # fmt: skip
    missed = [name for name in ("complete", "total_met", "peak_met") if not checks[name]]
    if missed:
        print(f"MISSED: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
