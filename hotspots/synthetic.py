"""Synthetic police.uk-style crime data with planted hotspots and a planted patrol effect.

Everything generated here is fictional except the coordinate reference systems. Positions are
generated in British National Grid (EPSG:27700, easting/northing in metres) and converted to WGS84
longitude/latitude (EPSG:4326, degrees) with pyproj, rounded to 6 decimals as police.uk does.

The model is a set of Poisson means ``lambda[point, category, month]`` over fictional "map points"
(police.uk snaps every incident to a shared anonymous point, so identical rows stack). The means
are the sum of a force-wide background (category base rate x time factor x point weight) and, for
points inside a planted hotspot's radius, an excess making the baseline expectation inside the
radius ``intensity`` times the background there. From ``effect_start`` every mean at a point inside
a *treated* hotspot is multiplied by ``1 - asb_effect`` (ASB) or ``1 - crime_effect`` (all other
categories); untreated hotspots are unchanged. Counts are Poisson draws around those means, so the
ground truth (``ground_truth.json``) holds the exact expected values next to the generated counts.

Publication quirks are planted as well: ASB rows without Crime ID/outcome, 64-hex Crime IDs that
are occasionally shared, rows with ``No Location``, ~1% of rows just outside the force boundary,
one artefact month where every row of one category is duplicated, CRLF and LF files.

Optional (off by default, so the default files and ground truth do not change): months before
``old_schemes_before`` published under police.uk's category scheme of their own month
("Violent crime", "Public disorder and weapons", the early "Other crime", ...; see
``hotspots/schemes.py``), crime rows without Crime IDs before ``no_crime_ids_before`` (as
police.uk before 2011-12), and further ``artefacts`` (:class:`PlantedArtefact`: capped,
duplicated, truncated categories and whole-force dips), all recorded in the ground truth.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from hotspots.formats import POLICE_UK_COLUMNS
from hotspots.schemes import scheme_of

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

BNG_CRS = "EPSG:27700"
WGS84_CRS = "EPSG:4326"
ASB = "Anti-social behaviour"
CATEGORIES: tuple[str, ...] = (
    ASB,
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
FORCE_EXPORT_COLUMNS: tuple[str, ...] = (
    "Reference",
    "Created",
    "Category",
    "Easting",
    "Northing",
    "Priority",
    "Status",
    "Location",
)
#: Background expected incidents per month per category, force-wide, before trend/season.
DEFAULT_BASE_RATES: tuple[tuple[str, float], ...] = (
    (ASB, 1100.0),
    ("Bicycle theft", 40.0),
    ("Burglary", 320.0),
    ("Criminal damage and arson", 600.0),
    ("Drugs", 260.0),
    ("Other crime", 200.0),
    ("Other theft", 450.0),
    ("Possession of weapons", 70.0),
    ("Public order", 600.0),
    ("Robbery", 45.0),
    ("Shoplifting", 550.0),
    ("Theft from the person", 60.0),
    ("Vehicle crime", 380.0),
    ("Violence and sexual offences", 2300.0),
)
UNDER_INVESTIGATION = "Under investigation"
OUTCOMES: tuple[tuple[str, float], ...] = (
    ("Investigation complete; no suspect identified", 0.36),
    ("Unable to prosecute suspect", 0.35),
    ("Court result unavailable", 0.10),
    ("Local resolution", 0.04),
    ("Action to be taken by another organisation", 0.03),
    ("Status update unavailable", 0.03),
    ("Offender given a caution", 0.03),
    ("Formal action is not in the public interest", 0.02),
    ("Further action is not in the public interest", 0.015),
    ("Awaiting court outcome", 0.01),
    ("Further investigation is not in the public interest", 0.005),
    ("Offender given a drugs possession warning", 0.01),
)
SPECIAL_PLACES: tuple[str, ...] = (
    "Supermarket",
    "Parking Area",
    "Shopping Area",
    "Petrol Station",
    "Sports/Recreation Area",
    "Park/Open Space",
    "Nightclub",
    "Hospital",
)


def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated words of ``text`` as a tuple."""
    return tuple(text.split())


STREET_STEMS: tuple[str, ...] = _words(
    """Acorn Alder Amberley Ash Badger Barley Beacon Beech Birch Bluebell Bramble Brook Buttercup
    Castle Cedar Chapel Cherry Church Clover Coppice Cotton Cowslip Daisy Dale Elm Fairfield Fern
    Field Forge Fox Furnace Garden Glebe Granary Hawthorn Hazel Heather Heron High Hill Holly
    Kestrel Kiln Lark Laurel Lime Linden Maple Market Meadow Mill Moor Oak Orchard Otter Park
    Pinfold Poplar Priory Quarry Railway Rectory Rowan School Sheepwash Spinney Spring Station
    Tannery Thistle Tollgate Vicarage Wharf Willow Windmill Wren Yew"""
)
STREET_SUFFIXES: tuple[str, ...] = _words(
    "Street Road Lane Close Avenue Drive Way Crescent Grove Terrace Walk Rise"
)
#: Fictional towns: name, offset east/north as a fraction of half width/height, spread (m), share.
TOWNS: tuple[tuple[str, float, float, float, float], ...] = (
    ("Exampleton", 0.0, 0.0, 2200.0, 0.42),
    ("Northby", 0.1, 0.6, 1200.0, 0.16),
    ("Westford", -0.6, 0.08, 1400.0, 0.16),
    ("Eastwick", 0.57, -0.16, 1300.0, 0.15),
    ("Southam", -0.13, -0.6, 1000.0, 0.11),
)
NEIGHBOUR_DISTRICTS: tuple[str, ...] = ("Farleigh Vale", "Hexbridge", "Lowmoor", "Otherton")
HOTSPOT_MIXES: dict[str, tuple[tuple[str, float], ...]] = {
    "asb": (
        (ASB, 0.55),
        ("Criminal damage and arson", 0.15),
        ("Public order", 0.10),
        ("Violence and sexual offences", 0.10),
        ("Drugs", 0.10),
    ),
    "night_time_economy": (
        ("Violence and sexual offences", 0.45),
        ("Public order", 0.20),
        (ASB, 0.15),
        ("Theft from the person", 0.08),
        ("Drugs", 0.07),
        ("Criminal damage and arson", 0.05),
    ),
    "retail": (
        ("Shoplifting", 0.60),
        ("Other theft", 0.10),
        ("Violence and sexual offences", 0.10),
        (ASB, 0.10),
        ("Public order", 0.10),
    ),
}
# id, name, town, offset east (m), offset north (m), radius (m), intensity, mix, pattern, treated
_HotspotSpec = tuple[str, str, str, float, float, float, float, str, str, bool]
_DEFAULT_HOTSPOT_SPECS: tuple[_HotspotSpec, ...] = (
    ("H01", "Exampleton town centre", "Exampleton", 0, 150, 350, 6, "night_time_economy",
     "night_time_economy", True),
    ("H02", "Exampleton retail park", "Exampleton", 1800, -900, 300, 5, "retail",
     "retail_daytime", True),
    ("H03", "Exampleton Parkside estate", "Exampleton", -1500, 1200, 400, 4, "asb",
     "school_afternoons", True),
    ("H04", "Northby high street", "Northby", 0, 0, 300, 5, "night_time_economy",
     "night_time_economy", False),
    ("H05", "Northby Green estate", "Northby", 1100, -700, 350, 4, "asb",
     "school_afternoons", True),
    ("H06", "Westford market place", "Westford", 0, 0, 300, 5, "retail", "retail_daytime", False),
    ("H07", "Westford Brookside estate", "Westford", -900, 900, 400, 4, "asb",
     "school_afternoons", False),
    ("H08", "Eastwick station quarter", "Eastwick", 0, 100, 300, 5, "night_time_economy",
     "night_time_economy", True),
    ("H09", "Eastwick Hillcrest estate", "Eastwick", 800, 900, 350, 4, "asb",
     "school_afternoons", False),
    ("H10", "Southam shopping centre", "Southam", 0, 0, 250, 5, "retail", "retail_daytime", False),
)  # fmt: skip
#: Hour-of-week patterns (day 0 = Monday, local Europe/London time): description, weight of the
#: flat diurnal base, and windows (days, hours, added weight); the first window is the peak.
_PatternSpec = tuple[str, float, tuple[tuple[tuple[int, ...], tuple[int, ...], float], ...]]
HOUR_PATTERNS: dict[str, _PatternSpec] = {
    "background_day": (
        "Mon-Sat 09:00-18:00 daytime",
        1.0,
        (((0, 1, 2, 3, 4, 5), tuple(range(9, 18)), 0.8),),
    ),
    "background_evening": (
        "Fri-Sat 20:00-24:00 evenings",
        1.0,
        (((4, 5), (20, 21, 22, 23), 1.0), ((5, 6), (0, 1, 2), 1.0)),
    ),
    "night_time_economy": (
        "Thu-Sat 18:00-22:00 night-time economy",
        0.15,
        (((3, 4, 5), (18, 19, 20, 21), 6.0), ((4, 5), (22, 23), 2.0), ((5, 6), (0, 1), 1.5)),
    ),
    "school_afternoons": (
        "Mon-Fri 14:00-18:00 school-day afternoons",
        0.2,
        (((0, 1, 2, 3, 4), (14, 15, 16, 17), 5.0),),
    ),
    "retail_daytime": (
        "Mon-Sat 10:00-17:00 shop opening hours",
        0.15,
        (((0, 1, 2, 3, 4, 5), tuple(range(10, 17)), 4.0), ((6,), tuple(range(11, 16)), 2.0)),
    ),
}
_DIURNAL = np.array(
    [0.6, 0.5, 0.4, 0.3, 0.2, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0]
    + [1.0, 1.0, 1.1, 1.2, 1.3, 1.3, 1.3, 1.2, 1.1, 1.0, 0.9, 0.7]
)
_DAYTIME_CATEGORIES = frozenset(
    {"Shoplifting", "Burglary", "Bicycle theft", "Other theft", "Theft from the person"}
)
_EDGE_MARGIN_M = 40.0  # map points keep this far (m) from the boundary and hotspot circles
_EXPORT_JITTER_M = 30.0  # force-export positions scatter this far (m) around their map point
_OUTSIDE_RING_M = (200.0, 3000.0)  # outside-the-force points lie this far (m) beyond boundary
_KIND_INSIDE, _KIND_OUTSIDE, _KIND_NONE = 0, 1, 2


def month_range(start: str, end: str) -> tuple[str, ...]:
    """Return the months ``start``..``end`` inclusive as ``YYYY-MM`` strings."""
    return tuple(_month_label(k) for k in range(_month_number(start), _month_number(end) + 1))


def _month_number(month: str) -> int:
    """Months since year 0 for a ``YYYY-MM`` string (raises ValueError if malformed)."""
    year, mon = month.split("-")
    if len(year) != 4 or len(mon) != 2 or not 1 <= int(mon) <= 12:
        raise ValueError(f"month must look like YYYY-MM, got {month!r}")
    return int(year) * 12 + int(mon) - 1


def _month_label(number: int) -> str:
    """Inverse of :func:`_month_number`."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


@cache
def _to_wgs84() -> Transformer:
    """BNG (EPSG:27700, m) to WGS84 (EPSG:4326) lon/lat transformer, x=easting/lon first."""
    return Transformer.from_crs(BNG_CRS, WGS84_CRS, always_xy=True)


@cache
def _to_bng() -> Transformer:
    """WGS84 lon/lat to BNG easting/northing (m) transformer."""
    return Transformer.from_crs(WGS84_CRS, BNG_CRS, always_xy=True)


def bng_to_lonlat(
    easting: npt.ArrayLike, northing: npt.ArrayLike, decimals: int = 6
) -> tuple[FloatArray, FloatArray]:
    """Convert BNG easting/northing (EPSG:27700, m) to lon/lat (EPSG:4326, degrees), rounded."""
    lon, lat = _to_wgs84().transform(np.asarray(easting, float), np.asarray(northing, float))
    return np.round(np.asarray(lon), decimals), np.round(np.asarray(lat), decimals)


def lonlat_to_bng(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert lon/lat (EPSG:4326, degrees) to BNG easting/northing (EPSG:27700, metres)."""
    easting, northing = _to_bng().transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(easting), np.asarray(northing)


@dataclass(frozen=True)
class PlantedHotspot:
    """A planted hotspot: a disc in BNG metres with excess incidents and an hour-of-week pattern.

    ``intensity`` is the baseline multiple of background: before trend, season and effect the
    expected incidents at map points within ``radius_m`` are ``intensity`` x the background there.
    ``categories`` is the category mix (shares summing to 1) of the excess; ``pattern`` names an
    entry of :data:`HOUR_PATTERNS` used for the excess incidents' times in the force export.
    """

    hotspot_id: str
    name: str
    easting: float
    northing: float
    radius_m: float
    intensity: float
    categories: tuple[tuple[str, float], ...]
    pattern: str
    treated: bool

    def lonlat(self) -> tuple[float, float]:
        """Centre as (lon, lat) in EPSG:4326 degrees, rounded to 6 decimals."""
        lon, lat = bng_to_lonlat([self.easting], [self.northing])
        return float(lon[0]), float(lat[0])


ARTEFACT_KINDS = ("capped", "duplicated", "truncated", "dip")


@dataclass(frozen=True)
class PlantedArtefact:
    """A publication artefact of one month: ``capped`` keeps the first rows of the category up
    to ``factor`` x its count rounded down to a hundred; ``duplicated`` repeats every row
    ``factor`` times; ``truncated`` keeps a random ``factor`` share of its rows; ``dip`` keeps a
    random ``factor`` share of every category's rows (the whole force; ``category`` None)."""

    month: str
    kind: str
    category: str | None = None
    factor: float = 0.5

    def __post_init__(self) -> None:
        if self.kind not in ARTEFACT_KINDS:
            raise ValueError(f"artefact kind must be one of {', '.join(ARTEFACT_KINDS)}")
        if (self.kind == "dip") != (self.category is None):
            raise ValueError("a dip concerns the whole force; other artefacts one category")
        if self.category is not None and self.category not in CATEGORIES:
            raise ValueError(f"unknown category: {self.category}")
        if self.kind == "duplicated" and (self.factor < 2 or self.factor != int(self.factor)):
            raise ValueError("a duplicated artefact needs a whole factor >= 2")
        if self.kind != "duplicated" and not 0 < self.factor < 1:
            raise ValueError("capped, truncated and dip artefacts need a factor in (0, 1)")


@dataclass(frozen=True)
class SyntheticConfig:
    """All knobs of the synthetic force. Distances in metres, coordinates in BNG (EPSG:27700).

    ``base_rates`` are force-wide background incidents per month per category before the trend
    (``annual_trend``, fractional change per year) and the seasonal cycle (``seasonal_amplitude``,
    peak in July). ``hotspots=None`` plants :func:`default_hotspots`. Months before
    ``crlf_before`` are written with CRLF line endings, later ones with LF.
    ``no_location_rate`` and ``outside_rate`` are fractions of all rows (No Location rows are
    crimes only, as on police.uk).
    """

    seed: int = 20250601
    force_name: str = "Exampleshire Police"
    force_slug: str = "exampleshire"
    months: tuple[str, ...] = field(default_factory=lambda: month_range("2024-01", "2025-12"))
    centre_easting: float = 440_000.0
    centre_northing: float = 340_000.0
    width_m: float = 30_000.0
    height_m: float = 25_000.0
    n_map_points: int = 4_000
    n_streets: int = 900
    n_lsoas: int = 300
    base_rates: tuple[tuple[str, float], ...] = DEFAULT_BASE_RATES
    hotspots: tuple[PlantedHotspot, ...] | None = None
    points_per_hotspot: int = 12
    effect_start: str = "2025-01"
    asb_effect: float = 0.25
    crime_effect: float = 0.10
    annual_trend: float = -0.02
    seasonal_amplitude: float = 0.08
    no_location_rate: float = 0.005
    outside_rate: float = 0.01
    artefact_month: str | None = "2024-10"
    artefact_category: str = "Shoplifting"
    artefact_factor: int = 2
    crlf_before: str = "2025-01"
    shared_crime_id_rate: float = 0.002
    export_prefix: str = "EXM"
    old_schemes_before: str | None = None
    no_crime_ids_before: str | None = None
    artefacts: tuple[PlantedArtefact, ...] = ()

    def __post_init__(self) -> None:
        numbers = [_month_number(m) for m in self.months]
        if not numbers or any(b <= a for a, b in zip(numbers, numbers[1:], strict=False)):
            raise ValueError("months must be a non-empty, strictly increasing tuple of YYYY-MM")
        for month in (self.effect_start, self.crlf_before):
            _month_number(month)  # raises ValueError if malformed
        if self.artefact_month is not None and self.artefact_month not in self.months:
            raise ValueError("artefact_month must be one of months")
        if any(a.month not in self.months for a in self.artefacts):
            raise ValueError("every planted artefact's month must be one of months")
        for optional in (self.old_schemes_before, self.no_crime_ids_before):
            if optional is not None:
                _month_number(optional)
        unknown = {c for c, _ in self.base_rates} | {self.artefact_category}
        if unknown - set(CATEGORIES):
            raise ValueError(f"unknown categories: {sorted(unknown - set(CATEGORIES))}")
        fractions = (self.asb_effect, self.crime_effect, self.no_location_rate, self.outside_rate)
        if not all(0.0 <= f < 1.0 for f in fractions) or self.artefact_factor < 2:
            raise ValueError("effects and rates must be in [0, 1); artefact_factor >= 2")

    def resolved_hotspots(self) -> tuple[PlantedHotspot, ...]:
        """The planted hotspots: ``hotspots`` if given, else :func:`default_hotspots`."""
        return self.hotspots if self.hotspots is not None else default_hotspots(self)

    def month_index(self, month: str) -> int:
        """Index of the first configured month >= ``month`` (len(months) if none)."""
        target = _month_number(month)
        return sum(1 for m in self.months if _month_number(m) < target)


def town_centres(config: SyntheticConfig) -> dict[str, tuple[float, float]]:
    """Fictional town centres as BNG (easting, northing) in metres."""
    half_w, half_h = config.width_m / 2, config.height_m / 2
    return {
        name: (config.centre_easting + fx * half_w, config.centre_northing + fy * half_h)
        for name, fx, fy, _, _ in TOWNS
    }


def default_hotspots(config: SyntheticConfig) -> tuple[PlantedHotspot, ...]:
    """Ten hotspots near the fictional towns: 4 ASB-led, 3 night-time, 3 retail; 5 treated."""
    centres = town_centres(config)
    return tuple(
        PlantedHotspot(hid, name, centres[town][0] + dx, centres[town][1] + dy, float(radius),
                       float(intensity), HOTSPOT_MIXES[mix], pattern, treated)
        for hid, name, town, dx, dy, radius, intensity, mix, pattern, treated
        in _DEFAULT_HOTSPOT_SPECS
    )  # fmt: skip


def _rng(config: SyntheticConfig, stream: int) -> np.random.Generator:
    """Independent deterministic random stream ``stream`` for ``config.seed``."""
    return np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(stream,)))


def make_boundary(config: SyntheticConfig) -> Polygon:
    """Irregular, star-shaped fictional force boundary in BNG metres (about width x height)."""
    rng = _rng(config, 5)
    theta = np.linspace(0.0, 2 * np.pi, 120, endpoint=False)
    a, b = config.width_m / 2, config.height_m / 2
    ellipse = a * b / np.hypot(b * np.cos(theta), a * np.sin(theta))
    wobble = sum(
        rng.uniform(0.02, 0.05) / k * 3 * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
        for k in range(2, 6)
    )
    radius = ellipse * (0.95 + wobble + rng.uniform(-0.012, 0.012, theta.size))
    x = config.centre_easting + radius * np.cos(theta)
    y = config.centre_northing + radius * np.sin(theta)
    return orient(Polygon(np.column_stack([np.round(x, 1), np.round(y, 1)])), 1.0)


def _rejection_sample(
    rng: np.random.Generator,
    n: int,
    region: Any,
    sampler: Callable[[np.random.Generator, int], FloatArray],
) -> FloatArray:
    """Draw ``n`` BNG points from ``sampler`` that fall in the (prepared) shapely ``region``."""
    shapely.prepare(region)
    chunks: list[FloatArray] = []
    while sum(len(c) for c in chunks) < n:
        xy = sampler(rng, 2 * n + 16)
        chunks.append(xy[shapely.contains_xy(region, xy[:, 0], xy[:, 1])])
    return np.concatenate(chunks)[:n]


def _town_sampler(config: SyntheticConfig, urban_share: float) -> Callable[..., FloatArray]:
    """Sampler mixing Gaussian clusters around towns with a uniform rural spread (BNG m)."""
    centres = np.array(list(town_centres(config).values()))
    spreads = np.array([t[3] for t in TOWNS])
    shares = np.array([t[4] for t in TOWNS])
    half = np.array([config.width_m, config.height_m]) / 2
    origin = np.array([config.centre_easting, config.centre_northing])

    def sample(rng: np.random.Generator, n: int) -> FloatArray:
        town = rng.choice(len(TOWNS), size=n, p=shares)
        urban = centres[town] + rng.normal(size=(n, 2)) * spreads[town, None]
        rural = origin + rng.uniform(-1.0, 1.0, size=(n, 2)) * half
        return np.where((rng.random(n) < urban_share)[:, None], urban, rural)

    return sample


def _disc_sample(
    rng: np.random.Generator, hotspot: PlantedHotspot, n: int, margin: float
) -> FloatArray:
    """``n`` uniform points (BNG m) inside the hotspot disc shrunk by ``margin`` metres."""
    r = (hotspot.radius_m - margin) * np.sqrt(rng.random(n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    return np.column_stack(
        [hotspot.easting + r * np.cos(angle), hotspot.northing + r * np.sin(angle)]
    )


def _hotspot_membership(
    xy: FloatArray, hotspots: tuple[PlantedHotspot, ...]
) -> tuple[IntArray, FloatArray]:
    """Index of the hotspot whose radius contains each point (-1 if none) and distance/radius."""
    member = np.full(len(xy), -1, dtype=np.int64)
    rel = np.full(len(xy), np.inf)
    for h, spot in enumerate(hotspots):
        d = np.hypot(xy[:, 0] - spot.easting, xy[:, 1] - spot.northing) / spot.radius_m
        inside = d <= 1.0
        member[inside], rel[inside] = h, d[inside]
    return member, rel


def _clear_of_circles(xy: FloatArray, hotspots: tuple[PlantedHotspot, ...]) -> BoolArray:
    """True where a point is more than the edge margin (m) away from every hotspot circle."""
    keep = np.ones(len(xy), dtype=bool)
    for spot in hotspots:
        d = np.hypot(xy[:, 0] - spot.easting, xy[:, 1] - spot.northing)
        keep &= np.abs(d - spot.radius_m) > _EDGE_MARGIN_M
    return keep


def _check_hotspots(boundary: Polygon, hotspots: tuple[PlantedHotspot, ...]) -> None:
    """Raise ValueError unless hotspots are valid, well inside the boundary and apart."""
    inner = boundary.buffer(-_EDGE_MARGIN_M)
    for i, a in enumerate(hotspots):
        if a.pattern not in HOUR_PATTERNS or {c for c, _ in a.categories} - set(CATEGORIES):
            raise ValueError(f"hotspot {a.hotspot_id} has an unknown pattern or category")
        if not inner.contains(shapely.Point(a.easting, a.northing).buffer(a.radius_m)):
            raise ValueError(f"hotspot {a.hotspot_id} is not inside the force boundary")
        for b in hotspots[i + 1 :]:
            gap = np.hypot(a.easting - b.easting, a.northing - b.northing) - a.radius_m - b.radius_m
            if gap <= 2 * _EDGE_MARGIN_M:
                raise ValueError(f"hotspots {a.hotspot_id} and {b.hotspot_id} overlap")


def _point_locations(
    config: SyntheticConfig, boundary: Polygon, hotspots: tuple[PlantedHotspot, ...]
) -> tuple[FloatArray, IntArray]:
    """Map point positions (BNG m) and kinds (inside/outside); no-location is appended later."""
    rng = _rng(config, 0)
    inner = boundary.buffer(-_EDGE_MARGIN_M)
    base = _rejection_sample(rng, config.n_map_points, inner, _town_sampler(config, 0.65))
    base = base[_clear_of_circles(base, hotspots)]
    spots = [_disc_sample(rng, s, config.points_per_hotspot, _EDGE_MARGIN_M) for s in hotspots]
    ring = boundary.buffer(_OUTSIDE_RING_M[1]).difference(boundary.buffer(_OUTSIDE_RING_M[0]))
    outside = _rejection_sample(rng, max(50, config.n_map_points // 25), ring, _ring_sampler(ring))
    xy = np.concatenate([base, *spots, outside])
    kind = np.repeat([_KIND_INSIDE, _KIND_OUTSIDE], [len(xy) - len(outside), len(outside)])
    return np.round(xy, 1), kind.astype(np.int64)


def _ring_sampler(region: Any) -> Callable[..., FloatArray]:
    """Uniform sampler over the bounding box (BNG m) of ``region``."""
    x0, y0, x1, y1 = region.bounds

    def sample(rng: np.random.Generator, n: int) -> FloatArray:
        return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])

    return sample


def _nearest(xy: FloatArray, seeds: FloatArray) -> IntArray:
    """Index of the nearest seed (Euclidean, BNG m) for every point, in memory-bounded chunks."""
    out = np.empty(len(xy), dtype=np.int64)
    for start in range(0, len(xy), 2048):
        block = xy[start : start + 2048]
        d2 = ((block[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2)
        out[start : start + 2048] = d2.argmin(axis=1)
    return out


def _street_names(config: SyntheticConfig, xy: FloatArray) -> StrArray:
    """``On or near ...`` labels: nearest fictional street seed, or a generic place (6%)."""
    rng = _rng(config, 1)
    seeds = xy[rng.choice(len(xy), size=min(config.n_streets, len(xy)), replace=False)]
    stems = rng.choice(np.array(STREET_STEMS), size=len(seeds))
    suffixes = rng.choice(np.array(STREET_SUFFIXES), size=len(seeds))
    names = np.char.add(np.char.add(stems, " "), suffixes)[_nearest(xy, seeds)]
    special = rng.random(len(xy)) < 0.06
    names[special] = rng.choice(np.array(SPECIAL_PLACES), size=int(special.sum()))
    return names


def _district_of(config: SyntheticConfig, xy: FloatArray, outside: BoolArray) -> StrArray:
    """District name per point: nearest town inside the force, compass neighbour outside."""
    centres = np.array(list(town_centres(config).values()))
    towns = np.array([t[0] for t in TOWNS])[_nearest(xy, centres)]
    angle = np.arctan2(xy[:, 1] - config.centre_northing, xy[:, 0] - config.centre_easting)
    sector = ((angle + np.pi) / (np.pi / 2)).astype(np.int64) % 4
    return np.where(outside, np.array(NEIGHBOUR_DISTRICTS)[sector], towns)


def _lsoa_seeds(
    config: SyntheticConfig, boundary: Polygon, outside_xy: FloatArray
) -> tuple[FloatArray, BoolArray]:
    """LSOA seed positions (BNG m): population-like inside the force, sparse in the outer ring."""
    rng = _rng(config, 2)
    inner = _rejection_sample(rng, config.n_lsoas, boundary, _town_sampler(config, 0.75))
    n_out = min(len(outside_xy), max(4, config.n_lsoas // 12))
    outer = outside_xy[rng.choice(len(outside_xy), size=n_out, replace=False)]
    flags = np.repeat([False, True], [len(inner), len(outer)])
    return np.concatenate([inner, outer]), flags


def _lsoa_labels(
    config: SyntheticConfig, seeds: FloatArray, outside: BoolArray
) -> tuple[StrArray, StrArray]:
    """Fictional LSOA codes (E019xxxxx) and names ("<District> 001A"), numbered north to south."""
    district = _district_of(config, seeds, outside)
    order = np.lexsort((seeds[:, 0], -seeds[:, 1], district, outside))
    codes = np.empty(len(seeds), dtype=object)
    names = np.empty(len(seeds), dtype=object)
    rank_in_district: dict[str, int] = {}
    next_code = {False: 1900001, True: 1990001}
    for i in order:
        k, side = rank_in_district.get(district[i], 0), bool(outside[i])
        rank_in_district[district[i]] = k + 1
        names[i] = f"{district[i]} {k // 4 + 1:03d}{'ABCD'[k % 4]}"
        codes[i], next_code[side] = f"E0{next_code[side]}", next_code[side] + 1
    return codes.astype(str), names.astype(str)


def _build_points(
    config: SyntheticConfig, boundary: Polygon, hotspots: tuple[PlantedHotspot, ...]
) -> pd.DataFrame:
    """Map point table (one row per point, last row the ``No Location`` pseudo-point).

    Columns: easting/northing (BNG m), kind (0 inside, 1 outside, 2 no location), hotspot
    (index or -1), weight (background spatial weight), kernel (share of its hotspot's excess),
    street, location, district, lsoa_code, lsoa_name, lon/lat (6-decimal text), sort_rank.
    """
    xy, kind = _point_locations(config, boundary, hotspots)
    outside = kind == _KIND_OUTSIDE
    seeds, seed_outside = _lsoa_seeds(config, boundary, xy[outside])
    codes, names = _lsoa_labels(config, seeds, seed_outside)
    lsoa = _nearest_same_side(xy, seeds, outside, seed_outside)
    member, rel = _hotspot_membership(xy, hotspots)
    rng = _rng(config, 3)
    weight = rng.gamma(1.5, 1.0, len(xy)) * np.where(rel < np.inf, 1.0, 0.7)
    lon, lat = bng_to_lonlat(xy[:, 0], xy[:, 1])
    street = _street_names(config, xy)
    frame = pd.DataFrame(
        {
            "easting": xy[:, 0],
            "northing": xy[:, 1],
            "kind": kind,
            "hotspot": member,
            "weight": weight,
            "kernel": _kernel(member, rel),
            "street": street,
            "location": np.char.add("On or near ", street),
            "district": _district_of(config, xy, outside),
            "lsoa_code": codes[lsoa],
            "lsoa_name": names[lsoa],
            "lon": [f"{v:.6f}" for v in lon],
            "lat": [f"{v:.6f}" for v in lat],
        }
    )
    return _with_no_location(frame)


def _nearest_same_side(
    xy: FloatArray, seeds: FloatArray, outside: BoolArray, seed_outside: BoolArray
) -> IntArray:
    """Nearest LSOA seed restricted to the same side of the force boundary as the point."""
    inner_idx, outer_idx = np.flatnonzero(~seed_outside), np.flatnonzero(seed_outside)
    near_in = inner_idx[_nearest(xy, seeds[inner_idx])]
    near_out = outer_idx[_nearest(xy, seeds[outer_idx])]
    return np.where(outside, near_out, near_in)


def _kernel(member: IntArray, rel: FloatArray) -> FloatArray:
    """Share of each hotspot's excess per member point: ``1 - 0.8 (d/r)^2``, normalised."""
    raw = np.where(member >= 0, 1.0 - 0.8 * np.minimum(rel, 1.0) ** 2, 0.0)
    totals = np.bincount(member[member >= 0], weights=raw[member >= 0])
    return np.where(member >= 0, raw / totals[np.maximum(member, 0)], 0.0)


def _with_no_location(frame: pd.DataFrame) -> pd.DataFrame:
    """Append the ``No Location`` pseudo-point and the police.uk file sort rank."""
    none: dict[str, Any] = dict.fromkeys(("street", "district", "lsoa_code", "lsoa_name"), "")
    none.update(easting=np.nan, northing=np.nan, kind=_KIND_NONE, hotspot=-1, weight=0.0)
    none.update(kernel=0.0, location="No Location", lon="", lat="")
    frame = pd.concat([frame, pd.DataFrame([none])], ignore_index=True)
    key = frame["lsoa_code"].where(frame["kind"] != _KIND_NONE, "~")
    frame["sort_rank"] = np.unique(key.to_numpy(), return_inverse=True)[1].astype(np.int64)
    return frame


def _time_factors(config: SyntheticConfig) -> FloatArray:
    """Mean multiplier per month: ``(1 + annual_trend)^years_since_start`` x season (July peak)."""
    numbers = np.array([_month_number(m) for m in config.months], dtype=float)
    trend = (1.0 + config.annual_trend) ** ((numbers - numbers[0]) / 12.0)
    season = 1.0 + config.seasonal_amplitude * np.cos(2 * np.pi * ((numbers % 12) - 6) / 12.0)
    return trend * season


def _rate_vector(config: SyntheticConfig) -> FloatArray:
    """Background monthly rate per category, in :data:`CATEGORIES` order (missing = 0)."""
    rates = dict(config.base_rates)
    return np.array([float(rates.get(c, 0.0)) for c in CATEGORIES])


def _mix_vector(hotspot: PlantedHotspot) -> FloatArray:
    """Hotspot excess category shares in :data:`CATEGORIES` order, normalised to sum to 1."""
    mix = dict(hotspot.categories)
    vec = np.array([float(mix.get(c, 0.0)) for c in CATEGORIES])
    return vec / vec.sum()


def _effect_array(
    config: SyntheticConfig, points: pd.DataFrame, hotspots: tuple[PlantedHotspot, ...]
) -> FloatArray:
    """Planted effect multiplier per (point, category, month): <1 only in treated discs after."""
    treated = np.array([s.treated for s in hotspots] + [False])[points["hotspot"].to_numpy()]
    per_category = np.where(
        np.array(CATEGORIES) == ASB, 1 - config.asb_effect, 1 - config.crime_effect
    )
    after = np.arange(len(config.months)) >= config.month_index(config.effect_start)
    effect = np.ones((len(points), len(CATEGORIES), len(config.months)))
    effect[np.ix_(treated, np.ones(len(CATEGORIES), bool), after)] = per_category[None, :, None]
    return effect


def _intensities(
    config: SyntheticConfig, points: pd.DataFrame, hotspots: tuple[PlantedHotspot, ...]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Poisson means (background, hotspot excess) per (point, category, month) and the effect.

    Both means already include the effect; ``mean / effect`` is the no-effect counterfactual.
    """
    kind, member = points["kind"].to_numpy(), points["hotspot"].to_numpy()
    inside = kind == _KIND_INSIDE
    rates, factors = _rate_vector(config), _time_factors(config)
    weight = np.where(inside, points["weight"].to_numpy(), 0.0)
    weight = weight / weight.sum()
    lam_bg = weight[:, None, None] * rates[None, :, None] * factors[None, None, :]
    lam_hs = np.zeros_like(lam_bg)
    kernel = points["kernel"].to_numpy()
    for h, spot in enumerate(hotspots):
        disc = member == h
        excess = (spot.intensity - 1.0) * rates.sum() * weight[disc].sum()
        lam_hs[disc] = (
            excess * kernel[disc, None, None] * _mix_vector(spot)[None, :, None] * factors
        )
    effect = _effect_array(config, points, hotspots)
    lam_bg, lam_hs = lam_bg * effect, lam_hs * effect
    _add_unmappable(config, points, lam_bg, (lam_bg + lam_hs)[inside].sum(axis=0))
    return lam_bg, lam_hs, effect


def _add_unmappable(
    config: SyntheticConfig, points: pd.DataFrame, lam_bg: FloatArray, inside_total: FloatArray
) -> None:
    """Fill (in place) means for outside-the-force points and the No Location pseudo-point."""
    kind = points["kind"].to_numpy()
    share = 1.0 - config.outside_rate - config.no_location_rate
    outside = kind == _KIND_OUTSIDE
    w_out = points["weight"].to_numpy()[outside]
    lam_bg[outside] = (
        config.outside_rate / share * inside_total * (w_out / w_out.sum())[:, None, None]
    )
    crimes = np.array(CATEGORIES) != ASB
    to_crimes = inside_total.sum() / inside_total[crimes].sum()  # all-row rate, crimes only
    lam_bg[kind == _KIND_NONE] = (
        config.no_location_rate / share * to_crimes * inside_total * crimes[:, None]
    )


def _expand_counts(counts: npt.NDArray[np.int64]) -> tuple[IntArray, IntArray, IntArray]:
    """One (point, category, month) triple per incident from a counts array of that shape."""
    flat = counts.ravel()
    nonzero = np.flatnonzero(flat)
    cells = np.repeat(nonzero, flat[nonzero])
    point, category, month = np.unravel_index(cells, counts.shape)
    return point.astype(np.int64), category.astype(np.int64), month.astype(np.int64)


def _hex_ids(rng: np.random.Generator, n: int) -> StrArray:
    """``n`` random 64-hex-character Crime IDs."""
    if n == 0:
        return np.array([], dtype="U64")
    return np.frombuffer(rng.bytes(32 * n).hex().encode("ascii"), dtype="S64").astype("U64")


def _outcomes(config: SyntheticConfig, rng: np.random.Generator, month: IntArray) -> StrArray:
    """Last outcome per crime row; recent months are mostly ``Under investigation``."""
    names = np.array([o for o, _ in OUTCOMES] + [UNDER_INVESTIGATION])
    probs = np.array([p for _, p in OUTCOMES])
    settled = rng.choice(len(OUTCOMES), size=len(month), p=probs / probs.sum())
    age = len(config.months) - 1 - month
    pending = rng.random(len(month)) < 0.6 * np.exp(-age / 2.0)
    return names[np.where(pending, len(OUTCOMES), settled)]


def _crime_ids(config: SyntheticConfig, rng: np.random.Generator, month: IntArray) -> StrArray:
    """Crime IDs for crime rows (sorted by month); a few reuse another ID from the same month."""
    ids = _hex_ids(rng, len(month))
    starts = np.searchsorted(month, month, side="left")
    ends = np.searchsorted(month, month, side="right")
    partner = starts + (rng.random(len(month)) * (ends - starts)).astype(np.int64)
    shared = rng.random(len(month)) < config.shared_crime_id_rate
    ids[shared] = ids[partner[shared]]
    return ids


def _incidents(
    config: SyntheticConfig, points: pd.DataFrame, lam_bg: FloatArray, lam_hs: FloatArray
) -> pd.DataFrame:
    """One row per generated incident (before the publication artefact), in file order.

    Columns: month (index), point, category (index into CATEGORIES), hotspot (disc index or -1),
    excess (True if drawn from the hotspot excess), crime_id and outcome ("" for ASB).
    """
    rng = _rng(config, 4)
    parts = [_expand_counts(rng.poisson(lam)) for lam in (lam_bg, lam_hs)]
    point, category, month = (np.concatenate([parts[0][i], parts[1][i]]) for i in range(3))
    excess = np.repeat([False, True], [len(parts[0][0]), len(parts[1][0])])
    rank = points["sort_rank"].to_numpy()[point]
    order = np.lexsort((excess, category, point, rank, month))
    frame = pd.DataFrame(
        {"month": month[order], "point": point[order], "category": category[order],
         "excess": excess[order]}
    )  # fmt: skip
    frame["hotspot"] = points["hotspot"].to_numpy()[frame["point"].to_numpy()]
    return _with_ids_and_outcomes(config, frame, rng)


def _with_ids_and_outcomes(
    config: SyntheticConfig, frame: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Add crime_id and outcome columns: empty for ASB rows, as police.uk publishes them."""
    crime = frame["category"].to_numpy() != CATEGORIES.index(ASB)
    month = frame["month"].to_numpy()[crime]
    ids = np.full(len(frame), "", dtype="U64")
    ids[crime] = _crime_ids(config, rng, month)
    if config.no_crime_ids_before is not None:
        ids[frame["month"].to_numpy() < config.month_index(config.no_crime_ids_before)] = ""
    outcome = np.full(len(frame), "", dtype=object)
    outcome[crime] = _outcomes(config, rng, month)
    return frame.assign(crime_id=ids.astype(object), outcome=outcome)


@dataclass(frozen=True)
class SyntheticDataset:
    """An in-memory synthetic dataset. Arrays are indexed (point, category, month).

    ``points`` is the map point table (see ``_build_points``); ``boundary`` is in BNG metres;
    ``lam_bg``/``lam_hs`` are the Poisson means (with the effect), ``effect`` the multiplier;
    ``incidents`` are the generated incidents, ``published`` the police.uk rows (incidents plus
    the artefact month's duplicates).
    """

    config: SyntheticConfig
    hotspots: tuple[PlantedHotspot, ...]
    boundary: Polygon
    points: pd.DataFrame
    lam_bg: FloatArray
    lam_hs: FloatArray
    effect: FloatArray
    incidents: pd.DataFrame
    published: pd.DataFrame


def _publish(config: SyntheticConfig, incidents: pd.DataFrame) -> pd.DataFrame:
    """Incident rows as published: the artefact month's category repeated ``factor`` times,
    then any further planted artefacts."""
    if config.artefact_month is not None:
        hit = (incidents["month"] == config.months.index(config.artefact_month)) & (
            incidents["category"] == CATEGORIES.index(config.artefact_category)
        )
        repeat = np.where(hit.to_numpy(), config.artefact_factor, 1)
        incidents = incidents.loc[incidents.index.repeat(repeat)].reset_index(drop=True)
    rng = _rng(config, 9)
    for artefact in config.artefacts:
        incidents = _plant(config, incidents, artefact, rng)
    return incidents


def _plant(
    config: SyntheticConfig, rows: pd.DataFrame, artefact: PlantedArtefact, rng: np.random.Generator
) -> pd.DataFrame:
    """The rows with one planted artefact (file order is kept)."""
    hit = rows["month"].to_numpy() == config.months.index(artefact.month)
    if artefact.category is not None:
        hit &= rows["category"].to_numpy() == CATEGORIES.index(artefact.category)
    if artefact.kind == "duplicated":
        repeat = np.where(hit, int(artefact.factor), 1)
        return rows.loc[rows.index.repeat(repeat)].reset_index(drop=True)
    keep = np.ones(len(rows), dtype=bool)
    if artefact.kind == "capped":
        cap = int(artefact.factor * hit.sum()) // 100 * 100
        keep[np.flatnonzero(hit)[cap:]] = False
    else:
        keep[hit] = rng.random(int(hit.sum())) < artefact.factor
    return rows[keep].reset_index(drop=True)


def published_categories(config: SyntheticConfig) -> list[list[str]]:
    """The category names each month is published under, indexed [month][category]:
    today's names, or the police.uk scheme of the month before ``old_schemes_before``."""
    names = []
    for month in config.months:
        if config.old_schemes_before is None or month >= config.old_schemes_before:
            names.append(list(CATEGORIES))
            continue
        covering = {c: row.published for row in scheme_of(month).categories for c in row.covers}
        names.append([covering[c] for c in CATEGORIES])
    return names


def build_dataset(config: SyntheticConfig) -> SyntheticDataset:
    """Generate the whole dataset in memory, deterministically from ``config.seed``."""
    hotspots = config.resolved_hotspots()
    boundary = make_boundary(config)
    _check_hotspots(boundary, hotspots)
    points = _build_points(config, boundary, hotspots)
    lam_bg, lam_hs, effect = _intensities(config, points, hotspots)
    incidents = _incidents(config, points, lam_bg, lam_hs)
    published = _publish(config, incidents)
    arrays = (lam_bg, lam_hs, effect)
    return SyntheticDataset(config, hotspots, boundary, points, *arrays, incidents, published)


def line_ending(config: SyntheticConfig, month: str) -> str:
    """Line terminator police.uk-style files use for ``month``: CRLF before ``crlf_before``."""
    return "\r\n" if _month_number(month) < _month_number(config.crlf_before) else "\n"


def _csv_field(values: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Text of one CSV column; if any value needs RFC 4180 quoting, the whole column is quoted."""
    array = np.asarray(values)
    text = array.astype(object) if array.dtype == object else array.astype(str).astype(object)
    if not any(ch in "".join(text.tolist()) for ch in ',"\r\n'):
        return text
    escaped = pd.Series(text, dtype=object).str.replace('"', '""', regex=False)
    return ('"' + escaped + '"').to_numpy(dtype=object)


def write_csv(frame: pd.DataFrame, path: Path, terminator: str) -> None:
    """Write ``frame`` (header + rows) as CSV with ``terminator`` after every line, byte-exact.

    Equivalent to ``to_csv(index=False)`` with minimal quoting, but vectorised (much faster).
    """
    header = ",".join(_csv_field(list(frame.columns)).tolist())
    body = _csv_field(frame.iloc[:, 0].to_numpy())
    for column in range(1, frame.shape[1]):
        body = body + "," + _csv_field(frame.iloc[:, column].to_numpy())
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(terminator.join([header, *body.tolist()]) + terminator)


def police_uk_path(config: SyntheticConfig, out_dir: Path, month: str) -> Path:
    """``out_dir/police-uk/YYYY-MM/YYYY-MM-<slug>-street.csv`` (police.uk download layout)."""
    return Path(out_dir) / "police-uk" / month / f"{month}-{config.force_slug}-street.csv"


def _police_uk_frame(ds: SyntheticDataset, rows: pd.DataFrame, month: str) -> pd.DataFrame:
    """police.uk street-level CSV columns for the given incident rows of one month."""
    pts = ds.points.iloc[rows["point"].to_numpy()]
    name = ds.config.force_name
    values: dict[str, Any] = {
        "Crime ID": rows["crime_id"].to_numpy(),
        "Month": month,
        "Reported by": name,
        "Falls within": name,
        "Longitude": pts["lon"].to_numpy(),
        "Latitude": pts["lat"].to_numpy(),
        "Location": pts["location"].to_numpy(),
        "LSOA code": pts["lsoa_code"].to_numpy(),
        "LSOA name": pts["lsoa_name"].to_numpy(),
        "Crime type": np.array(
            published_categories(ds.config)[ds.config.months.index(month)], dtype=object
        )[rows["category"].to_numpy()],
        "Last outcome category": rows["outcome"].to_numpy(),
        "Context": "",
    }
    return pd.DataFrame(values, columns=list(POLICE_UK_COLUMNS))


def police_uk_frame(ds: SyntheticDataset) -> pd.DataFrame:
    """Every published row of every month in police.uk's columns (what the files hold)."""
    published = ds.published
    bounds = np.searchsorted(published["month"].to_numpy(), np.arange(len(ds.config.months) + 1))
    frames = [
        _police_uk_frame(ds, published.iloc[bounds[m] : bounds[m + 1]], month)
        for m, month in enumerate(ds.config.months)
    ]
    return pd.concat(frames, ignore_index=True)


def write_police_uk(
    config: SyntheticConfig, out_dir: Path, dataset: SyntheticDataset | None = None
) -> list[Path]:
    """Write one police.uk street-level CSV per month; returns the paths in month order."""
    ds = dataset if dataset is not None else build_dataset(config)
    published = ds.published
    bounds = np.searchsorted(published["month"].to_numpy(), np.arange(len(config.months) + 1))
    paths = []
    for m, month in enumerate(config.months):
        path = police_uk_path(config, out_dir, month)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = _police_uk_frame(ds, published.iloc[bounds[m] : bounds[m + 1]], month)
        write_csv(frame, path, line_ending(config, month))
        paths.append(path)
    return paths


def hour_of_week_weights(pattern: str) -> FloatArray:
    """Probability of each local (Europe/London) hour of the week, shape (7 days from Mon, 24)."""
    _, base, windows = HOUR_PATTERNS[pattern]
    weights = base * np.tile(_DIURNAL, (7, 1))
    for days, hours, extra in windows:
        weights[np.ix_(days, hours)] += extra
    return weights / weights.sum()


def _calendar(config: SyntheticConfig) -> tuple[IntArray, IntArray, IntArray]:
    """Per month: first day-of-month for each weekday (M, 7), its occurrences (M, 7), days."""
    starts = np.array([np.datetime64(m, "D") for m in config.months])
    ends = np.array([np.datetime64(_month_label(_month_number(m) + 1), "D") for m in config.months])
    weekday1 = (starts.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
    first = 1 + (np.arange(7)[None, :] - weekday1[:, None]) % 7
    days = (ends - starts).astype(np.int64)
    return first, 1 + (days[:, None] - first) // 7, days


def _local_times(
    config: SyntheticConfig, rng: np.random.Generator, month: IntArray, patterns: StrArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Sample local day-of-month, hour and minute per row following each row's pattern.

    Times in the spring-forward gap (last Sunday of March, 01:00-01:59 Europe/London) do not
    exist locally; they move one hour later, as a clock would record them.
    """
    slot = np.zeros(len(month), dtype=np.int64)
    for name in sorted(set(patterns.tolist())):
        rows = patterns == name
        slot[rows] = rng.choice(168, size=int(rows.sum()), p=hour_of_week_weights(name).ravel())
    first, count, _ = _calendar(config)
    weekday, hour = slot // 24, slot % 24
    day = first[month, weekday] + 7 * (rng.random(len(month)) * count[month, weekday]).astype(int)
    months_of_year = np.array([_month_number(m) % 12 + 1 for m in config.months])[month]
    last_sunday = first[month, 6] + 7 * (count[month, 6] - 1)
    gap = (months_of_year == 3) & (day == last_sunday) & (hour == 1)
    return day, np.where(gap, 2, hour), rng.integers(0, 60, len(month))


def _row_patterns(ds: SyntheticDataset, rows: pd.DataFrame) -> StrArray:
    """Hour-of-week pattern per incident: the hotspot's for excess rows, else by category."""
    category = np.array(CATEGORIES)[rows["category"].to_numpy()]
    background = np.where(
        np.isin(category, list(_DAYTIME_CATEGORIES)), "background_day", "background_evening"
    )
    spot_patterns = np.array([s.pattern for s in ds.hotspots] + [""])
    own = spot_patterns[rows["hotspot"].to_numpy()]
    return np.where(rows["excess"].to_numpy(), own, background)


def _priorities(rng: np.random.Generator, category: IntArray) -> IntArray:
    """Call priority 1 (emergency) .. 4 (scheduled), skewed by category."""
    urgent = np.isin(np.array(CATEGORIES)[category], ["Robbery", "Possession of weapons"])
    violent = np.array(CATEGORIES)[category] == "Violence and sexual offences"
    cum = np.where(urgent[:, None], [0.3, 0.8, 0.95, 1.0], [0.03, 0.25, 0.7, 1.0])
    cum = np.where(violent[:, None], [0.15, 0.6, 0.9, 1.0], cum)
    return 1 + (rng.random(len(category))[:, None] > cum).sum(axis=1)


def _force_export_frame(ds: SyntheticDataset) -> pd.DataFrame:
    """Command-and-control export rows for incidents located inside the force (not published)."""
    cfg, rng = ds.config, _rng(ds.config, 6)
    inc = ds.incidents
    rows = inc[ds.points["kind"].to_numpy()[inc["point"].to_numpy()] == _KIND_INSIDE]
    month, category = rows["month"].to_numpy(), rows["category"].to_numpy()
    day, hour, minute = _local_times(cfg, rng, month, _row_patterns(ds, rows))
    pts = ds.points.iloc[rows["point"].to_numpy()]
    r, a = _EXPORT_JITTER_M * np.sqrt(rng.random(len(rows))), rng.uniform(0, 2 * np.pi, len(rows))
    frame = pd.DataFrame(
        {
            "month": month, "day": day, "hour": hour, "minute": minute,
            "Category": np.array(CATEGORIES)[category],
            "Easting": np.rint(pts["easting"].to_numpy() + r * np.cos(a)).astype(np.int64),
            "Northing": np.rint(pts["northing"].to_numpy() + r * np.sin(a)).astype(np.int64),
            "Priority": _priorities(rng, category),
            "Status": np.where(
                (month == len(cfg.months) - 1) & (rng.random(len(rows)) < 0.15), "Open", "Closed"
            ),
            "Location": (pts["street"] + ", " + pts["district"]).to_numpy(),
        }
    )  # fmt: skip
    return _stamp_and_number(cfg, frame)


def _stamp_and_number(config: SyntheticConfig, frame: pd.DataFrame) -> pd.DataFrame:
    """Sort by local time, format ``Created`` (DD/MM/YYYY HH:MM) and number per year."""
    frame = frame.sort_values(["month", "day", "hour", "minute"], kind="stable")
    year = np.array([int(m[:4]) for m in config.months])[frame["month"].to_numpy()]
    first_of_year = np.searchsorted(year, year, side="left")
    seq = np.arange(len(frame)) - first_of_year + 1
    two = np.array([f"{i:02d}" for i in range(60)], dtype=object)
    tail = np.array([f"/{m[5:7]}/{m[:4]} " for m in config.months], dtype=object)
    created = two[frame["day"].to_numpy()] + tail[frame["month"].to_numpy()]
    created = created + two[frame["hour"].to_numpy()] + ":" + two[frame["minute"].to_numpy()]
    refs = config.export_prefix + "-" + pd.Series(year).astype(str) + "-"
    refs = (refs + pd.Series(seq).astype(str).str.zfill(6)).to_numpy()
    return frame.assign(Reference=refs, Created=created)[list(FORCE_EXPORT_COLUMNS)]


def write_force_export(
    config: SyntheticConfig, out_dir: Path, dataset: SyntheticDataset | None = None
) -> Path:
    """Write ``force-export.csv``: timestamped command-and-control incidents (LF, local time).

    Easting/Northing are integer BNG metres within 30 m of the incident's map point; incidents
    outside the force or without location are not in the export, nor is the publication artefact.
    """
    ds = dataset if dataset is not None else build_dataset(config)
    path = Path(out_dir) / "force-export.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(_force_export_frame(ds), path, "\n")
    return path


def boundary_geojson(config: SyntheticConfig, boundary: Polygon | None = None) -> dict[str, Any]:
    """The force boundary as a GeoJSON FeatureCollection (one Polygon, lon/lat EPSG:4326)."""
    shape = boundary if boundary is not None else make_boundary(config)
    x, y = np.asarray(shape.exterior.coords).T
    lon, lat = bng_to_lonlat(x, y)
    ring = [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]
    feature = {
        "type": "Feature",
        "properties": {"name": config.force_name, "slug": config.force_slug, "source_crs": BNG_CRS},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    return {"type": "FeatureCollection", "features": [feature]}


def write_boundary(
    config: SyntheticConfig, out_dir: Path, dataset: SyntheticDataset | None = None
) -> Path:
    """Write ``boundary.geojson`` (FeatureCollection with one lon/lat Polygon)."""
    path = Path(out_dir) / "boundary.geojson"
    path.parent.mkdir(parents=True, exist_ok=True)
    geojson = boundary_geojson(config, None if dataset is None else dataset.boundary)
    path.write_text(json.dumps(geojson, indent=1) + "\n", encoding="utf-8")
    return path


def _r(value: float) -> float:
    """Round a float for JSON (4 decimals)."""
    return round(float(value), 4)


def _counts_by_hotspot(ds: SyntheticDataset, frame: pd.DataFrame) -> IntArray:
    """Row counts per (hotspot + 1, category, month); index 0 = rows outside every hotspot."""
    shape = (len(ds.hotspots) + 1, len(CATEGORIES), len(ds.config.months))
    hotspot, category = frame["hotspot"].to_numpy() + 1, frame["category"].to_numpy()
    cells = np.ravel_multi_index((hotspot, category, frame["month"].to_numpy()), shape)
    return np.bincount(cells, minlength=int(np.prod(shape))).reshape(shape)


def _period_summary(arrays: dict[str, npt.NDArray[Any]], months: slice) -> dict[str, float]:
    """Totals (all categories and ASB) over a month slice of named (category, month) arrays."""
    a = CATEGORIES.index(ASB)
    n_months = next(iter(arrays.values())).shape[1]
    out: dict[str, float] = {"months": len(range(*months.indices(n_months)))}
    for name, values in arrays.items():
        convert = _r if values.dtype.kind == "f" else int
        out[f"{name}_all"] = convert(values[:, months].sum())
        out[f"{name}_asb"] = convert(values[a, months].sum())
    return out


def _per_category(values: npt.NDArray[Any]) -> dict[str, list[float]]:
    """{category: monthly values} from a (category, month) array (floats rounded for JSON)."""
    convert = _r if values.dtype.kind == "f" else int
    return {c: [convert(v) for v in values[i]] for i, c in enumerate(CATEGORIES)}


def _hotspot_definition(spot: PlantedHotspot) -> dict[str, Any]:
    """JSON description of a planted hotspot (centre in BNG metres and lon/lat degrees)."""
    lon, lat = spot.lonlat()
    return {
        "id": spot.hotspot_id,
        "name": spot.name,
        "centre": {"easting": spot.easting, "northing": spot.northing, "lon": lon, "lat": lat},
        "radius_m": spot.radius_m,
        "intensity": spot.intensity,
        "categories": dict(spot.categories),
        "pattern": spot.pattern,
        "treated": spot.treated,
    }


def _hotspot_truth(
    ds: SyntheticDataset, h: int, generated: IntArray, published: IntArray
) -> dict[str, Any]:
    """Ground truth for hotspot ``h``: definition plus counts at map points within its radius."""
    disc = ds.points["hotspot"].to_numpy() == h
    expected = (ds.lam_bg[disc] + ds.lam_hs[disc]).sum(axis=0)
    arrays = {
        "expected": expected,
        "counterfactual": ((ds.lam_bg[disc] + ds.lam_hs[disc]) / ds.effect[disc]).sum(axis=0),
        "generated": generated[h + 1],
        "published": published[h + 1],
    }
    split = ds.config.month_index(ds.config.effect_start)
    background = (ds.lam_bg[disc] / ds.effect[disc]).sum(axis=(0, 1))
    # With planted artefacts the published rows differ from the generated ones in more than
    # the default artefact month: record them too (only then, so default output is unchanged).
    planted = {"published_monthly": _per_category(published[h + 1])} if ds.config.artefacts else {}
    return (
        planted
        | _hotspot_definition(ds.hotspots[h])
        | {
            "map_points": int(disc.sum()),
            "background_expected_monthly": [_r(v) for v in background],
            "expected_monthly": _per_category(expected),
            "generated_monthly": _per_category(generated[h + 1]),
            "before": _period_summary(arrays, slice(0, split)),
            "after": _period_summary(arrays, slice(split, None)),
        }
    )


def _table(values: npt.NDArray[Any], months: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Nest a (category, month) array as {month: {category: value}}."""
    by_category = _per_category(values)
    return {m: {c: by_category[c][j] for c in CATEGORIES} for j, m in enumerate(months)}


def _kind_counts(ds: SyntheticDataset, kind: int) -> list[int]:
    """Published rows per month at points of the given kind."""
    rows = ds.published
    rows = rows[ds.points["kind"].to_numpy()[rows["point"].to_numpy()] == kind]
    return np.bincount(rows["month"].to_numpy(), minlength=len(ds.config.months)).tolist()


def _effect_truth(ds: SyntheticDataset) -> dict[str, Any]:
    """The planted effect: start, sizes, treated/control ids and the implied all-crime change."""
    cfg = ds.config
    split = cfg.month_index(cfg.effect_start)
    treated = np.array([s.treated for s in ds.hotspots] + [False])[ds.points["hotspot"].to_numpy()]
    lam = (ds.lam_bg + ds.lam_hs)[treated][:, :, split:]
    counterfactual = (lam / ds.effect[treated][:, :, split:]).sum()
    return {
        "start": cfg.effect_start,
        "asb_reduction": cfg.asb_effect,
        "other_crime_reduction": cfg.crime_effect,
        "all_incident_reduction_expected": _r(1 - lam.sum() / counterfactual) if lam.size else 0.0,
        "applies_to": "every category's mean at map points within a treated hotspot's radius, "
        "months >= start; untreated hotspots and the rest of the force unchanged",
        "treated": [s.hotspot_id for s in ds.hotspots if s.treated],
        "control": [s.hotspot_id for s in ds.hotspots if not s.treated],
    }


def _pattern_truth() -> dict[str, Any]:
    """Hour-of-week patterns: description, peak window and its share, full 7x24 weights."""
    out: dict[str, Any] = {}
    for name, (description, _, windows) in HOUR_PATTERNS.items():
        weights = hour_of_week_weights(name)
        days, hours, _ = windows[0]
        out[name] = {
            "description": description,
            "peak_days": list(days),
            "peak_hours": list(hours),
            "peak_share": _r(weights[np.ix_(days, hours)].sum()),
            "weights": [[round(float(v), 6) for v in row] for row in weights],
        }
    return out


def _artefact_truth(ds: SyntheticDataset, generated: IntArray, published: IntArray) -> Any:
    """The planted publication artefact (None if disabled) with its row counts."""
    cfg = ds.config
    if cfg.artefact_month is None:
        return None
    cell = (CATEGORIES.index(cfg.artefact_category), cfg.months.index(cfg.artefact_month))
    return {
        "month": cfg.artefact_month,
        "category": cfg.artefact_category,
        "factor": cfg.artefact_factor,
        "kind": "duplicated: every row of the category in that month repeated factor times",
        "rows_generated": int(generated[cell]),
        "rows_published": int(published[cell]),
    }


def _quirks_truth(ds: SyntheticDataset) -> dict[str, Any]:
    """No Location and outside-the-force rows, map point counts and line endings."""
    cfg, kind = ds.config, ds.points["kind"]
    return {
        "no_location": {"rate": cfg.no_location_rate, "rows_by_month": _kind_counts(ds, 2)},
        "outside": {
            "rate": cfg.outside_rate,
            "distance_beyond_boundary_m": list(_OUTSIDE_RING_M),
            "rows_by_month": _kind_counts(ds, _KIND_OUTSIDE),
        },
        "map_points": {"inside": int((kind == 0).sum()), "outside": int((kind == 1).sum())},
        "line_endings": {m: "CRLF" if line_ending(cfg, m) == "\r\n" else "LF" for m in cfg.months},
    }


def ground_truth(ds: SyntheticDataset) -> dict[str, Any]:
    """The full ground truth as a JSON-ready dict (see :func:`write_ground_truth`)."""
    cfg = ds.config
    generated = _counts_by_hotspot(ds, ds.incidents)
    published = _counts_by_hotspot(ds, ds.published)
    trend: dict[str, Any] = {
        "annual": cfg.annual_trend,
        "seasonal_amplitude": cfg.seasonal_amplitude,
    }
    trend |= {"seasonal_peak_month": 7, "monthly_factor": [_r(f) for f in _time_factors(cfg)]}
    totals: dict[str, npt.NDArray[Any]] = {"expected": (ds.lam_bg + ds.lam_hs).sum(axis=0)}
    totals |= {"generated": generated.sum(axis=0), "published": published.sum(axis=0)}
    hotspots = [_hotspot_truth(ds, h, generated, published) for h in range(len(ds.hotspots))]
    return {
        "generator": "hotspots.synthetic",
        "seed": cfg.seed,
        "force": {"name": cfg.force_name, "slug": cfg.force_slug},
        "crs": {"internal": BNG_CRS, "published": WGS84_CRS, "lonlat_decimals": 6},
        "months": list(cfg.months),
        "categories": list(CATEGORIES),
        "trend": trend,
        "effect": _effect_truth(ds),
        "hotspots": hotspots,
        "patterns": _pattern_truth(),
        "artefact": _artefact_truth(ds, generated.sum(axis=0), published.sum(axis=0)),
        **_quirks_truth(ds),
        "totals": {name: _table(values, cfg.months) for name, values in totals.items()},
        **_history_truth(ds, generated.sum(axis=0), published.sum(axis=0)),
    }


def _history_truth(ds: SyntheticDataset, generated: IntArray, published: IntArray) -> dict:
    """The optional planted history (nothing when none is planted): category names per month,
    months without Crime IDs and each planted artefact with its rows per category."""
    cfg, out = ds.config, dict[str, Any]()
    if cfg.old_schemes_before is not None:
        names = published_categories(cfg)
        out["published_categories"] = {
            m: dict(zip(CATEGORIES, names[i], strict=True)) for i, m in enumerate(cfg.months)
        }
    if cfg.no_crime_ids_before is not None:
        out["no_crime_ids"] = [m for m in cfg.months if m < cfg.no_crime_ids_before]
    if cfg.artefacts:
        out["artefacts"] = [_planted_truth(cfg, a, generated, published) for a in cfg.artefacts]
    return out


def _planted_truth(
    cfg: SyntheticConfig, artefact: PlantedArtefact, generated: IntArray, published: IntArray
) -> dict[str, Any]:
    m = cfg.months.index(artefact.month)
    cats = range(len(CATEGORIES)) if artefact.category is None else [
        CATEGORIES.index(artefact.category)
    ]  # fmt: skip
    return {
        "month": artefact.month, "kind": artefact.kind, "category": artefact.category,
        "factor": artefact.factor,
        "rows_generated": {CATEGORIES[c]: int(generated[c, m]) for c in cats},
        "rows_published": {CATEGORIES[c]: int(published[c, m]) for c in cats},
    }  # fmt: skip


def write_ground_truth(
    config: SyntheticConfig, out_dir: Path, dataset: SyntheticDataset | None = None
) -> Path:
    """Write ``ground_truth.json`` (hotspots, effect, expected/generated counts, quirks)."""
    ds = dataset if dataset is not None else build_dataset(config)
    path = Path(out_dir) / "ground_truth.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ground_truth(ds), indent=1) + "\n", encoding="utf-8")
    return path


def generate_all(config: SyntheticConfig, out_dir: Path) -> dict[str, Any]:
    """Generate the dataset once and write every file; returns a summary of what was written."""
    started = time.perf_counter()
    ds = build_dataset(config)
    police_uk = write_police_uk(config, out_dir, ds)
    files = {
        "police_uk": police_uk,
        "force_export": write_force_export(config, out_dir, ds),
        "boundary": write_boundary(config, out_dir, ds),
        "ground_truth": write_ground_truth(config, out_dir, ds),
    }
    return {
        "files": files,
        "months": len(config.months),
        "police_uk_rows": len(ds.published),
        "incidents": len(ds.incidents),
        "hotspots": [s.hotspot_id for s in ds.hotspots],
        "seconds": round(time.perf_counter() - started, 2),
    }
