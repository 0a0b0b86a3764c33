"""The national synthetic files: police.uk's layout, deterministic, inside England and Wales,
and imported row for row by the product's own importer."""

import csv

import numpy as np
import pytest
import shapely

from hotspots.formats import POLICE_UK_COLUMNS
from hotspots.models import Incident
from hotspots.services.imports import incidents_import_police_uk
from hotspots.synthetic import lonlat_to_bng
from hotspots.synthetic_national import (
    NationalConfig,
    national_outline,
    write_national_police_uk,
)

SMALL = NationalConfig(
    rows=4000, first_month="2024-11", last_month="2025-01", forces=5, towns=30,
    map_points=1500, lsoas=200, seed=7,
)  # fmt: skip


def read_rows(paths):
    rows = []
    for path in paths:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            assert tuple(next(reader)) == POLICE_UK_COLUMNS
            rows.extend(reader)
    return rows


def test_files_follow_the_police_uk_layout(tmp_path):
    paths = write_national_police_uk(SMALL, tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        f"{m}/{m}-england-and-wales-street.csv" for m in ("2024-11", "2024-12", "2025-01")
    ]
    rows = read_rows(paths)
    assert len(rows) == SMALL.rows
    assert all(len(row) == len(POLICE_UK_COLUMNS) for row in rows)
    columns = dict(zip(POLICE_UK_COLUMNS, zip(*rows, strict=True), strict=True))
    assert len(set(columns["Falls within"])) == SMALL.forces
    asb = np.array(columns["Crime type"]) == "Anti-social behaviour"
    ids = np.array(columns["Crime ID"])
    assert (ids[asb] == "").all() and all(len(i) == 64 for i in ids[~asb])
    located = np.array(columns["Longitude"]) != ""
    assert 0 < (~located).sum() < 0.05 * SMALL.rows
    lon = np.array(columns["Longitude"])[located].astype(float)
    lat = np.array(columns["Latitude"])[located].astype(float)
    x, y = lonlat_to_bng(lon, lat)
    # Rounding to 6 decimals moves a point by well under a metre.
    outline = national_outline().buffer(1.0)
    assert shapely.contains_xy(outline, x, y).all()


def test_same_config_same_bytes(tmp_path):
    first = write_national_police_uk(SMALL, tmp_path / "a")
    second = write_national_police_uk(SMALL, tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


@pytest.mark.django_db
def test_the_importer_takes_every_row(tmp_path):
    paths = write_national_police_uk(SMALL, tmp_path)
    unlocated = sum(row[4] == "" for row in read_rows(paths))
    summary = incidents_import_police_uk(paths=[tmp_path], force_slug="england-and-wales")
    assert summary.rows_rejected == 0
    assert summary.rows_imported == SMALL.rows == Incident.objects.count()
    assert summary.rows_no_location == unlocated
    assert summary.months == {"england-and-wales": ["2024-11", "2024-12", "2025-01"]}
