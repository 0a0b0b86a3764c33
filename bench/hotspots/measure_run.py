"""One end-to-end hotspot run read from the database, in a fresh process. Prints one JSON line.
Imports Derbyshire first if the database does not have it."""

import json
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
from hotspots.models import Force, HotspotRun  # noqa: E402
from hotspots.serializers import RunRequestSerializer  # noqa: E402
from hotspots.services.imports import incidents_import_police_uk  # noqa: E402
from hotspots.services.runs import hotspot_run_request  # noqa: E402


def main(selection: str, first: str, last: str) -> dict:
    call_command("migrate", verbosity=0)
    if not Force.objects.filter(slug="derbyshire").exists():
        incidents_import_police_uk(
            paths=[SHARED / "derbyshire"],
            boundary_path=SHARED / "derbyshire-boundaries" / "derbyshire.geojson.gz",
        )
    payload = {
        "force": "derbyshire",
        "period_start": first,
        "period_end": last,
        "selection": selection,
    }
    request = RunRequestSerializer(data=payload)
    request.is_valid(raise_exception=True)
    start = time.perf_counter()
    run = hotspot_run_request(data=request.validated_data, user=None, sync=True)
    seconds = time.perf_counter() - start
    run = HotspotRun.objects.get(pk=run.pk)
    return {
        "selection": selection, "period": f"{first}..{last}", "seconds": seconds,
        "status": run.job.status, "incidents": run.summary.get("incidents"),
        "hotspots": run.summary.get("hotspots"), "timings": run.timings,
        "share_of_incidents": run.summary.get("share_of_incidents"),
        "share_of_area": run.summary.get("share_of_area"), "peak_mib": peak_rss_mib(),
    }  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
