"""Seed the live-calls benchmark database: a force with 2,000 police.uk map points, the demo
feed's incident-type mappings, a token, and the last 48 hours of simulated calls. Prints JSON."""

import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.utils import timezone  # noqa: E402

from calls.models import IncidentTypeMapping  # noqa: E402
from calls.services.events import call_events_apply  # noqa: E402
from calls.services.tokens import token_create  # noqa: E402
from calls.simulation import TYPES, simulate  # noqa: E402
from hotspots.models import Category, Force, ImportBatch, Incident  # noqa: E402
from hotspots.services.geometry import to_projected  # noqa: E402

LON, LAT = -1.4746, 52.9225


def main() -> None:
    rng = np.random.default_rng(7)
    force = Force.objects.create(name="Bench Constabulary", slug="bench")
    batch = ImportBatch.objects.create(
        force=force, source="police_uk", file_name="bench.csv", checksum="0" * 64,
        months=["2026-05"], status="imported",
    )  # fmt: skip
    lonlat = np.column_stack([LON + rng.normal(0, 0.03, 2000), LAT + rng.normal(0, 0.02, 2000)])
    xy = shapely.get_coordinates(to_projected(shapely.points(lonlat)))
    category = Category.objects.asb().first()
    Incident.objects.bulk_create(
        Incident(force=force, batch=batch, source="police_uk", month=dt.date(2026, 5, 1),
                 category=category, longitude=float(lon), latitude=float(lat), x=float(x),
                 y=float(y))
        for (lon, lat), (x, y) in zip(lonlat.round(6), xy, strict=True)
    )  # fmt: skip
    for code, public, sensitive, _, _ in TYPES:
        IncidentTypeMapping.objects.create(force=force, incident_type=code,
                                           public_category=public, sensitive=sensitive)  # fmt: skip
    now = timezone.now()
    calls = simulate(start=now - dt.timedelta(hours=48), end=now, points=lonlat, rng=rng)
    events = [e for c in calls for e in c.events if e["occurred_at"] <= now.isoformat()]
    call_events_apply(force=force, raw_events=events, source="api")
    secret = token_create(force=force, name="bench")[1]
    print(json.dumps({"secret": secret, "calls": len(calls), "events": len(events),
                      "points": lonlat.tolist()[:200]}))  # fmt: skip


if __name__ == "__main__":
    main()
