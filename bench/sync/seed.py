"""Seed the sync benchmark's database through Django (run in a child process with
DATABASE_URL set): a force, a hotspot run with square hotspots drawn in British National Grid
metres and stored as WGS84 GeoJSON, and officers who can sign in. Prints one JSON line.

usage: seed.py TABLETS HOTSPOTS PASSWORD"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

import shapely  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import transaction  # noqa: E402

from hotspots.models import Force, Hotspot, HotspotRun  # noqa: E402
from hotspots.services.geometry import point_to_lonlat, to_lonlat  # noqa: E402
from patrols.models import OfficerProfile  # noqa: E402

HALF_SIDE_M = 75  # 150 m squares, one grid cell
ORIGIN = (435_000, 336_000)  # Derby, EPSG:27700


def hotspot_fields(rank: int) -> dict:
    x = ORIGIN[0] + 600 * ((rank - 1) % 10)
    y = ORIGIN[1] + 600 * ((rank - 1) // 10)
    square = shapely.box(x - HALF_SIDE_M, y - HALF_SIDE_M, x + HALF_SIDE_M, y + HALF_SIDE_M)
    lon, lat = point_to_lonlat(x, y)
    return {
        "rank": rank,
        "label": f"Bench street {rank}",
        "cells": [],
        "geometry": shapely.geometry.mapping(to_lonlat(square)),
        "centroid_lon": lon,
        "centroid_lat": lat,
        "centroid_x": x,
        "centroid_y": y,
        "area_m2": square.area,
        "incident_count": 100 - rank,
        "harm": 1000.0 / rank,
        "share_of_incidents": 0.01,
        "share_of_area": 0.001,
        "pai": 10.0,
        "peak_score": 5.0,
    }


@transaction.atomic
def seed(tablets: int, hotspots: int, password: str) -> dict:
    force = Force.objects.create(name="Bench Constabulary", slug="bench")
    run = HotspotRun.objects.create(
        force=force, name="Bench run", period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 1),
    )  # fmt: skip
    spots = Hotspot.objects.bulk_create(
        Hotspot(run=run, **hotspot_fields(rank)) for rank in range(1, hotspots + 1)
    )
    # One PBKDF2 hash shared by every officer: hashing 200 times would take a minute.
    hashed = make_password(password)
    users = User.objects.bulk_create(
        User(username=f"tablet{n:04d}", password=hashed, first_name="Tablet", last_name=str(n))
        for n in range(1, tablets + 1)
    )
    officer = Group.objects.get(name="officer")
    officer.user_set.add(*users)
    OfficerProfile.objects.bulk_create(
        OfficerProfile(user=user, force=force, collar_number=str(9000 + i))
        for i, user in enumerate(users)
    )
    return {
        "hotspots": [
            {"id": h.pk, "lon": h.centroid_lon, "lat": h.centroid_lat, "half_m": HALF_SIDE_M}
            for h in spots
        ],
        "usernames": [u.username for u in users],
    }


if __name__ == "__main__":
    count, spot_count, secret = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    print(json.dumps(seed(count, spot_count, secret)))
