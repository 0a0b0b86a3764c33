"""Child of bench_pages.py: seeds the plans, fetches the pages, prints one JSON line."""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.pages.seed import seed_force, seed_plan  # noqa: E402
from patrols.models import OfficerProfile  # noqa: E402


def fetch(client: Client, url: str) -> tuple[float, int, int, int]:
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - began
    return seconds, len(queries), len(response.content), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    assert not settings.DEBUG, "the page benchmark runs with DEBUG off"
    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    run = seed_force("benchshire")
    seed_force("otherforce")  # officers of another force must not reach the page
    week = seed_plan(run, days=7, per_day=50, name="Week of 350")
    double = seed_plan(run, days=7, per_day=100, name="Week of 700")
    year = seed_plan(run, days=365, per_day=100, name="Year of 36,500")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    manager = User.objects.create(username="bench-manager")
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])
    setup_s = time.perf_counter() - began
    client = Client()
    client.force_login(manager)
    middle = year.first_day.toordinal() + 7 * 26
    pages = {
        "week of 350": (f"/patrols/plans/{week.pk}/", week, 350),
        "week of 700": (f"/patrols/plans/{double.pk}/", double, 700),
        "year, first week": (f"/patrols/plans/{year.pk}/?week={year.first_day}", year, 700),
        "year, week 27": (
            f"/patrols/plans/{year.pk}/?week={year.first_day.fromordinal(middle)}",
            year,
            700,
        ),
    }
    for url, _, _ in pages.values():
        fetch(client, url)  # warm-up: templates compiled, caches filled
    samples: dict[str, list] = {name: [] for name in pages}
    for _ in range(args.repeats):
        for name, (url, _, _) in pages.items():
            samples[name].append(fetch(client, url))
    out = []
    for name, (_, plan, shown) in pages.items():
        times = [s[0] * 1000 for s in samples[name]]
        out.append({
            "page": name, "plan_assignments": plan.assignments.count(), "shown": shown,
            "median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
            "max_ms": round(max(times), 1), "queries": max(s[1] for s in samples[name]),
            "bytes": samples[name][-1][2], "status": samples[name][-1][3],
        })  # fmt: skip
    print(json.dumps({
        "setup": {"database": connection.vendor, "seconds": round(setup_s, 1),
                  "officers": OfficerProfile.objects.count(),
                  "forces": OfficerProfile.objects.values("force").distinct().count()},
        "pages": out,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
