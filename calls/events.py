"""Call events from a command-and-control system: validation and the fold that turns a call's
events into its current state. Plain Python, no Django.

A call's state is a function of the *set* of its events, never of the order they arrived in:
events are sorted by (time, lifecycle rank, key) before folding, so a late or repeated event
never moves a call back, and replaying a feed gives the same calls.
"""

import datetime as dt
import hashlib
import json
import math
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from calls.categories import STATUS_RANK

MAX_FUTURE = dt.timedelta(minutes=5)
TEXT_LIMITS = {"reference": 100, "status": 20, "incident_type": 40, "priority": 20, "event_id": 64}
SUMMARY_LIMIT = 2000
TRUE_WORDS = {"1", "true", "yes", "y", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "f"}
KNOWN_FIELDS = {
    "force", "reference", "event_id", "status", "occurred_at", "incident_type", "priority",
    "longitude", "latitude", "involves_juvenile", "summary",
}  # fmt: skip


class EventError(ValueError):
    """A bad event: `field` names the offending field, the message says what is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CallEventIn:
    """One validated event. Optional details are None when the event does not carry them.
    Times are aware UTC; coordinates WGS84 degrees."""

    reference: str
    status: str
    occurred_at: dt.datetime
    key: str
    incident_type: str | None = None
    priority: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    involves_juvenile: bool | None = None
    summary: str | None = None

    @property
    def order(self) -> tuple:
        return (self.occurred_at, STATUS_RANK[self.status], self.key)

    def to_json(self) -> dict:
        data = asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "CallEventIn":
        return cls(**{**data, "occurred_at": dt.datetime.fromisoformat(data["occurred_at"])})


@dataclass(frozen=True)
class CallState:
    status: str
    status_at: dt.datetime
    received_at: dt.datetime
    incident_type: str
    priority: str
    longitude: float | None
    latitude: float | None
    involves_juvenile: bool
    summary: str


def event_parse(raw: object, *, tz: str, now: dt.datetime) -> CallEventIn:
    """Validate one raw event (a dict of strings, numbers and booleans). Naive times are read
    in `tz`. Raises EventError naming the first bad field."""
    if not isinstance(raw, dict):
        raise EventError("event", "must be an object of field names and values")
    unknown = sorted(set(raw) - KNOWN_FIELDS)
    if unknown:
        raise EventError(unknown[0], "is not a known field")
    reference = _text(raw, "reference", required=True)
    status = _text(raw, "status", required=True)
    status = status.lower().replace(" ", "_").replace("-", "_")
    if status not in STATUS_RANK:
        raise EventError("status", f"must be one of {', '.join(STATUS_RANK)}")
    occurred_at = _time(raw.get("occurred_at"), tz=tz, now=now)
    lon, lat = _location(raw.get("longitude"), raw.get("latitude"))
    fields: dict[str, Any] = {
        "reference": reference,
        "status": status,
        "occurred_at": occurred_at,
        "incident_type": _text(raw, "incident_type") or None,
        "priority": _text(raw, "priority") or None,
        "longitude": lon,
        "latitude": lat,
        "involves_juvenile": _flag(raw.get("involves_juvenile")),
        "summary": _summary(raw.get("summary")),
    }
    key = _text(raw, "event_id") or _content_key(fields)
    return CallEventIn(key=key, **fields)


def _text(raw: dict, field: str, required: bool = False) -> str:
    value = raw.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise EventError(field, "is required")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise EventError(field, "must be text")
    text = str(value).strip()
    if len(text) > TEXT_LIMITS[field]:
        raise EventError(field, f"is longer than {TEXT_LIMITS[field]} characters")
    return text


def _time(value: object, *, tz: str, now: dt.datetime) -> dt.datetime:
    if not isinstance(value, str) or not value.strip():
        raise EventError("occurred_at", "is required, as an ISO 8601 date and time")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise EventError("occurred_at", f"{value!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    parsed = parsed.astimezone(dt.UTC)
    if parsed > now + MAX_FUTURE:
        raise EventError("occurred_at", f"{value} is in the future")
    return parsed


def _number(value: object, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise EventError(field, "must be a number")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise EventError(field, f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise EventError(field, "must be a finite number")
    return number


def _location(lon_raw: object, lat_raw: object) -> tuple[float | None, float | None]:
    lon, lat = _number(lon_raw, "longitude"), _number(lat_raw, "latitude")
    if (lon is None) != (lat is None):
        raise EventError("longitude" if lon is None else "latitude", "is needed with the other")
    if lon is not None and not -180 <= lon <= 180:
        raise EventError("longitude", f"{lon} is outside -180..180")
    if lat is not None and not -90 <= lat <= 90:
        raise EventError("latitude", f"{lat} is outside -90..90")
    if lon == 0 and lat == 0:
        raise EventError("longitude", "0, 0 is a missing location, not a place; leave both empty")
    return lon, lat


def _flag(value: object) -> bool | None:
    # An empty cell says nothing: it must not clear a flag an earlier event set.
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise EventError("involves_juvenile", f"{value!r} is not yes or no")


def _summary(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise EventError("summary", "must be text")
    if len(value) > SUMMARY_LIMIT:
        raise EventError("summary", f"is longer than {SUMMARY_LIMIT} characters")
    return value.strip() or None


def _content_key(fields: dict) -> str:
    """Without an event id, an event is identified by its content: an exact repeat is the
    same event."""
    canonical = json.dumps({**fields, "occurred_at": fields["occurred_at"].isoformat()},
                           sort_keys=True)  # fmt: skip
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:56]


def call_state(events: list[CallEventIn]) -> CallState:
    """The call as its events describe it: the status of the latest event, the earliest time
    as the time received, and each detail from the latest event that carries it."""
    if not events:
        raise ValueError("A call needs at least one event.")
    ordered = sorted(events, key=lambda event: event.order)
    details: dict = {}
    for event in ordered:
        for field in ("incident_type", "priority", "involves_juvenile", "summary"):
            if getattr(event, field) is not None:
                details[field] = getattr(event, field)
        if event.longitude is not None:
            details["longitude"], details["latitude"] = event.longitude, event.latitude
    last = ordered[-1]
    return CallState(
        status=last.status,
        status_at=last.occurred_at,
        received_at=ordered[0].occurred_at,
        incident_type=details.get("incident_type", ""),
        priority=details.get("priority", ""),
        longitude=details.get("longitude"),
        latitude=details.get("latitude"),
        involves_juvenile=details.get("involves_juvenile", False),
        summary=details.get("summary", ""),
    )
