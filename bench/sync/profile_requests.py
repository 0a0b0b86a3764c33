"""Where a sync request's time goes: the four kinds of request sent one at a time through the
full middleware stack (Django's test client, a signed-in session as the tablets have), timed
without a profiler, then profiled to split the time between the parts of the server code.
Run in a child process with DATABASE_URL set (the benchmark's database, already seeded).
Prints one JSON line.

usage: profile_requests.py REQUESTS_PER_KIND"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import cProfile  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import pstats  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.common import ROOT  # noqa: E402
from bench.sync.outbox import make_visit  # noqa: E402
from hotspots.models import Hotspot  # noqa: E402
from patrols.models import OfficerProfile  # noqa: E402

# (label, file suffix, function): cumulative time of each, as a share of the request.
PARTS = [
    ("session + user + roles (middleware, DRF auth)", None, None),
    ("    session load (inside get_user)", "django/contrib/sessions/backends/db.py", "load"),
    ("  user lookup (auth.get_user)", "django/contrib/auth/__init__.py", "get_user"),
    ("  roles (groups query)", "core/roles.py", "roles_of"),
    ("request validation (VisitRequest/Ping serializers)", "rest_framework/serializers.py",
     "is_valid"),
    ("visit_record", "patrols/services/visits.py", "visit_record"),
    ("pings_record", "patrols/services/visits.py", "pings_record"),
    ("  _store_pings (lookup + bulk insert)", "patrols/services/visits.py", "_store_pings"),
    ("  visit_dose_refresh", "patrols/services/visits.py", "visit_dose_refresh"),
    ("    to_projected (pyproj + shapely.transform)", "hotspots/services/geometry.py",
     "to_projected"),
    ("    dosage.visit_dose", "patrols/dosage.py", "visit_dose"),
    ("response: VisitSerializer(...).data", "rest_framework/serializers.py", "data"),
    ("visit.refresh_from_db (pings endpoint)", "django/db/models/base.py", "refresh_from_db"),
    ("transaction commit", "django/db/backends/base/base.py", "commit"),
]  # fmt: skip


class Queries:
    """Counts the SQL statements of a request and the time spent waiting for them."""

    def __init__(self):
        self.count, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - start


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    return sum(
        row[3]
        for (path, _, func), row in stats.stats.items()  # type: ignore[attr-defined]
        if func == name and path.endswith(suffix)
    )


def _requests(client: Client, officer: OfficerProfile, hotspots: list[dict], n: int, seed: int):
    """n visits as tablets send them: (kind, path, body) in the order a tablet sends them."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    kinds: dict[str, list[tuple[str, bytes]]] = {
        "visit new (201)": [], "visit resend (200)": [], "pings new (200)": [],
        "pings resend (200)": [],
    }  # fmt: skip
    while len(kinds["pings new (200)"]) < n:
        visit = make_visit(rng, rng.choice(hotspots), officer.user.username, now)
        if len(visit.requests) < 2:
            continue
        first, batch = visit.requests[0], visit.requests[1]
        kinds["visit new (201)"].append((first.path, first.body))
        kinds["visit resend (200)"].append((first.path, first.body))
        kinds["pings new (200)"].append((batch.path, batch.body))
        kinds["pings resend (200)"].append((batch.path, batch.body))
    return kinds


def measure(n: int) -> dict:
    officer = OfficerProfile.objects.select_related("user").order_by("pk").first()
    hotspots = [{"id": h.pk, "lon": h.centroid_lon, "lat": h.centroid_lat, "half_m": 75}
                for h in Hotspot.objects.all()]  # fmt: skip
    client = Client()
    client.force_login(officer.user)
    report = {}
    for phase, seed in (("timed", 1), ("profiled", 2)):
        kinds = _requests(client, officer, hotspots, n, seed)
        for kind, requests in kinds.items():
            seconds, queries, sql = [], [], []
            profiler = cProfile.Profile() if phase == "profiled" else None
            for path, body in requests:
                counter = Queries()
                with connection.execute_wrapper(counter):
                    start = time.perf_counter()
                    if profiler:
                        profiler.enable()
                    reply = client.post(path, body, content_type="application/json")
                    if profiler:
                        profiler.disable()
                    seconds.append(time.perf_counter() - start)
                expected = 201 if kind.startswith("visit new") else 200
                if reply.status_code != expected:
                    raise RuntimeError(f"{kind}: HTTP {reply.status_code} {reply.content[:300]}")
                queries.append(counter.count)
                sql.append(counter.seconds)
            entry = report.setdefault(kind, {"n": n})
            if profiler is None:
                entry |= {
                    "p50_ms": statistics.median(seconds) * 1000,
                    "mean_ms": statistics.fmean(seconds) * 1000,
                    "queries": statistics.fmean(queries),
                    "sql_ms": statistics.fmean(sql) * 1000,
                }
                continue
            stats = pstats.Stats(profiler)
            total = sum(seconds)
            shares = {}
            for label, suffix, name in PARTS:
                if suffix:
                    shares[label] = _cumulative(stats, suffix, name) / total
            # get_user loads the session itself, so the session is inside it.
            shares[PARTS[0][0]] = shares[PARTS[2][0]] + shares[PARTS[3][0]]
            entry["profiled_mean_ms"] = total / n * 1000
            entry["shares"] = {k: round(v, 3) for k, v in shares.items() if v >= 0.005}
            top = sorted(
                ((row[3], f"{Path(path).name}:{func}")
                 for (path, _, func), row in stats.stats.items()  # type: ignore[attr-defined]
                 if path.startswith(str(ROOT)) and "/.venv/" not in path),
                reverse=True,
            )[:8]  # fmt: skip
            entry["project_functions"] = {name: round(s / total, 3) for s, name in top}
    return report


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]))))
