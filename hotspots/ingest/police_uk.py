"""police.uk street-level CSVs: one month per file, published lon/lat snapped to map points."""

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from hotspots.formats import POLICE_UK_COLUMNS
from hotspots.ingest.common import (
    ErrorCollector,
    Geography,
    ParsedFile,
    check_categories,
    check_coordinates,
    line_hashes,
    map_distinct,
    normalised,
    place,
    read_table,
)
from hotspots.ingest.readers import Source, decode

HEADER = list(POLICE_UK_COLUMNS)
MONTH_PATTERN = r"\d{4}-(?:0[1-9]|1[0-2])"


def parse_police_uk(
    source: Source, *, categories: Mapping[str, int], geography: Geography
) -> ParsedFile:
    """Validate one police.uk CSV. Every row is kept, exact duplicates included: they are
    separate incidents at a shared map point. Rows without coordinates are kept unlocated."""
    text = decode(source)
    frame, lines, structural, raw_lines = read_table(text, source.name, HEADER)
    errors = ErrorCollector(source.name, frame, lines)
    errors.errors.extend(structural)
    month = map_distinct(frame["Month"], _month)
    errors.check(month.isna().to_numpy(), "Month", "is not a month YYYY-MM")
    category_ids = check_categories(errors, frame["Crime type"], categories, "Crime type")
    lon, lat, located = check_coordinates(
        errors, frame, "Longitude", "Latitude", (-180, 180, -90, 90)
    )
    rows = _normalise(frame, month, category_ids, lon, lat, located, lines, geography)
    rows["row_hash"] = line_hashes(raw_lines, lines)
    if errors.bad.any():
        rows = rows[~errors.bad].reset_index(drop=True)
    return ParsedFile(
        name=source.name,
        checksum=source.checksum,
        rows=rows,
        errors=sorted(errors.errors, key=lambda e: (e.line or 0, e.field or "")),
        rows_read=len(frame) + len(structural),
        falls_within=_commonest(frame["Falls within"]),
    )


def _normalise(frame, month, category_ids, lon, lat, located, lines, geography) -> pd.DataFrame:
    placed = place(geography, lon, lat, located)
    return normalised(
        frame,
        line=lines,
        month=month,
        occurred_at=pd.NaT,
        category_id=category_ids.fillna(0).astype("int64"),
        published_category=map_distinct(frame["Crime type"], str.strip),
        longitude=np.where(located, lon, np.nan),
        latitude=np.where(located, lat, np.nan),
        has_location=located,
        location=frame["Location"],
        lsoa_code=frame["LSOA code"],
        lsoa_name=frame["LSOA name"],
        outcome=frame["Last outcome category"],
        reference=frame["Crime ID"],
        context=frame["Context"],
        **placed,
    )


def _month(value: str) -> str | None:
    value = value.strip()
    return value if re.fullmatch(MONTH_PATTERN, value) else None


def _commonest(values: pd.Series) -> str | None:
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    if not len(uniques):
        return None
    return str(uniques[np.bincount(codes[codes >= 0]).argmax()])
