"""Columns of a query read straight into numpy arrays: the reading half of binary COPY
(hotspots/services/pgbinary.py holds the format and the writing half).

On PostgreSQL the rows of a queryset come as one binary ``COPY (...) TO STDOUT``; every field
is then fixed-width, so the whole result is one structured numpy array and each column a
conversion of one of its fields, with no Python object per value. A nullable column travels
as a NULL flag and a stand-in value, so that rows keep one width. Text is variable-width:
a query that asks for text columns (meant for the few rows that need them, see `RowTexts`)
goes through a plain cursor, as every query does on SQLite. Either way the result is the same:

    int → int64 (never NULL), float → float64 (NULL → NaN), bool → bool (never NULL),
    date → datetime64[D] and timestamp → datetime64[us] in UTC (NULL → NaT),
    text → object array of str (NULL → None).
"""

from collections.abc import Sequence

import numpy as np
from django.db import connections
from django.db.models import QuerySet

from hotspots.services.pgbinary import DJANGO_KINDS, FIXED, PG_EPOCH, SIGNATURE, TRAILER

# What each kind is cast to on the server, and its stand-in for NULL.
PG_TYPES = {"int4": "int8", "int8": "int8", "float8": "float8", "bool": "bool", "date": "date",
            "timestamptz": "timestamptz"}  # fmt: skip
PG_STAND_INS = {"int8": "0", "float8": "0", "bool": "false", "date": "DATE '2000-01-01'",
                "timestamptz": "TIMESTAMPTZ '2000-01-01 00:00:00+00'"}  # fmt: skip
HEADER = len(SIGNATURE)  # signature, flags and extension length (none is written)
IDS_PER_QUERY = (5_000, 50_000)  # SQLite (at most 32,766 placeholders), PostgreSQL


def read_columns(queryset: QuerySet, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The columns `names` (field attnames or annotations of `queryset`) of every row the
    queryset selects, in one query, as numpy arrays in the same row order."""
    kinds = [_kind(queryset, name) for name in names]
    sql, params = queryset.values_list(*names).query.sql_with_params()
    connection = connections[queryset.db]
    if connection.vendor == "postgresql" and "text" not in kinds:
        nullable = [_nullable(queryset, name) for name in names]
        return _copy_binary(connection, sql, params, list(names), kinds, nullable)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) or [()] * len(names)
    return {
        name: _from_python(column, kind, name)
        for name, kind, column in zip(names, kinds, columns, strict=True)
    }


class RowTexts:
    """Text columns of `model` rows known by primary key, read when first asked for and kept:
    a hotspot run names its hotspots from the streets of the incidents inside them, a few
    per cent of those it reads."""

    def __init__(self, model, ids: np.ndarray, names: Sequence[str]):
        self.model, self.ids, self.names = model, ids, list(names)
        self._values = {name: np.full(len(ids), None, dtype=object) for name in self.names}
        self._read = np.zeros(len(ids), dtype=bool)

    def __call__(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """The text columns of `rows` (a boolean mask or indices into `ids`)."""
        wanted = np.zeros(len(self.ids), dtype=bool)
        wanted[rows] = True
        missing = np.flatnonzero(wanted & ~self._read)
        step = IDS_PER_QUERY[connections[self.model._default_manager.db].vendor == "postgresql"]
        for start in range(0, len(missing), step):
            self._fetch(missing[start : start + step])
        return {name: values[rows] for name, values in self._values.items()}

    def _fetch(self, positions: np.ndarray) -> None:
        ids = self.ids[positions]
        found_ids, columns = _texts_by_id(self.model, ids, self.names)
        order = np.argsort(ids, kind="stable")
        found = order[np.searchsorted(ids, found_ids, sorter=order)]
        for name, values in zip(self.names, columns, strict=True):
            self._values[name][positions[found]] = values
        self._read[positions] = True


def _texts_by_id(model, ids: np.ndarray, names: list[str]) -> tuple:
    """(ids found, one tuple of values per name) of the rows with these primary keys. One
    array parameter on PostgreSQL; on SQLite, one placeholder per id."""
    meta = model._meta
    connection = connections[model._default_manager.db]
    quote = connection.ops.quote_name
    fields = [meta.pk.column, *(meta.get_field(name).column for name in names)]
    columns = ", ".join(quote(column) for column in fields)
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    if connection.vendor == "postgresql":
        sql, params = f"SELECT {columns} FROM {table} WHERE {pk} = ANY(%s)", [ids.tolist()]
    else:
        marks = ", ".join(["%s"] * len(ids))
        sql, params = f"SELECT {columns} FROM {table} WHERE {pk} IN ({marks})", ids.tolist()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found, *values = list(zip(*rows, strict=True)) or [()] * (len(names) + 1)
    return np.asarray(found, dtype=np.int64), values


def _field(queryset: QuerySet, name: str):
    model = queryset.model
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _kind(queryset: QuerySet, name: str) -> str:
    annotation = queryset.query.annotations.get(name)
    field = annotation.output_field if annotation is not None else _field(queryset, name)
    internal = field.get_internal_type()
    if internal == "ForeignKey":
        internal = field.target_field.get_internal_type()
    if internal not in DJANGO_KINDS:
        raise TypeError(f"{queryset.model.__name__}.{name}: no column reading for {internal}")
    return DJANGO_KINDS[internal]


def _nullable(queryset: QuerySet, name: str) -> bool:
    """Annotations count as nullable: an expression's output field does not say."""
    return name in queryset.query.annotations or _field(queryset, name).null


def _copy_binary(connection, sql, params, names, kinds, nullable) -> dict[str, np.ndarray]:
    outer, layout = [], [("count", ">i2")]
    for i, (kind, null) in enumerate(zip(kinds, nullable, strict=True)):
        pg_type = PG_TYPES[kind]
        if null:
            outer += [f"q.c{i} IS NULL", f"COALESCE(q.c{i}, {PG_STAND_INS[pg_type]})::{pg_type}"]
            layout += [(f"null{i}_len", ">i4"), (f"null{i}", FIXED["bool"])]
        else:
            outer.append(f"q.c{i}::{pg_type}")
        layout += [(f"c{i}_len", ">i4"), (f"c{i}", FIXED[pg_type])]
    aliases = ", ".join(f"c{i}" for i in range(len(names)))
    query = f"SELECT {', '.join(outer)} FROM ({sql}) AS q({aliases})"
    copy_sql = f"COPY ({query}) TO STDOUT (FORMAT BINARY)"
    if not params:  # psycopg only reads %-placeholders (and %% escapes) when given params
        copy_sql = copy_sql.replace("%%", "%")
    connection.ensure_connection()
    data = bytearray()
    with connection.connection.cursor() as cursor, cursor.copy(copy_sql, params or None) as copy:
        while block := copy.read():
            data += block
    rows = _rows(data, np.dtype(layout), len(outer))
    columns = {}
    for i, (name, kind, null) in enumerate(zip(names, kinds, nullable, strict=True)):
        values = rows[f"c{i}"]
        nulls = rows[f"null{i}"].astype(bool) if null else None
        if nulls is not None and nulls.any() and kind in ("int4", "int8", "bool"):
            raise ValueError(f"{name}: NULL in a column read as {kind}")
        columns[name] = _from_binary(values, PG_TYPES[kind], nulls)
    return columns


def _rows(data: bytearray, layout: np.dtype, fields: int) -> np.ndarray:
    """The rows of a binary COPY of fixed-width, non-NULL fields as one structured array."""
    if data[: len(SIGNATURE) - 4] != SIGNATURE[:-4] or data[-len(TRAILER) :] != TRAILER:
        raise ValueError("not a PostgreSQL binary COPY stream")
    start = HEADER + int.from_bytes(data[HEADER - 4 : HEADER], "big")
    body = memoryview(data)[start : len(data) - len(TRAILER)]
    if len(body) % layout.itemsize:
        raise ValueError("binary COPY rows are not of the expected width")
    rows = np.frombuffer(body, dtype=layout)
    if len(rows) and (rows["count"] != fields).any():
        raise ValueError("binary COPY rows have an unexpected number of fields")
    for name in layout.names:
        if name.endswith("_len") and len(rows):
            width = layout[name[: -len("_len")]].itemsize
            if (rows[name] != width).any():
                raise ValueError(f"binary COPY field {name[:-4]} is not {width} bytes wide")
    return rows


def _from_binary(values: np.ndarray, pg_type: str, nulls: np.ndarray | None) -> np.ndarray:
    if pg_type == "int8":
        return values.astype(np.int64)
    if pg_type == "bool":
        return values.astype(bool)
    if pg_type == "float8":
        array = values.astype(np.float64)
        if nulls is not None:
            array[nulls] = np.nan
        return array
    if pg_type == "date":
        array = PG_EPOCH + values.astype(np.int64).astype("timedelta64[D]")
    else:  # timestamptz: microseconds since 2000-01-01 UTC
        array = PG_EPOCH.astype("datetime64[us]") + values.astype(np.int64).astype(
            "timedelta64[us]"
        )
    if nulls is not None:
        array[nulls] = np.datetime64("NaT")
    return array


def _from_python(column: tuple, kind: str, name: str) -> np.ndarray:
    """A column of DB-API values (a plain cursor's: dates may come as text on SQLite)."""
    if kind == "text":
        array = np.empty(len(column), dtype=object)
        array[:] = column
        return array
    if kind in ("int4", "int8", "bool"):
        if None in column:
            raise ValueError(f"{name}: NULL in a column read as {kind}")
        return np.array(column, dtype=np.int64 if kind != "bool" else bool)
    if kind == "float8":
        return np.array(column, dtype=np.float64)
    import pandas as pd

    stamps = pd.to_datetime(pd.Series(column, dtype=object), utc=True)
    naive = stamps.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    return naive.astype("datetime64[D]") if kind == "date" else naive
