"""Labels a person recognises: the hotspot's streets and its town or locality, unique in a run.

police.uk rows name a snapped map point ("On or near Market Place") and an LSOA
("Chesterfield 012A"); the LSOA name without its code is the local authority district, a name
residents and officers use. Pure: takes strings, counts and centroids in metres.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_LSOA_CODE = re.compile(r"\s+\d{3}[A-Z]$")
_PREFIX = "on or near "
# police.uk's map points that name a kind of place rather than a street: a label needs them
# only when a hotspot has no street at all.
GENERIC_PLACES = frozenset(
    name.lower()
    for name in (
        "Supermarket", "Petrol Station", "Parking Area", "Shopping Area", "Nightclub",
        "Sports/Recreation Area", "Further/Higher Educational Building", "Police Station",
        "Hospital", "Conference/Exhibition Centre", "Theatre/Concert Hall", "Pedestrian Subway",
        "Bus/Coach Station", "Train Station", "Airport/Airfield", "Prison", "Park/Open Space",
        "Hotel", "Motorway Service Area",
    )
)  # fmt: skip
_COMPASS = (
    "east", "north-east", "north", "north-west", "west", "south-west", "south", "south-east",
)  # fmt: skip


def locality_of(lsoa_name: str) -> str:
    """'Chesterfield 012A' -> 'Chesterfield'; a district name is returned as it is."""
    return _LSOA_CODE.sub("", (lsoa_name or "").strip())


def street_of(location: str) -> str:
    """'On or near Market Place' -> 'Market Place'; '' for no location."""
    name = (location or "").strip()
    if name.lower().startswith(_PREFIX):
        name = name[len(_PREFIX) :].strip()
    return "" if name.lower() in ("", "no location") else name


@dataclass(frozen=True)
class Place:
    """What is known of one hotspot for its label: counts of its streets and localities, and
    its centroid in metres (to tell apart hotspots on the same street)."""

    streets: Counter[str]
    localities: Counter[str]
    x: float
    y: float

    @classmethod
    def from_rows(
        cls, locations: Iterable[str], lsoa_names: Iterable[str], x: float, y: float
    ) -> Place:
        streets = Counter(s for s in (street_of(v) for v in locations) if s)
        localities = Counter(v for v in (locality_of(n) for n in lsoa_names) if v)
        return cls(streets, localities, x, y)

    def ranked_streets(self) -> list[str]:
        """Streets first, then generic places; each by count, then name (deterministic)."""
        return sorted(
            self.streets,
            key=lambda s: (s.lower() in GENERIC_PLACES, -self.streets[s], s),
        )

    @property
    def locality(self) -> str:
        if not self.localities:
            return ""
        return min(self.localities, key=lambda name: (-self.localities[name], name))


def place_label(place: Place, n_streets: int = 1, fallback: str = "") -> str:
    """'Market Place, Chesterfield' or 'Market Place / Iron Gate, Chesterfield'."""
    streets = " / ".join(place.ranked_streets()[:n_streets])
    parts = [p for p in (streets or fallback, place.locality) if p]
    return ", ".join(parts)


def unique_labels(places: Sequence[Place], fallback: str = "Hotspot {n}") -> list[str]:
    """One label per place, unique within the sequence (e.g. a run's ranked hotspots).

    First 'street, locality'; where that repeats, the second street is added; where it still
    repeats, the compass side of the repeated group it lies on ('... – north'); and as a last
    resort the position in the sequence ('#3').
    """
    labels = [place_label(p, 1, fallback.format(n=i)) for i, p in enumerate(places, start=1)]
    _refine(labels, lambda i: place_label(places[i], 2, labels[i]))
    for group in _duplicates(labels):
        cx = sum(places[i].x for i in group) / len(group)
        cy = sum(places[i].y for i in group) / len(group)
        for i in group:
            side = _compass(places[i].x - cx, places[i].y - cy)
            labels[i] = f"{labels[i]} – {side}" if side else labels[i]
    for group in _duplicates(labels):
        for i in group:
            labels[i] = f"{labels[i]} #{i + 1}"
    return labels


def _refine(labels: list[str], better) -> None:
    for group in _duplicates(labels):
        for i in group:
            labels[i] = better(i)


def _duplicates(labels: list[str]) -> list[list[int]]:
    seen: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        seen.setdefault(label, []).append(i)
    return [group for group in seen.values() if len(group) > 1]


def _compass(dx: float, dy: float) -> str:
    if math.hypot(dx, dy) < 1.0:
        return ""
    angle = math.degrees(math.atan2(dy, dx)) % 360
    return _COMPASS[int((angle + 22.5) // 45) % 8]
