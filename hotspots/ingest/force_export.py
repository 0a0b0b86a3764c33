"""Force exports (command-and-control or records-system CSVs) read through a column mapping.

A mapping is JSON naming the file's columns for each field; see docs/force-export-mapping.md and
`examples/force-export-mapping.json`. Times are local (Europe/London by default): during the
autumn clock change the repeated hour is read as the first (summer-time) one, and a time that
does not exist in spring is moved forward to the first valid minute.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hotspots.ingest.common import (
    ErrorCollector,
    Geography,
    ParsedFile,
    check_categories,
    check_coordinates,
    normalised,
    place,
    read_table,
)
from hotspots.ingest.errors import FileRejected, RowError
from hotspots.ingest.readers import Source, decode

# Plausible projected coordinates for Great Britain, metres (EPSG:27700 false origin).
PROJECTED_BOUNDS = (0, 800_000, 0, 1_300_000)
LONLAT_BOUNDS = (-180, 180, -90, 90)


@dataclass(frozen=True)
class ExportMapping:
    """Which column of the export holds each field."""

    reference: str
    occurred_at: str
    category: str
    longitude: str | None = None
    latitude: str | None = None
    easting: str | None = None
    northing: str | None = None
    coordinates_crs: str = "EPSG:27700"
    occurred_at_format: str | None = None
    timezone: str = "Europe/London"
    priority: str | None = None
    status: str | None = None
    location: str | None = None
    category_map: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping, source: str = "mapping") -> "ExportMapping":
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"{source}: unknown keys {', '.join(unknown)}; known: {sorted(known)}")
        missing = [k for k in ("reference", "occurred_at", "category") if not data.get(k)]
        if missing:
            raise ValueError(f"{source}: the mapping must name columns for {', '.join(missing)}")
        mapping = cls(**data)
        if bool(mapping.longitude and mapping.latitude) == bool(
            mapping.easting and mapping.northing
        ):
            raise ValueError(
                f"{source}: give either longitude+latitude or easting+northing columns"
            )
        return mapping

    @property
    def projected(self) -> bool:
        return bool(self.easting)

    @property
    def coordinate_columns(self) -> tuple[str, str]:
        pair = (self.easting, self.northing) if self.projected else (self.longitude, self.latitude)
        assert pair[0] and pair[1], "from_dict checks that one pair is given"
        return pair[0], pair[1]

    def columns(self) -> list[str]:
        names = [
            self.reference, self.occurred_at, self.category, self.longitude, self.latitude,
            self.easting, self.northing, self.priority, self.status, self.location,
        ]  # fmt: skip
        return [n for n in names if n]


def parse_force_export(
    source: Source, *, mapping: ExportMapping, categories: Mapping[str, int], geography: Geography
) -> ParsedFile:
    """Validate a force export. References must be unique within the file."""
    frame, lines, structural, _ = read_table(decode(source), source.name)
    _require_columns(source.name, frame, mapping)
    errors = ErrorCollector(source.name, frame, lines)
    errors.errors.extend(structural)
    _check_references(errors, frame[mapping.reference], mapping.reference)
    occurred = _timestamps(errors, frame, mapping)
    names = frame[mapping.category].map(lambda v: mapping.category_map.get(v.strip(), v))
    category_ids = check_categories(errors, names, categories, mapping.category)
    lon, lat, located = _coordinates(errors, frame, mapping, geography)
    rows = _normalise(frame, mapping, lines, occurred, category_ids, lon, lat, located, geography)
    return ParsedFile(
        name=source.name,
        checksum=source.checksum,
        rows=rows[~errors.bad].reset_index(drop=True),
        errors=sorted(errors.errors, key=lambda e: (e.line or 0, e.field or "")),
        rows_read=len(frame) + len(structural),
    )


def _require_columns(name: str, frame: pd.DataFrame, mapping: ExportMapping) -> None:
    missing = [c for c in mapping.columns() if c not in frame.columns]
    if missing:
        found = ", ".join(repr(c) for c in frame.columns)
        message = f"wrong header: missing {', '.join(repr(c) for c in missing)} (found {found})"
        raise FileRejected([RowError(name, 1, None, message)])


def _check_references(errors: ErrorCollector, refs: pd.Series, column: str) -> None:
    stripped = refs.str.strip()
    errors.check((stripped == "").to_numpy(), column, "is empty; every row needs a reference")
    repeated = stripped.duplicated(keep="first") & (stripped != "")
    errors.check(repeated.to_numpy(), column, "repeats a reference given earlier in the file")


def _timestamps(errors: ErrorCollector, frame: pd.DataFrame, mapping: ExportMapping) -> pd.Series:
    raw = frame[mapping.occurred_at].str.strip()
    if mapping.occurred_at_format:
        parsed = pd.to_datetime(raw, format=mapping.occurred_at_format, errors="coerce")
    else:
        parsed = pd.to_datetime(raw, format="ISO8601", errors="coerce", utc=True)
    expected = mapping.occurred_at_format or "an ISO 8601 date and time"
    errors.check(parsed.isna().to_numpy(), mapping.occurred_at, f"is not a time in {expected}")
    if parsed.dt.tz is None:
        parsed = parsed.dt.tz_localize(
            mapping.timezone,
            ambiguous=np.ones(len(parsed), dtype=bool),
            nonexistent="shift_forward",
        )
    return parsed.dt.tz_convert("UTC")


def _coordinates(errors, frame, mapping: ExportMapping, geography: Geography):
    x_column, y_column = mapping.coordinate_columns
    if not mapping.projected:
        return check_coordinates(errors, frame, x_column, y_column, LONLAT_BOUNDS)
    east, north, located = check_coordinates(errors, frame, x_column, y_column, PROJECTED_BOUNDS)
    lon, lat = np.full(len(east), np.nan), np.full(len(east), np.nan)
    if located.any():
        to_wgs84 = geography.transformer(mapping.coordinates_crs, "EPSG:4326")
        lon[located], lat[located] = to_wgs84.transform(east[located], north[located])
    return np.round(lon, 6), np.round(lat, 6), located


def _normalise(frame, mapping, lines, occurred, category_ids, lon, lat, located, geography):
    local = occurred.dt.tz_convert(mapping.timezone)
    text = {
        name: frame[column].str.strip() if column else ""
        for name, column in (
            ("priority", mapping.priority),
            ("status", mapping.status),
            ("location", mapping.location),
            ("published_category", mapping.category),
        )
    }
    return normalised(
        frame,
        line=lines,
        month=local.dt.strftime("%Y-%m"),
        occurred_at=occurred,
        category_id=category_ids.fillna(0).astype("int64"),
        longitude=np.where(located, lon, np.nan),
        latitude=np.where(located, lat, np.nan),
        has_location=located,
        reference=frame[mapping.reference].str.strip(),
        **text,
        **place(geography, lon, lat, located),
    )
