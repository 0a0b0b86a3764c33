"""A production gunicorn server on a free loopback port, stopped whatever happens; its access
log carries each request's time inside the worker (queueing excluded)."""

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT

HOST = "127.0.0.1"
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"  # method, path, status, microseconds in the worker


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-sync-" + os.urandom(32).hex(),
        "ALLOWED_HOSTS": HOST,
        # Plain HTTP on loopback: cookies marked Secure would never come back, and no
        # redirect to HTTPS.
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }


@dataclass(frozen=True)
class Running:
    port: int
    pid: int  # the gunicorn master
    access: Path  # its access log


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int, logs: Path) -> Iterator[Running]:
    """Yield the running server while gunicorn serves; stop it on the way out."""
    port = free_port()
    access, errors = logs / "access.log", logs / "error.log"
    for old in (access, errors):
        old.unlink(missing_ok=True)  # gunicorn appends to a log left by an earlier run
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--workers", str(workers),
        "--bind", f"{HOST}:{port}", "--access-logfile", str(access),
        "--access-logformat", ACCESS_FORMAT, "--error-logfile", str(errors),
        "--timeout", "60", "--graceful-timeout", "20",
    ]  # fmt: skip
    with open(logs / "stderr.log", "wb") as stderr:
        process = subprocess.Popen(
            command, cwd=ROOT, env=server_env(database_url), start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
        try:
            _wait_healthy(port, process, errors)
            yield Running(port, process.pid, access)
        finally:
            _stop(process)


def _wait_healthy(port: int, process: subprocess.Popen, errors: Path, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{errors.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {seconds:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (workers finish their request), then SIGKILL to the server's own group."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def worker_times(access: Path) -> dict[tuple[str, str], list[float]]:
    """Seconds inside a worker per (endpoint, status) from the access log."""
    found: dict[tuple[str, str], list[float]] = {}
    for line in access.read_text().splitlines():
        parts = line.split()
        if len(parts) != 4 or parts[0] != "POST" or not parts[1].startswith("/api/visits/"):
            continue
        kind = "visit" if parts[1] == "/api/visits/" else "pings"
        found.setdefault((kind, parts[2]), []).append(int(parts[3]) / 1e6)
    return found


TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """User + system seconds of a process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _postgres_backends(database: str) -> list[int]:
    """PostgreSQL server processes serving `database` (their title names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if title.startswith("postgres: ") and f" {database} " in title:
                found.append(int(entry.name))
    return found


def _machine_busy() -> float:
    """CPU seconds the whole machine spent not idle, since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / TICK


def cpu_snapshot(server: Running, database: str) -> dict:
    return {
        "workers": {pid: _cpu(pid) for pid in _children(server.pid)},
        "postgres": {pid: _cpu(pid) for pid in _postgres_backends(database)},
        "machine": _machine_busy(),
    }


def cpu_used(before: dict, after: dict, client_s: float) -> dict:
    """CPU seconds spent between two snapshots by the server's workers, the database's
    backends, the load generator and everything else on the machine."""
    used = {"client_s": client_s}
    for part in ("workers", "postgres"):
        used[f"{part}_s"] = sum(
            cpu - before[part].get(pid, 0.0) for pid, cpu in after[part].items()
        )
    used["machine_s"] = after["machine"] - before["machine"]
    used["others_s"] = used["machine_s"] - sum(
        used[k] for k in ("client_s", "workers_s", "postgres_s")
    )
    return used
