"""PostgreSQL binary COPY data built with numpy, a whole frame at a time.

Formatting rows one by one costs more than the server spends storing them; here the
fixed-width fields of all rows are laid out in one structured array per pattern of NULLs, and
text fields are encoded once per distinct value. The layout is the one in the PostgreSQL
manual ("COPY", binary format): a signature, then per row a 16-bit field count and per field a
32-bit length (-1 for NULL) and the value in network byte order; a 16-bit -1 ends the data.
"""

from collections.abc import Sequence
from itertools import chain

import numpy as np
import pandas as pd

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
NULL = (-1).to_bytes(4, "big", signed=True)
PG_EPOCH = np.datetime64("2000-01-01", "D")

# Binary layout of each supported kind: numpy type of the value (None for variable length).
FIXED = {"int8": ">i8", "int4": ">i4", "date": ">i4", "timestamptz": ">i8", "float8": ">f8",
         "bool": "u1"}  # fmt: skip

# Django internal field types to binary COPY kinds.
DJANGO_KINDS = {
    "AutoField": "int4", "BigAutoField": "int8", "BigIntegerField": "int8",
    "ForeignKey": "int8", "IntegerField": "int4", "PositiveIntegerField": "int4",
    "SmallIntegerField": "int4", "FloatField": "float8", "BooleanField": "bool",
    "DateField": "date", "DateTimeField": "timestamptz", "CharField": "text",
    "TextField": "text", "SlugField": "text",
}  # fmt: skip


def column_kind(model, name: str) -> str:
    """The binary kind of a model column (by attribute or column name)."""
    field = next(f for f in model._meta.concrete_fields if name in (f.attname, f.column))
    internal = field.get_internal_type()
    if internal == "ForeignKey":
        internal = field.target_field.get_internal_type()
        if internal == "AutoField":
            return "int4"
    if internal not in DJANGO_KINDS:
        raise TypeError(f"{model.__name__}.{name}: no binary COPY encoding for {internal}")
    return DJANGO_KINDS[internal]


def encode_rows(frame: pd.DataFrame, kinds: Sequence[tuple[str, str]]) -> tuple[list[str], bytes]:
    """Binary COPY rows (no signature or trailer) for `frame`'s columns, and the column order
    they are written in: fixed-width columns first, then text. NaN, NaT and None are NULL.

    The rows are written grouped by their pattern of NULLs, so their order may differ from
    the frame's; a table has no row order, so COPY does not care.
    """
    fixed = [(name, kind) for name, kind in kinds if kind != "text"]
    text = [name for name, kind in kinds if kind == "text"]
    order = [name for name, _ in fixed] + text
    if frame.empty:
        return order, b""
    values, nulls = {}, {}
    for name, kind in fixed:
        values[name], nulls[name] = _fixed_values(frame[name], kind)
    pattern = _null_pattern([nulls[name] for name, _ in fixed])
    sequence = np.argsort(pattern, kind="stable")
    pattern = pattern[sequence]
    # Text columns in front that hold one value throughout join the fixed-width part.
    encoded = [_text_fields(frame[name].to_numpy(dtype=object)) for name in text]
    shared = 0
    while shared < len(encoded) and _constant(*encoded[shared]):
        shared += 1
    tail = b"".join(fields[0] for _, fields in encoded[:shared])
    heads = _fixed_parts(fixed, values, nulls, sequence, pattern, len(order), tail)
    texts = [fields[codes[sequence]].tolist() for codes, fields in _runs(encoded[shared:])]
    return order, b"".join(chain.from_iterable(zip(heads, *texts, strict=True)))


def _constant(codes: np.ndarray, fields: np.ndarray) -> bool:
    return len(fields) == 2 and codes.min() == 0  # one value (and NULL, unused)


def _runs(encoded: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Neighbouring columns with few distinct values encoded as one: each distinct
    combination's fields are joined once, and each row takes one piece instead of several."""
    runs: list[list[tuple[np.ndarray, np.ndarray]]] = []
    for column in encoded:
        if _few(column) and runs and _few(runs[-1][-1]):
            runs[-1].append(column)
        else:
            runs.append([column])
    return [run[0] if len(run) == 1 else _combined(run) for run in runs]


def _few(column: tuple[np.ndarray, np.ndarray]) -> bool:
    codes, fields = column
    return len(fields) - 1 <= len(codes) // 2


def _combined(run: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    combination = np.zeros(len(run[0][0]), dtype=np.int64)
    for codes, fields in run:
        codes = np.where(codes < 0, len(fields) - 1, codes)
        combination, _ = pd.factorize(combination * len(fields) + codes)
    first = np.empty(combination.max() + 1, dtype=np.int64)
    first[combination[::-1]] = np.arange(len(combination))[::-1]  # first row of each
    pieces = [fields[codes[first]] for codes, fields in run]
    return combination, np.array(list(map(b"".join, zip(*pieces, strict=True))), dtype=object)


def _fixed_values(series: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Values in their binary numpy type, and the NULL mask."""
    if kind == "date":
        days = pd.to_datetime(series).to_numpy("datetime64[D]")
        null = np.isnat(days)
        return (days - PG_EPOCH).astype(np.int64).astype(FIXED[kind]), null
    if kind == "timestamptz":
        stamps = pd.to_datetime(series, utc=True).dt.tz_localize(None).to_numpy("datetime64[us]")
        null = np.isnat(stamps)
        epoch = PG_EPOCH.astype("datetime64[us]")
        return (stamps - epoch).astype(np.int64).astype(FIXED[kind]), null
    if kind == "float8":
        array = series.to_numpy(dtype=float, na_value=np.nan)
        return array.astype(FIXED[kind]), np.isnan(array)
    null = series.isna().to_numpy()
    filled = series.where(~null, 0) if null.any() else series
    return filled.to_numpy().astype(FIXED[kind]), null


def _null_pattern(nulls: list[np.ndarray]) -> np.ndarray:
    pattern = np.zeros(len(nulls[0]) if nulls else 0, dtype=np.int64)
    for bit, null in enumerate(nulls):
        pattern |= null.astype(np.int64) << bit
    return pattern


def _fixed_parts(fixed, values, nulls, sequence, pattern, field_count, tail) -> list[bytes]:
    """One bytes object per row: the field count, every fixed-width field and the `tail`
    bytes, one structured array per NULL pattern."""
    parts: list[bytes] = []
    starts = np.flatnonzero(np.r_[True, pattern[1:] != pattern[:-1]])
    for start, end in zip(starts, [*starts[1:], len(pattern)], strict=True):
        rows = sequence[start:end]
        layout = [("count", ">i2")]
        for name, kind in fixed:
            layout.append((f"{name}_len", ">i4"))
            if not nulls[name][rows[0]]:
                layout.append((name, FIXED[kind]))
        if tail:
            layout.append(("tail", f"V{len(tail)}"))
        block = np.empty(len(rows), dtype=np.dtype(layout))
        block["count"] = field_count
        if tail:
            block["tail"] = np.frombuffer(tail, dtype=f"V{len(tail)}")[0]
        for name, kind in fixed:
            if nulls[name][rows[0]]:
                block[f"{name}_len"] = -1
            else:
                block[f"{name}_len"] = np.dtype(FIXED[kind]).itemsize
                block[name] = values[name][rows]
        parts.extend(block.view(f"V{block.dtype.itemsize}").tolist())
    return parts


def _text_fields(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the values, and length-prefixed UTF-8 of each distinct value (encoded once)
    followed by NULL, which code -1 (missing) picks."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    try:
        data = [value.encode("utf-8") for value in uniques]
    except AttributeError:  # not all text
        data = [str(value).encode("utf-8") for value in uniques]
    lengths = np.fromiter(map(len, data), dtype=np.int64, count=len(data))
    prefixes = lengths.astype(">i4").view("V4").tolist()
    fields = [prefix + value for prefix, value in zip(prefixes, data, strict=True)]
    return codes, np.array([*fields, NULL], dtype=object)
