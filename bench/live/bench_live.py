"""Live calls under load: public viewers poll the live map's endpoint while a control room
pushes events, against gunicorn on PostgreSQL with Redis as the cache; then a burst of events
measures how many are applied per second, and a replay checks none is applied twice.

.venv/bin/python bench/live/bench_live.py [--viewers 1000] [--poll 30] [--events-per-s 20]
    [--seconds 60] [--workers 4] [--burst-calls 1000]

Targets: public endpoint p99 < 50 ms; at least 500 events applied per second; none lost or
applied twice. Needs PostgreSQL (BENCH_PG_URL) and Redis (BENCH_REDIS_URL)."""

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import ROOT, print_table, recreate_pg_database, run_child, write_json  # noqa: E402
from bench.sync.httpclient import Server  # noqa: E402
from bench.sync.server import HOST, free_port, server_env  # noqa: E402

HERE = Path(__file__).resolve().parent
# Its own name on a shared server: BENCH_LIVE_DATABASE.
DATABASE = os.environ.get("BENCH_LIVE_DATABASE", "bench_live")
PUBLIC = "/api/public/forces/bench/calls/"
PUSH = "/api/forces/bench/call-events/"
TARGET_P99_MS = 50
TARGET_EVENTS_S = 500


def percentile(values: list[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


@contextlib.contextmanager
def gunicorn(env: dict, workers: int, logs: Path):
    """gunicorn serving the query-counting WSGI wrapper; stopped whatever happens."""
    port = free_port()
    binary = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    command = [binary, "bench.live.wsgi:application", "--workers", str(workers),
               "--bind", f"{HOST}:{port}", "--error-logfile", str(logs / "error.log"),
               "--timeout", "60"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((logs / "error.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def call_events(reference: str, start: dt.datetime, point: list[float]) -> list[dict]:
    """One call's lifecycle: five events a few minutes apart, ids from the reference."""
    steps = [("received", 0), ("dispatched", 2), ("en_route", 3), ("attended", 9),
             ("resolved", 25)]  # fmt: skip
    events = []
    for i, (status, minutes) in enumerate(steps):
        event = {"reference": reference, "event_id": f"{reference}-{i}", "status": status,
                 "occurred_at": (start + dt.timedelta(minutes=minutes)).isoformat()}  # fmt: skip
        if i == 0:
            event.update(incident_type="ASB", priority="3", longitude=point[0], latitude=point[1])
        events.append(event)
    return events


async def push(server: Server, secret: str, events: list[dict]) -> tuple[float, dict]:
    body = json.dumps({"events": events}).encode()
    start = time.perf_counter()
    reply = await server.request("POST", PUSH, body=body, timeout=120, headers={
        "Authorization": f"Bearer {secret}", "Content-Type": "application/json"})  # fmt: skip
    elapsed = time.perf_counter() - start
    if reply.status not in (200, 422):
        raise RuntimeError(f"push answered {reply.status}: {reply.body[:300]!r}")
    return elapsed, json.loads(reply.body)


async def viewer(server: Server, poll: float, until: float, out: list, rng: random.Random):
    await asyncio.sleep(rng.uniform(0, poll))
    etag = None
    while time.monotonic() < until:
        start = time.perf_counter()
        try:
            headers = {"If-None-Match": etag} if etag else {}
            reply = await server.request("GET", PUBLIC, timeout=30, headers=headers)
            out.append((reply.status, time.perf_counter() - start))
            etag = reply.header("etag") or etag
        except (OSError, TimeoutError):
            out.append(("error", time.perf_counter() - start))
        await asyncio.sleep(poll)


async def feed(server: Server, secret: str, per_s: int, until: float, points, out: list):
    """`per_s` events a second: new calls' whole lifecycles, back-dated a little."""
    n = 0
    while time.monotonic() < until:
        tick = time.monotonic()
        events: list[dict] = []
        while len(events) < per_s:
            now = dt.datetime.now(dt.UTC)
            events += call_events(f"LIVE-{n:06d}", now - dt.timedelta(minutes=40),
                                  points[n % len(points)])  # fmt: skip
            n += 1
        elapsed, result = await push(server, secret, events[:per_s])
        out.append((elapsed, result["applied"], result["rejected"]))
        await asyncio.sleep(max(0.0, 1 - (time.monotonic() - tick)))


async def load(port: int, seeded: dict, args) -> dict:
    server = Server(HOST, port)
    until = time.monotonic() + args.seconds
    views: list = []
    pushes: list = []
    rng = random.Random(1)
    tasks = [viewer(server, args.poll, until, views, rng) for _ in range(args.viewers)]
    tasks.append(feed(server, seeded["secret"], args.events_per_s, until, seeded["points"], pushes))
    await asyncio.gather(*tasks)
    return {"views": views, "pushes": pushes}


async def burst(port: int, seeded: dict, calls: int, clients: int = 4) -> dict:
    """Push `calls` whole lifecycles in batches of 500 from a few clients at once, then the
    same again: the replay must change nothing."""
    server = Server(HOST, port)
    start_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    events = [e for i in range(calls) for e in call_events(
        f"BURST-{i:06d}", start_at, seeded["points"][i % len(seeded["points"])])]  # fmt: skip
    random.Random(2).shuffle(events)  # out of order, as a real feed may be
    batches = [events[i : i + 500] for i in range(0, len(events), 500)]

    async def send_all() -> tuple[float, Counter]:
        tally: Counter = Counter()
        queue = list(batches)
        start = time.perf_counter()

        async def client():
            while queue:
                _, result = await push(server, seeded["secret"], queue.pop())
                tally.update(applied=result["applied"], duplicate=result["duplicate"],
                             rejected=result["rejected"])  # fmt: skip

        await asyncio.gather(*(client() for _ in range(clients)))
        return time.perf_counter() - start, tally

    first_s, first = await send_all()
    replay_s, replay = await send_all()
    return {
        "events": len(events),
        "first_s": first_s,
        "first": dict(first),
        "replay_s": replay_s,
        "replay": dict(replay),
    }


def verify(url: str, calls: int) -> dict:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as c:
        stored = c.execute(
            "select count(*), count(distinct (e.call_id, e.key)) from calls_callevent e "
            "join calls_call c on c.id = e.call_id where c.reference like 'BURST-%'"
        ).fetchone()
        statuses = dict(c.execute(
            "select status, count(*) from calls_call where reference like 'BURST-%' group by 1"
        ).fetchall())  # fmt: skip
    return {"events_stored": stored[0], "distinct": stored[1], "statuses": statuses,
            "expected": calls * 5}  # fmt: skip


def query_counts(folder: Path) -> Counter:
    counts: Counter = Counter()
    requests: Counter = Counter()
    for log in folder.glob("queries-*.log"):
        for line in log.read_text().splitlines():
            kind, n = line.split()
            counts[kind] += int(n)
            requests[kind] += 1
    return counts, requests


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--poll", type=float, default=30.0, help="seconds between polls")
    parser.add_argument("--events-per-s", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load phase")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--burst-calls", type=int, default=1000, help="calls (5 events each)")
    parser.add_argument("--json", default="live", help="name of the results file")
    return parser.parse_args()


def main() -> int:
    args = arguments()
    fallback = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    redis_url = os.environ.get("BENCH_REDIS_URL", fallback)
    url = recreate_pg_database(DATABASE)
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"],
                             cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
                             capture_output=True, text=True, check=False)  # fmt: skip
    if migrate.returncode:
        raise RuntimeError(migrate.stderr[-3000:])
    seeded = run_child(HERE / "seed.py", [], {"DATABASE_URL": url})
    import redis

    client = redis.Redis.from_url(redis_url)
    stale = client.keys(":1:calls:*")  # Django's cache keys of an earlier run
    if stale:
        client.delete(*stale)
    with tempfile.TemporaryDirectory() as folder:
        logs = Path(folder)
        env = {**server_env(url), "REDIS_URL": redis_url, "BENCH_QUERY_LOG_DIR": folder,
               # every viewer comes from this one loopback address
               "CALLS_PUBLIC_RATE_PER_MINUTE": str(10 * args.viewers)}  # fmt: skip
        with gunicorn(env, args.workers, logs) as port:
            loaded = asyncio.run(load(port, seeded, args))
            queries, requests = query_counts(logs)
            for log in logs.glob("queries-*.log"):
                log.unlink()
            bursted = asyncio.run(burst(port, seeded, args.burst_calls))
    checked = verify(url, args.burst_calls)
    return report(args, seeded, loaded, queries, requests, bursted, checked)


def report(args, seeded, loaded, queries, requests, bursted, checked) -> int:
    views = loaded["views"]
    ok = [s for status, s in views if status in (200, 304)]
    statuses = Counter(status for status, _ in views)
    minutes = args.seconds / 60
    push_times = [s for s, _, _ in loaded["pushes"]]
    applied_live = sum(a for _, a, _ in loaded["pushes"])
    events_s = bursted["events"] / bursted["first_s"]
    print_table(
        f"Live calls: {args.viewers} viewers polling every {args.poll:.0f} s, "
        f"{args.events_per_s} events/s pushed, {args.seconds:.0f} s, {args.workers} workers "
        f"(seeded {seeded['calls']} calls / {seeded['events']} events)",
        ["requests", "count", "per s", "p50 ms", "p99 ms", "max ms", "DB queries/min",
         "queries/request"],
        [["public GET", len(views), f"{len(views) / args.seconds:.0f}", ms(percentile(ok, .5)),
          ms(percentile(ok, .99)), ms(max(ok, default=math.nan)),
          f"{queries['public'] / minutes:.0f}",
          f"{queries['public'] / max(requests['public'], 1):.3f}"],
         ["push (20 events)", len(push_times), f"{len(push_times) / args.seconds:.1f}",
          ms(percentile(push_times, .5)), ms(percentile(push_times, .99)),
          ms(max(push_times, default=math.nan)), f"{queries['push'] / minutes:.0f}",
          f"{queries['push'] / max(requests['push'], 1):.1f}"]],
    )  # fmt: skip
    print(f"public answers: {dict(statuses)}; live events applied: {applied_live}")
    lost = checked["expected"] - checked["events_stored"]
    twice = checked["events_stored"] - checked["distinct"]
    checks = [
        (f"public p99 < {TARGET_P99_MS} ms", ms(percentile(ok, 0.99)),
         percentile(ok, 0.99) * 1000 < TARGET_P99_MS),
        ("public errors", sum(n for s, n in statuses.items() if s not in (200, 304)),
         all(s in (200, 304) for s in statuses)),
        (f"burst: events applied per second (>= {TARGET_EVENTS_S})", f"{events_s:.0f}",
         events_s >= TARGET_EVENTS_S),
        ("burst: events lost", lost, lost == 0 and bursted["first"].get("applied") ==
         checked["expected"]),
        ("burst: events applied twice", twice, twice == 0),
        ("replay: applied again (expect 0)", bursted["replay"].get("applied", 0),
         not bursted["replay"].get("applied")),
        ("calls resolved / sent", f"{checked['statuses'].get('resolved', 0)} / "
         f"{args.burst_calls}", checked["statuses"] == {"resolved": args.burst_calls}),
    ]  # fmt: skip
    print_table("Checks", ["check", "value", "ok"], [[c, v, "yes" if g else "NO"]
                                                     for c, v, g in checks])  # fmt: skip
    write_json(args.json, {
        "args": vars(args), "seeded": {k: seeded[k] for k in ("calls", "events")},
        "public": {"requests": len(views), "statuses": {str(k): v for k, v in statuses.items()},
                   "p50_ms": percentile(ok, .5) * 1000, "p99_ms": percentile(ok, .99) * 1000,
                   "queries_per_min": queries["public"] / minutes},
        "push": {"requests": len(push_times), "p50_ms": percentile(push_times, .5) * 1000,
                 "p99_ms": percentile(push_times, .99) * 1000,
                 "queries_per_min": queries["push"] / minutes},
        "burst": {**bursted, "events_per_s": events_s, **checked},
        "checks": [{"check": c, "value": v, "ok": g} for c, v, g in checks],
    })  # fmt: skip
    return 0 if all(g for _, _, g in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
