"""One measurement in a fresh process: `import`, the import service end to end, twice.
Prints one JSON line."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.common import SHARED, peak_rss_mib  # noqa: E402
from hotspots.models import Incident, MonthlyStat  # noqa: E402
from hotspots.services.imports import incidents_import_police_uk  # noqa: E402

FORCE = "derbyshire"


def counts() -> dict:
    per_month = MonthlyStat.objects.filter(force__slug=FORCE).values_list(
        "month", "category_id", "count"
    )
    return {
        "incidents": Incident.objects.filter(force__slug=FORCE).count(),
        "cells": sorted((f"{m:%Y-%m}", c, n) for m, c, n in per_month),
    }


def measure_import() -> dict:
    call_command("migrate", verbosity=0)
    boundary = SHARED / f"{FORCE}-boundaries" / f"{FORCE}.geojson.gz"
    runs = []
    for _ in range(2):
        start = time.perf_counter()
        summary = incidents_import_police_uk(paths=[SHARED / FORCE], boundary_path=boundary)
        runs.append({"seconds": time.perf_counter() - start, "rows": summary.rows_imported})
        runs[-1]["counts"] = counts()
    same = runs[0]["counts"] == runs[1]["counts"]
    return {
        "first_s": runs[0]["seconds"],
        "second_s": runs[1]["seconds"],
        "rows": runs[0]["rows"],
        "incidents_after_second": runs[1]["counts"]["incidents"],
        "counts_unchanged": same,
        "peak_mib": peak_rss_mib(),
    }


if __name__ == "__main__":
    import json

    result = measure_import()
    print(json.dumps(result))
