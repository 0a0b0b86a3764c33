"""Synthetic police.uk street-level files at national scale: millions of fictional incidents
over England and Wales, one file per month, for load tests of the import, hotspot runs and
evaluations.

Everything is fictional except the coordinate reference systems and a coarse outline of
England and Wales. Towns of Zipf-like sizes are scattered inside the outline (British National
Grid, metres); police.uk-like map points cluster around them, a few in the countryside, and
every incident is snapped to a map point chosen with a heavy-tailed weight, so that map points
stack incidents and busy streets stand out as hotspots. The country is split among
`forces` fictional forces (the nearest of as many force seats), named in "Reported by" and
"Falls within".

Each month's rows are written as one police.uk CSV (`YYYY-MM/YYYY-MM-<slug>-street.csv`, the
download layout), assembled from text prepared once per map point, category and outcome, so
that writing six million rows takes seconds rather than minutes.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from hotspots.formats import POLICE_UK_COLUMNS
from hotspots.synthetic import (
    ASB,
    DEFAULT_BASE_RATES,
    OUTCOMES,
    SPECIAL_PLACES,
    STREET_STEMS,
    STREET_SUFFIXES,
    bng_to_lonlat,
    lonlat_to_bng,
    month_range,
)

# A coarse outline of England and Wales (lon, lat), enough to keep towns off the open sea.
OUTLINE_LONLAT = (
    (-5.7, 50.0), (-4.2, 50.3), (-3.0, 50.6), (-1.0, 50.7), (1.0, 50.9), (1.5, 51.3),
    (1.7, 52.6), (0.3, 53.1), (0.0, 53.6), (-1.2, 54.6), (-1.6, 55.6), (-2.1, 55.8),
    (-3.0, 55.0), (-3.4, 54.4), (-3.0, 53.9), (-3.1, 53.3), (-4.6, 53.3), (-4.5, 52.8),
    (-4.1, 52.4), (-5.3, 51.9), (-4.2, 51.5), (-3.3, 51.4), (-3.0, 51.2), (-4.2, 51.1),
    (-5.7, 50.0),
)  # fmt: skip
NO_LOCATION_SHARE = 0.01  # police.uk rows published without a map point


@dataclass(frozen=True)
class NationalConfig:
    rows: int = 6_000_000
    first_month: str = "2024-01"
    last_month: str = "2025-12"
    forces: int = 43
    towns: int = 400
    map_points: int = 300_000
    lsoas: int = 35_000
    rural_share: float = 0.08  # map points scattered outside the towns
    seed: int = 2017
    slug: str = "england-and-wales"

    @property
    def months(self) -> tuple[str, ...]:
        return month_range(self.first_month, self.last_month)


def national_outline() -> shapely.Polygon:
    """The outline in British National Grid metres."""
    lon, lat = np.array(OUTLINE_LONLAT).T
    x, y = lonlat_to_bng(lon, lat)
    return shapely.Polygon(np.column_stack([x, y]))


def _inside_outline(rng: np.random.Generator, n: int, outline: shapely.Polygon) -> np.ndarray:
    """n points drawn uniformly inside the outline."""
    xmin, ymin, xmax, ymax = outline.bounds
    shapely.prepare(outline)
    found: list[np.ndarray] = []
    total = 0
    while total < n:
        xy = rng.uniform((xmin, ymin), (xmax, ymax), size=(2 * n, 2))
        xy = xy[shapely.contains_xy(outline, xy[:, 0], xy[:, 1])]
        found.append(xy)
        total += len(xy)
    return np.concatenate(found)[:n]


def _nearest(points: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    from scipy.spatial import cKDTree

    return cKDTree(seeds).query(points)[1].astype(np.int64)


@dataclass(frozen=True)
class _Country:
    """Map points (their text up to and including the LSOA name) and their weights."""

    point_text: np.ndarray  # object: "Reported by,Falls within,Longitude,Latitude,...,LSOA name"
    point_weight: np.ndarray  # probabilities summing to 1


def _country(config: NationalConfig, rng: np.random.Generator) -> _Country:
    outline = national_outline()
    shapely.prepare(outline)
    towns = _inside_outline(rng, config.towns, outline)
    size = 1.0 / np.arange(1, config.towns + 1) ** 1.1  # Zipf-like: a few cities, many towns
    spread = 1500 + 9000 * np.sqrt(size / size[0])  # metres
    n_rural = int(config.map_points * config.rural_share)
    n_urban = config.map_points - n_rural
    town = rng.choice(config.towns, size=n_urban, p=size / size.sum())
    urban = towns[town] + rng.normal(size=(n_urban, 2)) * spread[town, None]
    keep = shapely.contains_xy(outline, urban[:, 0], urban[:, 1])
    points = np.concatenate(
        [urban[keep], _inside_outline(rng, config.map_points - keep.sum(), outline)]
    )
    lon, lat = bng_to_lonlat(points[:, 0], points[:, 1])

    seats = towns[: config.forces] if config.forces <= config.towns else towns
    force_names = np.array([f"Synthetic Force {i + 1:02d} Police" for i in range(len(seats))])
    force = force_names[_nearest(points, seats)]

    lsoa_seeds = points[rng.choice(len(points), size=min(config.lsoas, len(points)), replace=False)]
    lsoa = _nearest(points, lsoa_seeds)
    lsoa_town = _nearest(lsoa_seeds, towns)
    lsoa_code = np.char.add(
        "E01", np.char.zfill((900_000 + np.arange(len(lsoa_seeds))).astype(str), 6)
    )
    lsoa_name = np.char.add(
        np.char.add("Town ", (lsoa_town + 1).astype(str)),
        np.char.add(" ", np.char.zfill((np.arange(len(lsoa_seeds)) % 999 + 1).astype(str), 3)),
    )
    lsoa_name = np.char.add(lsoa_name, "A")

    streets = np.char.add(
        np.char.add(rng.choice(np.array(STREET_STEMS), size=len(points)), " "),
        rng.choice(np.array(STREET_SUFFIXES), size=len(points)),
    )
    special = rng.random(len(points)) < 0.06
    streets[special] = rng.choice(np.array(SPECIAL_PLACES), size=int(special.sum()))
    location = np.char.add("On or near ", streets)

    fields = [force, force, np.char.mod("%.6f", lon), np.char.mod("%.6f", lat), location,
              lsoa_code[lsoa], lsoa_name[lsoa]]  # fmt: skip
    text = fields[0].astype(object)
    for column in fields[1:]:
        text = text + "," + column.astype(object)
    weight = rng.lognormal(0.0, 1.3, size=len(points))
    return _Country(point_text=text, point_weight=weight / weight.sum())


def _crime_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random 64-hex Crime IDs (as object strings)."""
    raw = binascii.hexlify(rng.bytes(32 * n))
    return np.frombuffer(raw, dtype="S64").astype("U64").astype(object)


def write_national_police_uk(config: NationalConfig, out_dir: Path) -> list[Path]:
    """Write one police.uk street-level CSV per month of `config` under `out_dir`; returns
    their paths in month order. The same config always writes the same bytes."""
    rng = np.random.default_rng(config.seed)
    country = _country(config, rng)
    categories = np.array([name for name, _ in DEFAULT_BASE_RATES], dtype=object)
    rates = np.array([rate for _, rate in DEFAULT_BASE_RATES])
    outcome_names = np.array([name for name, _ in OUTCOMES], dtype=object)
    outcome_p = np.array([p for _, p in OUTCOMES])
    asb = int(np.flatnonzero(categories == ASB)[0])
    months = config.months
    per_month = rng.multinomial(config.rows, np.full(len(months), 1 / len(months)))
    header = ",".join(POLICE_UK_COLUMNS)
    no_location = ",,No Location,,"  # no longitude, latitude or LSOA
    paths = []
    for month, n in zip(months, per_month, strict=True):
        category = rng.choice(len(categories), size=n, p=rates / rates.sum())
        point = rng.choice(len(country.point_text), size=n, p=country.point_weight)
        crime = category != asb
        crime_id = np.full(n, "", dtype=object)
        crime_id[crime] = _crime_ids(rng, int(crime.sum()))
        outcome = np.full(n, "", dtype=object)
        outcome[crime] = outcome_names[rng.choice(len(outcome_names), size=int(crime.sum()),
                                                  p=outcome_p / outcome_p.sum())]  # fmt: skip
        located = country.point_text[point]
        unlocated = rng.random(n) < NO_LOCATION_SHARE
        forces = np.array([text.split(",", 2)[:2] for text in located[unlocated]], dtype=object)
        if len(forces):
            located[unlocated] = forces[:, 0] + "," + forces[:, 1] + "," + no_location
        lines = crime_id + f",{month}," + located + "," + categories[category] + "," + outcome + ","
        path = Path(out_dir) / month / f"{month}-{config.slug}-street.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(header + "\n")
            handle.write("\n".join(lines.tolist()))
            handle.write("\n")
        paths.append(path)
    return paths
