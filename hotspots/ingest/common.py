"""Shared validation for incident files: coordinates, categories and error collection."""

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from hotspots.ingest.errors import FileRejected, RowError
from hotspots.ingest.readers import as_text_stream

WGS84 = "EPSG:4326"
FIRST_DATA_LINE = 2  # line 1 is the header

# The normalised columns every parser returns, in this order.
COLUMNS = [
    "line", "month", "occurred_at", "category_id", "published_category", "longitude",
    "latitude", "x", "y",
    "has_location", "in_force_area", "location", "lsoa_code", "lsoa_name", "outcome",
    "reference", "context", "priority", "status",
]  # fmt: skip


@dataclass(frozen=True)
class Geography:
    """How to place rows: the projected CRS (metres) and an optional force boundary (lon/lat)."""

    projected_crs: str
    boundary: shapely.Geometry | None = None
    _transformers: dict = field(default_factory=dict, compare=False, repr=False)

    def transformer(self, source: str, target: str) -> Transformer:
        key = (source, target)
        if key not in self._transformers:
            self._transformers[key] = Transformer.from_crs(source, target, always_xy=True)
        return self._transformers[key]

    def project(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 lon/lat (degrees) to projected x/y (metres)."""
        return self.transformer(WGS84, self.projected_crs).transform(lon, lat)

    def inside(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        if self.boundary is None:
            return np.ones(len(lon), dtype=bool)
        return shapely.contains_xy(self.boundary, lon, lat)


@dataclass(frozen=True)
class ParsedFile:
    """A validated file: good rows in the normalised columns, and the errors of the bad ones."""

    name: str
    checksum: str
    rows: pd.DataFrame
    errors: list[RowError]
    rows_read: int
    falls_within: str | None = None

    @cached_property
    def months(self) -> list[str]:
        return sorted(self.rows["month"].unique().tolist())

    @property
    def rejected_lines(self) -> int:
        return len({e.line for e in self.errors})


class ErrorCollector:
    """Gathers vectorised checks: each check is a mask of bad rows with a field and a message."""

    def __init__(self, name: str, frame: pd.DataFrame, lines: np.ndarray):
        self.name = name
        self.frame = frame
        self.lines = lines
        self.bad = np.zeros(len(frame), dtype=bool)
        self.errors: list[RowError] = []

    def check(self, bad: np.ndarray, field_name: str, message: str, column: str | None = None):
        bad = np.asarray(bad, dtype=bool) & ~self.bad
        values = self.frame[column or field_name].to_numpy() if bad.any() else []
        for index in np.flatnonzero(bad):
            self.errors.append(
                RowError(self.name, int(self.lines[index]), field_name, message, str(values[index]))
            )
        self.bad |= bad


def check_categories(
    errors: ErrorCollector, names: pd.Series, categories: Mapping[str, int], field_name: str
) -> pd.Series:
    """Category ids from names or aliases, matched without regard to case or spacing."""
    ids = map_distinct(names, lambda name: categories.get(name.strip().lower()))
    errors.check(
        ids.isna().to_numpy(),
        field_name,
        "unknown category (add it or an alias in the category table)",
    )
    return ids


def map_distinct(values: pd.Series, function) -> pd.Series:
    """`function` applied once per distinct value: columns repeat a few values many times."""
    # A plain object array factorizes about twice as fast as a string Series.
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    mapped = pd.Series([function(value) for value in uniques], dtype=object)
    return pd.Series(mapped.to_numpy()[codes], index=values.index)


def check_coordinates(
    errors: ErrorCollector, frame: pd.DataFrame, x_field: str, y_field: str, bounds: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers within `bounds` (xmin, xmax, ymin, ymax), or both empty for 'no location'."""
    x, empty_x = _numbers(frame[x_field])
    y, empty_y = _numbers(frame[y_field])
    for name, raw_empty, other_empty, values in (
        (x_field, empty_x, empty_y, x),
        (y_field, empty_y, empty_x, y),
    ):
        errors.check(raw_empty & ~other_empty, name, "missing while the other coordinate is given")
        errors.check(~raw_empty & np.isnan(values), name, "is not a number")
    xmin, xmax, ymin, ymax = bounds
    with np.errstate(invalid="ignore"):
        errors.check((x < xmin) | (x > xmax), x_field, f"is out of range ({xmin} to {xmax})")
        errors.check((y < ymin) | (y > ymax), y_field, f"is out of range ({ymin} to {ymax})")
    has_location = ~(empty_x & empty_y) & ~np.isnan(x) & ~np.isnan(y)
    return x, y, has_location


def _numbers(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Floats (NaN where empty or not a number) and the mask of empty fields."""
    text = raw.to_numpy(dtype=object)
    empty = text == ""
    numbers = np.full(len(text), np.nan)
    try:
        numbers[~empty] = text[~empty].astype(float)
    except ValueError:  # some are not numbers: convert one by one
        numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    return numbers, empty


def place(
    geography: Geography, lon: np.ndarray, lat: np.ndarray, has_location: np.ndarray
) -> dict[str, np.ndarray]:
    """Projected x/y and the in-force-area flag for located rows (NaN/False otherwise)."""
    x = np.full(len(lon), np.nan)
    y = np.full(len(lon), np.nan)
    inside = np.zeros(len(lon), dtype=bool)
    if has_location.any():
        x[has_location], y[has_location] = geography.project(lon[has_location], lat[has_location])
        inside[has_location] = geography.inside(lon[has_location], lat[has_location])
    return {"x": x, "y": y, "in_force_area": inside}


def line_hashes(lines: list[str], numbers: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each numbered line's raw text: identical rows have identical lines.
    The hash is Python's own string hash, so compare hashes only within one process."""
    if not len(numbers):
        return np.zeros(0, np.int64)
    return np.fromiter(map(hash, lines), dtype=np.int64, count=len(lines))[numbers - 1]


def read_table(
    text: str, name: str, expected: list[str] | None = None
) -> tuple[pd.DataFrame, np.ndarray, list[RowError], list[str]]:
    """All fields as strings, with each row's line number; malformed rows become errors.
    Also returns the raw lines (line n is at index n - 1)."""
    if not text or text.isspace():
        raise FileRejected([RowError(name, 1, None, "the file is empty")])
    lines = text.split("\n")
    header = [c.strip() for c in next(csv.reader([lines[0]]))]
    _check_header(name, header, expected)
    body = lines[1:-1] if lines[-1] == "" else lines[1:]  # a final line break ends no line
    blank = _blank(body)
    if not _regular(text, lines[0], len(body) - int(blank.sum()), len(header)):
        return (*_read_row_by_row(text, name, header), lines)
    try:
        frame = pd.read_csv(
            io.BytesIO(text.encode("utf-8")), dtype=str, keep_default_na=False,
            na_filter=False, skip_blank_lines=False, engine="c",
        )  # fmt: skip
    except pd.errors.ParserError:
        return (*_read_row_by_row(text, name, header), lines)
    frame.columns = header
    numbers = np.arange(FIRST_DATA_LINE, FIRST_DATA_LINE + len(frame))
    if blank.any() or "\n" + "," * (len(header) - 1) in text:  # blank lines or empty rows
        empty = (frame == "").all(axis=1).to_numpy()
        frame, numbers = frame[~empty].reset_index(drop=True), numbers[~empty]
    return frame, numbers, [], lines


def _blank(lines: list[str]) -> np.ndarray:
    """Which lines are empty (a lone carriage return counts as empty)."""
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    blank = lengths == 0
    for index in np.flatnonzero(lengths == 1):
        blank[index] = lines[index] == "\r"
    return blank


def _regular(text: str, header_line: str, rows: int, width: int) -> bool:
    """Whether every non-blank line is one row of `width` fields, so that the fast reader's
    line numbers are exact and no row is short. Without quotes, counting commas settles it; a
    row with too many fields makes the fast reader fail, so rows cannot cancel each other out."""
    if '"' in text:
        return _regular_lines(pd.Series(text.splitlines()), width)
    return text.count(",") - header_line.count(",") == (width - 1) * rows


def _regular_lines(lines: pd.Series, width: int) -> bool:
    body = lines.iloc[1:]
    quotes = body.str.count('"')
    if (quotes % 2).any():
        return False  # a quoted line break: rows and lines differ
    fields = body.str.count(",") + 1
    quoted = quotes > 0
    if quoted.any():
        fields[quoted] = [len(row) for row in csv.reader(body[quoted].tolist())]
    blank = body.str.strip() == ""
    return bool(((fields == width) | blank).all())


def _read_row_by_row(text: str, name: str, header: list[str]):
    """The careful reader: names every line whose field count differs from the header's."""
    reader = csv.reader(as_text_stream(text))
    next(reader)
    good, numbers, errors = [], [], []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            message = f"has {len(row)} fields, the header has {len(header)}"
            errors.append(RowError(name, reader.line_num, None, message))
            continue
        good.append(row)
        numbers.append(reader.line_num)
    return pd.DataFrame(good, columns=header, dtype=str), np.array(numbers, dtype=int), errors


def _check_header(name: str, header: list[str], expected: list[str] | None) -> None:
    if expected is None or header == expected:
        return
    missing = [c for c in expected if c not in header]
    unexpected = [c for c in header if c not in expected]
    detail = []
    if missing:
        detail.append("missing " + ", ".join(repr(c) for c in missing))
    if unexpected:
        detail.append("unexpected " + ", ".join(repr(c) for c in unexpected))
    if not detail:
        detail.append("columns are in the wrong order")
    raise FileRejected([RowError(name, 1, None, "wrong header: " + "; ".join(detail))])


def normalised(frame: pd.DataFrame, **columns) -> pd.DataFrame:
    """A frame with exactly COLUMNS, filling absent text columns with ''."""
    out = pd.DataFrame({name: columns.get(name, "") for name in COLUMNS}, index=frame.index)
    return out
