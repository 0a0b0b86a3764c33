"""Fast bulk writes of normalised incident rows: PostgreSQL COPY, batched inserts elsewhere."""

import io

import numpy as np
import pandas as pd
from django.db import connection

from hotspots.models import Incident

COLUMNS = [
    "force_id", "batch_id", "source", "month", "occurred_at", "category_id", "longitude",
    "latitude", "x", "y", "has_location", "in_force_area", "location", "lsoa_code", "lsoa_name",
    "outcome", "reference", "context", "priority", "status",
]  # fmt: skip
TEXT = ["source", "location", "lsoa_code", "lsoa_name", "outcome", "reference", "context",
        "priority", "status"]  # fmt: skip
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
    buffer = io.StringIO()
    frame.to_csv(
        buffer, header=False, index=False, float_format="%.10g", date_format="%Y-%m-%dT%H:%M:%S%z"
    )
    columns = ", ".join(COLUMNS)
    sql = (
        f"COPY {Incident._meta.db_table} ({columns}) FROM STDIN "
        f"WITH (FORMAT csv, FORCE_NOT_NULL ({', '.join(TEXT)}))"
    )
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(buffer.getvalue())
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
            # Django keeps SQLite datetimes as naive UTC text in this format.
            text = pd.to_datetime(series, utc=True).dt.strftime("%Y-%m-%d %H:%M:%S")
            values = text.where(series.notna(), None).tolist()
        elif series.dtype.kind == "f":
            array = series.to_numpy(dtype=float)
            values = np.where(np.isnan(array), None, array).tolist()
        else:
            values = series.tolist()
        columns.append(values)
    return list(zip(*columns, strict=True))
