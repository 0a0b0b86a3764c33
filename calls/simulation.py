"""A synthetic command-and-control feed for the demo: calls arrive at rates by category and
hour of the week, move through their lifecycle at speeds set by their priority, and some are
sensitive. Pure: no Django. Times are aware UTC; locations WGS84."""

import datetime as dt
from dataclasses import dataclass

import numpy as np

# (force incident type, public category, sensitive, calls per hour at the weekly mean,
#  priority weights for grades 1..4)
TYPES: tuple[tuple[str, str, bool, float, tuple[float, ...]], ...] = (
    ("ASB", "anti-social-behaviour", False, 2.0, (0.05, 0.35, 0.45, 0.15)),
    ("BURG", "burglary", False, 0.5, (0.2, 0.5, 0.3, 0.0)),
    ("THEFT", "theft", False, 0.8, (0.05, 0.3, 0.5, 0.15)),
    ("VEH", "vehicle-crime", False, 0.4, (0.05, 0.3, 0.5, 0.15)),
    ("ASSLT", "violence", False, 0.7, (0.4, 0.5, 0.1, 0.0)),
    ("DAMAGE", "criminal-damage", False, 0.4, (0.0, 0.3, 0.5, 0.2)),
    ("RTC", "road-traffic", False, 0.5, (0.5, 0.4, 0.1, 0.0)),
    ("SUSP", "suspicious-activity", False, 0.6, (0.1, 0.5, 0.4, 0.0)),
    ("ALARM", "alarm", False, 0.3, (0.1, 0.6, 0.3, 0.0)),
    ("DOM", "domestic-abuse", True, 0.6, (0.5, 0.5, 0.0, 0.0)),
    ("WELF", "concern-for-welfare", True, 0.5, (0.4, 0.5, 0.1, 0.0)),
    ("MH", "mental-health", True, 0.3, (0.3, 0.6, 0.1, 0.0)),
    ("MISPER", "missing-person", True, 0.15, (0.5, 0.5, 0.0, 0.0)),
    ("SEX", "sexual-offences", True, 0.1, (0.5, 0.5, 0.0, 0.0)),
)
# Minutes (median) to dispatch, to arrive after dispatch and on scene, by grade 1..4.
LIFECYCLE_MINUTES = {1: (2, 10, 45), 2: (15, 35, 50), 3: (90, 60, 40), 4: (240, 120, 30)}
CANCEL_SHARE = 0.08
JUVENILE_SHARE = 0.04


def hour_of_week_profile() -> np.ndarray:
    """Relative demand by (weekday, hour), Monday first, mean 1: quiet small hours, an
    evening peak, busier Friday and Saturday nights."""
    hours = np.arange(24)
    daily = 0.35 + np.exp(-(((hours - 19) / 4.5) ** 2)) + 0.5 * np.exp(-(((hours - 13) / 4) ** 2))
    week = np.tile(daily, (7, 1))
    week[4, 18:] *= 1.3
    week[5, :3] *= 1.6
    week[5, 18:] *= 1.4
    week[6, :3] *= 1.5
    return week / week.mean()


@dataclass(frozen=True)
class SimulatedCall:
    reference: str
    events: list[dict]


def simulate(
    *,
    start: dt.datetime,
    end: dt.datetime,
    points: np.ndarray,
    rng: np.random.Generator,
    scale: float = 1.0,
    prefix: str = "SIM",
    tz: dt.tzinfo = dt.UTC,
) -> list[SimulatedCall]:
    """Calls received in [start, end) with all their events (some after `end`). `points` is an
    (n, 2) array of lon/lat the calls happen near (a few metres' jitter)."""
    profile = hour_of_week_profile()
    calls = []
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        local = hour.astimezone(tz)
        factor = profile[local.weekday(), local.hour] * scale
        for code, _, _, rate, grades in TYPES:
            for _ in range(rng.poisson(rate * factor)):
                received = hour + dt.timedelta(seconds=float(rng.uniform(0, 3600)))
                if start <= received < end:
                    calls.append(_call(code, grades, received, points, rng, prefix))
        hour += dt.timedelta(hours=1)
    return calls


def _call(code, grades, received, points, rng, prefix) -> SimulatedCall:
    grade = int(rng.choice(4, p=np.array(grades) / sum(grades))) + 1
    lon, lat = points[rng.integers(len(points))] + rng.normal(0, 0.0004, 2)
    reference = f"{prefix}-{received:%Y%m%d}-{rng.integers(10**8):08d}"
    first = {
        "reference": reference, "event_id": f"{reference}-0", "status": "received",
        "occurred_at": received.isoformat(), "incident_type": code, "priority": str(grade),
        "longitude": round(float(lon), 6), "latitude": round(float(lat), 6),
        "summary": "Simulated call: details as given by the caller.",
    }  # fmt: skip
    if rng.random() < JUVENILE_SHARE:
        first["involves_juvenile"] = True
    events = [first]
    dispatch, travel, on_scene = (
        float(m) * rng.lognormal(0, 0.4) for m in LIFECYCLE_MINUTES[grade]
    )
    when = received
    steps = [("dispatched", dispatch), ("en_route", 1.0), ("attended", travel),
             ("resolved", on_scene)]  # fmt: skip
    if rng.random() < CANCEL_SHARE:
        steps = [("cancelled", dispatch)]
    for i, (status, minutes) in enumerate(steps, start=1):
        when = when + dt.timedelta(minutes=minutes)
        events.append({"reference": reference, "event_id": f"{reference}-{i}",
                       "status": status, "occurred_at": when.isoformat()})  # fmt: skip
    return SimulatedCall(reference, events)
