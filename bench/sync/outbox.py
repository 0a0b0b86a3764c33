"""Tablets' outboxes: finished visits with GPS pings, as the requests a tablet sends for them
(the visit, carrying its first pings, then the remaining pings in batches), and the record
of what was sent that the database is checked against afterwards."""

import datetime as dt
import json
import math
import random
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
METRES_PER_DEGREE = 111_320
NOTES = (
    "",
    "Quiet. Spoke to two shop owners.",
    "Group dispersed from the café doorway — no further issues.",
    "Checked the underpass and the car park; lighting still broken.",
    "Youths on bikes, advice given. Intel submitted re: parked van.",
)


@dataclass(frozen=True)
class Request:
    kind: str  # "visit" or "pings"
    path: str
    body: bytes
    visit: str  # the visit's client UUID
    pings: tuple[str, ...]  # client UUIDs of the pings it carries


@dataclass
class Visit:
    uuid: str
    record: dict  # the fields as sent, with every ping, for the database check
    requests: list[Request] = field(default_factory=list)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(LONDON).isoformat(timespec="milliseconds")


def _position(rng: random.Random, spot: dict) -> tuple[float, float]:
    """Mostly on the streets in and around the hotspot, sometimes a block away."""
    reach = spot["half_m"] * (1.3 if rng.random() < 0.85 else 3.0)
    dx, dy = rng.uniform(-reach, reach), rng.uniform(-reach, reach)
    lat = spot["lat"] + dy / METRES_PER_DEGREE
    lon = spot["lon"] + dx / (METRES_PER_DEGREE * math.cos(math.radians(spot["lat"])))
    return round(lon, 6), round(lat, 6)


def _accuracy(rng: random.Random) -> float:
    return round(rng.choice((rng.uniform(3, 15), rng.uniform(10, 40), rng.uniform(120, 300))), 1)


def _fix(rng: random.Random, spot: dict) -> dict:
    lon, lat = _position(rng, spot)
    return {"lon": lon, "lat": lat, "accuracy_m": _accuracy(rng) if rng.random() < 0.9 else 8.0}


def make_visit(rng: random.Random, spot: dict, username: str, now: dt.datetime) -> Visit:
    minutes = rng.uniform(2, 25)
    ended = now - dt.timedelta(minutes=rng.uniform(5, 600))
    started = ended - dt.timedelta(minutes=minutes)
    pings = []
    at = started + dt.timedelta(seconds=rng.uniform(5, 40))
    while at < ended:
        lon, lat = _position(rng, spot)
        pings.append({"client_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                      "at": _stamp(at), "lon": lon, "lat": lat,
                      "accuracy_m": _accuracy(rng)})  # fmt: skip
        at += dt.timedelta(seconds=rng.uniform(30, 90))
    client_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    fields = {
        "client_uuid": client_uuid,
        "hotspot": spot["id"],
        "assignment": None,
        "started_at": _stamp(started),
        "ended_at": _stamp(ended),
        "start": _fix(rng, spot),
        "end": _fix(rng, spot) if rng.random() < 0.95 else None,
        "arrests": rng.choice((0, 0, 0, 0, 1, 2)),
        "stop_searches": rng.choice((0, 0, 0, 1, 2)),
        "dispersals": rng.choice((0, 0, 1)),
        "asb_warnings": rng.choice((0, 0, 0, 1)),
        "people_engaged": rng.randint(0, 40),
        "intelligence_reports": rng.choice((0, 0, 1)),
        "notes": rng.choice(NOTES),
    }
    # Some pings travel with the visit, the rest in 0 to 3 later batches.
    batches = rng.choice((0, 1, 2, 3)) if len(pings) > 3 else 0
    cut = len(pings) if batches == 0 else rng.randint(0, len(pings) // 2)
    visit = Visit(client_uuid, {**fields, "username": username, "pings": pings})
    head = pings[:cut]
    visit.requests.append(
        Request("visit", "/api/visits/", _json({**fields, "pings": head}), client_uuid,
                tuple(p["client_uuid"] for p in head))
    )  # fmt: skip
    rest = pings[cut:]
    size = math.ceil(len(rest) / batches) if batches else 0
    for start in range(0, len(rest), size or 1):
        batch = rest[start : start + size]
        if batch:
            visit.requests.append(
                Request("pings", f"/api/visits/{client_uuid}/pings/", _json(batch), client_uuid,
                        tuple(p["client_uuid"] for p in batch))
            )  # fmt: skip
    return visit


def make_outbox(
    rng: random.Random, hotspots: list[dict], username: str, visits: int, now: dt.datetime
) -> list[Visit]:
    return [make_visit(rng, rng.choice(hotspots), username, now) for _ in range(visits)]


def _json(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()
