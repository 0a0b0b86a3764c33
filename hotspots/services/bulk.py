"""Fast bulk writes of normalised incident rows: PostgreSQL COPY, batched inserts elsewhere."""

import numpy as np
import pandas as pd
from django.db import connection

from hotspots.models import Incident

COLUMNS = [
    "force_id", "batch_id", "source", "month", "occurred_at", "category_id", "longitude",
    "latitude", "x", "y", "has_location", "in_force_area", "location", "lsoa_code", "lsoa_name",
    "outcome", "reference", "context", "priority", "status",
]  # fmt: skip
SQLITE_BATCH = 20_000


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
    columns = ", ".join(COLUMNS)
    sql = f"COPY {Incident._meta.db_table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in _python_values(frame):
            copy.write_row(row)
    return len(frame)


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
