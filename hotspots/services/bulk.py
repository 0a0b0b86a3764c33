"""Fast bulk writes of normalised incident rows: PostgreSQL binary COPY, batched inserts
elsewhere."""

import contextlib

import numpy as np
import pandas as pd
from django.db import connection
from psycopg.copy import QueuedLibpqWriter

from hotspots.models import Incident
from hotspots.services.pgbinary import SIGNATURE, TRAILER, column_kind, encode_rows

COLUMNS = [
    "force_id", "batch_id", "source", "month", "occurred_at", "category_id",
    "published_category", "longitude",
    "latitude", "x", "y", "has_location", "in_force_area", "location", "lsoa_code", "lsoa_name",
    "outcome", "reference", "context", "priority", "status",
]  # fmt: skip
SQLITE_BATCH = 20_000
# Binary COPY writes fixed-width columns first, then text; text that is usually the same in a
# whole file comes first, so that it can be written once with the fixed-width part.
COPY_TEXT_ORDER = [
    "source", "priority", "status", "context", "published_category", "outcome", "lsoa_code",
    "lsoa_name", "location",
    "reference",
]  # fmt: skip


def incident_frame(
    rows: pd.DataFrame, *, force_id: int, batch_id: int, source: str
) -> pd.DataFrame:
    """The Incident table's columns from a parser's normalised rows."""
    frame = rows.assign(
        force_id=force_id, batch_id=batch_id, source=source, month=rows["month"] + "-01"
    )
    return frame[COLUMNS]


def incidents_insert(frame: pd.DataFrame) -> int:
    if frame.empty:
        return 0
    if connection.vendor == "postgresql":
        return _copy_postgres(frame)
    return _insert_batches(frame)


def _copy_postgres(frame: pd.DataFrame) -> int:
    with IncidentStream() as stream:
        stream.write(frame)
    return len(frame)


class IncidentStream:
    """One binary COPY into the incident table (PostgreSQL) that stays open across frames.
    A background thread sends the data, so the server stores one frame while the caller
    prepares the next; nothing else may use the connection until the stream is closed."""

    def __init__(self):
        kinds = {name: column_kind(Incident, name) for name in COLUMNS}
        fixed = [name for name in COLUMNS if kinds[name] != "text"]
        assert sorted(fixed + COPY_TEXT_ORDER) == sorted(COLUMNS)
        self.order = fixed + COPY_TEXT_ORDER
        self.kinds = [(name, kinds[name]) for name in self.order]
        self._copy = self._exits = None

    def __enter__(self) -> "IncidentStream":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        self.close(error)

    def write(self, frame: pd.DataFrame) -> None:
        _, data = encode_rows(frame, self.kinds)  # columns in self.order
        if not data:
            return
        if self._copy is None:
            self._open()
        self._copy.write(data)

    def _open(self) -> None:
        table = Incident._meta.db_table
        sql = f"COPY {table} ({', '.join(self.order)}) FROM STDIN (FORMAT BINARY)"
        connection.ensure_connection()
        self._exits = contextlib.ExitStack()
        cursor = self._exits.enter_context(connection.connection.cursor())
        writer = QueuedLibpqWriter(cursor)
        self._copy = self._exits.enter_context(cursor.copy(sql, writer=writer))
        self._copy.write(SIGNATURE)

    def close(self, error: BaseException | None = None) -> None:
        """End the COPY and wait for the server to store everything (or, after an error,
        abandon it: the transaction is then aborted)."""
        if self._copy is None:
            return
        copy, exits, self._copy, self._exits = self._copy, self._exits, None, None
        if error is None:
            copy.write(TRAILER)
            exits.close()
        else:
            exits.__exit__(type(error), error, error.__traceback__)


def _insert_batches(frame: pd.DataFrame) -> int:
    columns = ", ".join(COLUMNS)
    marks = ", ".join(["%s"] * len(COLUMNS))
    sql = f"INSERT INTO {Incident._meta.db_table} ({columns}) VALUES ({marks})"
    values = _python_values(frame)
    with connection.cursor() as cursor:
        for start in range(0, len(values), SQLITE_BATCH):
            cursor.executemany(sql, values[start : start + SQLITE_BATCH])
    return len(frame)


def _python_values(frame: pd.DataFrame) -> list[tuple]:
    """Plain Python values with None for missing, as DB-API drivers expect."""
    columns = []
    for name in COLUMNS:
        series = frame[name]
        if name == "occurred_at":
            # UTC: Django keeps naive UTC text in SQLite; PostgreSQL is told the offset.
            offset = "+00:00" if connection.vendor == "postgresql" else ""
            text = pd.to_datetime(series, utc=True).dt.strftime(f"%Y-%m-%d %H:%M:%S{offset}")
            values = np.where(series.notna(), text.to_numpy(dtype=object), None).tolist()
        elif series.dtype.kind == "f":
            array = series.to_numpy(dtype=float)
            values = np.where(np.isnan(array), None, array).tolist()
        else:
            values = series.tolist()
        columns.append(values)
    return list(zip(*columns, strict=True))
