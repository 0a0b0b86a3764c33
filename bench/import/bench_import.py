"""Import benchmark: all of the Derbyshire police.uk data, measured two ways.

Whole commands, as a user runs them: `manage.py import_police_uk` (start-up included) against
`psql \\copy` of the same rows into the same empty, indexed incident table (the floor), each
into a fresh copy of an empty migrated database, interleaved, medians of --repeat (>= 3).
In process: the import service into PostgreSQL (and SQLite), twice, to check that a second
import leaves every count unchanged, and its peak memory.

Targets: the whole import command at >= 150,000 rows/s and >= 0.5x the speed of psql \\copy;
a second import changes no count; peak memory under 1 GiB. Exits 1 on a miss."""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import (  # noqa: E402
    PG_ADMIN_URL,
    SHARED,
    drop_pg_database,
    print_table,
    recreate_pg_database,
    run_child,
    timed_command,
    unique_name,
    write_json,
)

MEASURE = Path(__file__).with_name("measure.py")
FORCE = "derbyshire"
# As deployed: without DEBUG, Django does not record every query.
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "benchmark-only-" + os.urandom(32).hex()}
ROWS_PER_S_TARGET = 150_000
COPY_RATIO_TARGET = 0.5
PEAK_MIB_TARGET = 1024


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
    ) as c:
        c.execute(sql)


def _url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _psql_url(name: str) -> str:
    return _url(name).replace("postgres://", "postgresql://")


def whole_commands(repeat: int, scratch: Path) -> dict:
    """Interleaved whole-command runs of the import and of psql \\copy, each into a fresh copy
    of an empty migrated database."""
    template = unique_name("import_template")
    recreate_pg_database(template)
    made = [template]
    env = {**PRODUCTION, "DATABASE_URL": _url(template)}
    manage = [sys.executable, "manage.py"]
    boundary = SHARED / f"{FORCE}-boundaries" / f"{FORCE}.geojson.gz"
    command = [*manage, "import_police_uk", str(SHARED / FORCE), "--boundary", str(boundary)]
    try:
        migrate = timed_command([*manage, "migrate", "--noinput", "-v0"], env, scratch / "m.log")
        if migrate["status"]:
            raise RuntimeError(migrate["output_tail"])
        rows_file, columns, rows = _copy_rows(command, env, scratch, made)
        psql = shutil.which("psql") or "psql"
        imports, copies = [], []
        for index in range(repeat):
            kinds = ["import", "copy"] if index % 2 == 0 else ["copy", "import"]
            for kind in kinds:
                name = unique_name("import_run")
                _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                made.append(name)
                log = scratch / f"{kind}{index}.log"
                if kind == "import":
                    result = timed_command(command, {**env, "DATABASE_URL": _url(name)}, log)
                    imports.append(result)
                else:
                    copy = f"\\copy hotspots_incident ({columns}) FROM '{rows_file}'"
                    result = timed_command([psql, "-q", _psql_url(name), "-c", copy], {}, log)
                    copies.append(result)
                if result["status"]:
                    raise RuntimeError(f"{result['command']} failed:\n{result['output_tail']}")
                drop_pg_database(name)
                made.remove(name)
    finally:
        for name in made:
            drop_pg_database(name)
    import_s = statistics.median(r["seconds"] for r in imports)
    copy_s = statistics.median(r["seconds"] for r in copies)
    return {
        "rows": rows,
        "import_runs_s": [r["seconds"] for r in imports],
        "copy_runs_s": [r["seconds"] for r in copies],
        "import_median_s": import_s,
        "copy_median_s": copy_s,
        "import_peak_mib": max(r["peak_mib"] for r in imports),
        "rows_per_s": rows / import_s,
        "copy_ratio": copy_s / import_s,
    }


def _copy_rows(command: list[str], env: dict, scratch: Path, made: list[str]):
    """The rows the import writes, as COPY text: imported once into a throwaway copy of the
    template and copied out."""
    import psycopg

    name = unique_name("import_rows")
    template = env["DATABASE_URL"].rsplit("/", 1)[1]
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    made.append(name)
    result = timed_command(command, {**env, "DATABASE_URL": _url(name)}, scratch / "rows.log")
    if result["status"]:
        raise RuntimeError(result["output_tail"])
    path = scratch / "incidents.copy"
    with psycopg.connect(_psql_url(name)) as c:
        names = [
            row[0]
            for row in c.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = "
                "'hotspots_incident' AND column_name <> 'id' ORDER BY ordinal_position"
            )
        ]
        columns = ", ".join(names)
        with (
            path.open("wb") as out,
            c.cursor().copy(f"COPY hotspots_incident ({columns}) TO STDOUT") as copy,
        ):
            for chunk in copy:
                out.write(chunk)
    drop_pg_database(name)
    made.remove(name)
    with path.open("rb") as copied:
        rows = sum(chunk.count(b"\n") for chunk in iter(lambda: copied.read(1 << 20), b""))
    return path, columns, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    if not (SHARED / FORCE).is_dir():
        print(f"{SHARED} is missing", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        whole = whole_commands(max(options.repeat, 3), Path(folder))
        database = unique_name("import")
        pg = {"DATABASE_URL": recreate_pg_database(database), **PRODUCTION}
        try:
            results = {"whole_commands": whole, "postgresql": run_child(MEASURE, ["import"], pg)}
        finally:
            drop_pg_database(database)
        if not options.skip_sqlite:
            url = f"sqlite:///{folder}/bench.sqlite3"
            results["sqlite"] = run_child(MEASURE, ["import"], {"DATABASE_URL": url, **PRODUCTION})
    print_table(
        f"Whole commands, {whole['rows']:,} Derbyshire rows into an empty indexed table "
        f"(medians of {len(whole['import_runs_s'])}, interleaved)",
        ["command", "runs s", "median s", "rows/s", "peak MiB"],
        [
            ["manage.py import_police_uk", " ".join(f"{s:.2f}" for s in whole["import_runs_s"]),
             f"{whole['import_median_s']:.2f}", f"{whole['rows_per_s']:,.0f}",
             f"{whole['import_peak_mib']:.0f}"],
            ["psql \\copy (floor)", " ".join(f"{s:.2f}" for s in whole["copy_runs_s"]),
             f"{whole['copy_median_s']:.2f}", f"{whole['rows'] / whole['copy_median_s']:,.0f}",
             ""],
        ],
    )  # fmt: skip
    rows = []
    for name in ("postgresql", "sqlite"):
        if name in results:
            r = results[name]
            rows.append([
                name, f"{r['rows']:,}", f"{r['first_s']:.2f}", f"{r['rows'] / r['first_s']:,.0f}",
                f"{r['second_s']:.2f}", f"{r['peak_mib']:.0f}", str(r["counts_unchanged"]),
            ])  # fmt: skip
    header = ["target", "rows", "first s", "rows/s", "re-import s", "peak MiB", "counts same"]
    print_table("In process: the import service, twice", header, rows)
    checks = {
        "rows_per_s": whole["rows_per_s"],
        "rows_per_s_target": ROWS_PER_S_TARGET,
        "copy_ratio": whole["copy_ratio"],
        "copy_ratio_target": COPY_RATIO_TARGET,
        "in_process_rows_per_s": results["postgresql"]["rows"] / results["postgresql"]["first_s"],
        "peak_mib": max(
            [
                whole["import_peak_mib"],
                *(results[k]["peak_mib"] for k in ("postgresql", "sqlite") if k in results),
            ]
        ),  # fmt: skip
        "peak_mib_target": PEAK_MIB_TARGET,
        "counts_unchanged": all(
            results[k]["counts_unchanged"] for k in ("postgresql", "sqlite") if k in results
        ),
    }
    met = {
        "rows/s": checks["rows_per_s"] >= ROWS_PER_S_TARGET,
        "vs psql \\copy": checks["copy_ratio"] >= COPY_RATIO_TARGET,
        "peak memory": checks["peak_mib"] < PEAK_MIB_TARGET,
        "counts unchanged": checks["counts_unchanged"],
    }
    print(
        f"\nwhole command {checks['rows_per_s']:,.0f} rows/s (target {ROWS_PER_S_TARGET:,}); "
        f"{checks['copy_ratio']:.2f}x psql \\copy (target {COPY_RATIO_TARGET}x); in process "
        f"{checks['in_process_rows_per_s']:,.0f} rows/s"
    )
    results["targets"] = {**checks, "met": met}
    for result in results.values():
        result.pop("counts", None)
    write_json("import", results)
    missed = [name for name, ok in met.items() if not ok]
    if missed:
        print(f"MISSED: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
