"""Binary COPY rows built with numpy, read back by PostgreSQL itself."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from hotspots.models import Incident
from hotspots.services.pgbinary import SIGNATURE, TRAILER, column_kind, encode_rows

KINDS = [
    ("id", "int8"), ("small", "int4"), ("day", "date"), ("stamp", "timestamptz"),
    ("number", "float8"), ("flag", "bool"), ("same", "text"), ("label", "text"),
]  # fmt: skip
TABLE = "CREATE TEMPORARY TABLE copied (id bigint, small integer, day date, stamp timestamptz, "
TABLE += "number double precision, flag boolean, same text, label text)"


def frame() -> pd.DataFrame:
    """Every kind, with NULLs in different columns so that rows have different layouts."""
    return pd.DataFrame(
        {
            "id": [1, -2, 2**62, 4, 5],
            "small": [0, -(2**31), 2**31 - 1, 7, 8],
            "day": ["2025-01-01", "1999-12-31", None, "2000-01-01", "2024-02-29"],
            "stamp": pd.to_datetime(
                [
                    "2025-03-30 00:59:59.123456+00:00",
                    None,
                    "1999-12-31 23:00:00-01:00",
                    "2000-01-01 00:00:00+00:00",
                    "2025-10-26 01:30:00+01:00",
                ],
                utc=True,
                format="ISO8601",
            ),  # fmt: skip
            "number": [1.5, -0.1, np.nan, 1e-300, 441769.9673675213],
            "flag": [True, False, True, False, True],
            "same": ["police_uk"] * 5,
            "label": ["On or near A\tB", "ünïcödé 😀", "", "back\\slash\nnew line", None],
        }
    )


def copy_back(data: pd.DataFrame, kinds=KINDS) -> list[tuple]:
    order, rows = encode_rows(data, kinds)
    with connection.cursor() as cursor:
        cursor.execute(TABLE)
        sql = f"COPY copied ({', '.join(order)}) FROM STDIN (FORMAT BINARY)"
        with cursor.copy(sql) as copy:
            copy.write(SIGNATURE + rows + TRAILER)
        cursor.execute(f"SELECT {', '.join(n for n, _ in KINDS)} FROM copied ORDER BY id")
        return cursor.fetchall()


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("binary COPY is PostgreSQL's; SQLite imports use batched inserts")


@pytest.mark.django_db
@pytest.mark.usefixtures("postgresql_only")
def test_every_kind_reads_back_as_written():
    data = frame()
    got = copy_back(data)
    expected = data.sort_values("id")
    assert [r[0] for r in got] == expected["id"].tolist()
    for row, (_, want) in zip(got, expected.iterrows(), strict=True):
        assert row[1] == want["small"]
        day = None if pd.isna(want["day"]) else dt.date.fromisoformat(want["day"])
        assert row[2] == day
        stamp = want["stamp"]
        assert row[3] == (None if pd.isna(stamp) else stamp.to_pydatetime())
        assert (row[4] is None) if math.isnan(want["number"]) else row[4] == want["number"]
        assert row[5] is bool(want["flag"])
        assert row[6] == "police_uk"
        assert row[7] == (None if pd.isna(want["label"]) else want["label"])


@pytest.mark.django_db
@pytest.mark.usefixtures("postgresql_only")
def test_constant_text_in_front_and_a_single_row():
    data = frame().assign(label="same everywhere").iloc[[2]]
    (row,) = copy_back(data)
    assert (row[0], row[6], row[7], row[2], row[4]) == (2**62, "police_uk", "same everywhere",
                                                        None, None)  # fmt: skip


def test_empty_frame_gives_no_rows():
    order, rows = encode_rows(frame().iloc[:0], KINDS)
    assert rows == b"" and order[0] == "id" and order[-2:] == ["same", "label"]


def test_model_columns_map_to_kinds():
    names = ("force_id", "month", "occurred_at", "x", "has_location", "context")
    kinds = {name: column_kind(Incident, name) for name in names}
    assert kinds == {
        "force_id": "int8", "month": "date", "occurred_at": "timestamptz", "x": "float8",
        "has_location": "bool", "context": "text",
    }  # fmt: skip


@pytest.mark.django_db
@pytest.mark.usefixtures("postgresql_only")
def test_neighbouring_repetitive_text_columns_read_back():
    data = frame().assign(
        same=["p", "q", "p", "p", "q"], label=["x", None, "x", "y", "x"]
    )  # two columns of few values: written as one piece per row
    got = copy_back(data)
    expected = data.sort_values("id")
    assert [(r[6], r[7]) for r in got] == [
        (same, None if pd.isna(label) else label)
        for same, label in zip(expected["same"], expected["label"], strict=True)
    ]
