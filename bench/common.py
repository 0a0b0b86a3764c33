"""Helpers shared by the benchmarks: child processes, peak memory, tables and JSON results."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SHARED = ROOT.parent / "shared" / "data" / "police-uk"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/test")


def run_child(script: Path, args: list[str], env: dict[str, str]) -> dict:
    """Run a measurement in its own process (so peak memory is its own) and read its JSON."""
    environment = {**os.environ, **env}
    done = subprocess.run(
        [sys.executable, str(script), *args],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{script.name} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(str(h).rjust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)))


def write_json(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str))
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def run_database_name(name: str) -> str:
    """``name`` made unique to this benchmark run (bench/run.py sets BENCH_RUN_ID), so that
    runs side by side on one server never drop each other's databases."""
    run_id = "".join(c for c in os.environ.get("BENCH_RUN_ID", "") if c.isalnum() or c == "_")
    if not run_id or name.endswith(f"_{run_id}"):
        return name
    return f"{name[: 62 - len(run_id)]}_{run_id}"


def recreate_pg_database(name: str) -> str:
    """A fresh PostgreSQL database beside the admin one (named for this run); its URL."""
    import psycopg

    name = run_database_name(name)

    with psycopg.connect(
        PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
    ) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_run_databases(run_id: str) -> list[str]:
    """Drop the databases a run created (names ending in ``_<run_id>``); the names dropped.
    Nothing to do, and no error, when PostgreSQL is not reachable."""
    import psycopg

    try:
        conn = psycopg.connect(
            PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True, connect_timeout=5
        )
    except psycopg.OperationalError:
        return []
    with conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE right(datname, %s) = %s",
            (len(run_id) + 1, f"_{run_id}"),
        ).fetchall()
        for (name,) in rows:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return [name for (name,) in rows]


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(
        PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
    ) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def unique_name(prefix: str) -> str:
    """A database name no other run uses: BENCH_DB_PREFIX (default bench), `prefix`, a token."""
    import secrets

    return f"{os.environ.get('BENCH_DB_PREFIX', 'bench')}_{prefix}_{secrets.token_hex(4)}"


def timed_command(command: list[str], env: dict[str, str], log: Path) -> dict:
    """Run a whole command to completion as its user would: wall seconds, peak resident memory
    (MiB) and exit status of that process alone (its output goes to `log`)."""
    import time

    with log.open("w") as out:
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=out,
                                 stderr=subprocess.STDOUT)  # fmt: skip
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    return {
        "command": " ".join(command),
        "seconds": seconds,
        "peak_mib": usage.ru_maxrss / 1024,
        "status": os.waitstatus_to_exitcode(status),
        "output_tail": log.read_text(errors="replace")[-1500:],
    }
