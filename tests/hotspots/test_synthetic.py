"""Tests for the synthetic police.uk / force-export generator (pure: no Django, no database).

Counts are Poisson, so comparisons with the planted expectations use a tolerance of
``Z`` standard deviations (``Z * sqrt(expected)``); each comparison below would fail if the
planted structure were missing (for instance no hotspot, no effect, no artefact).
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from hotspots.synthetic import (
    ASB,
    CATEGORIES,
    POLICE_UK_COLUMNS,
    SyntheticConfig,
    build_dataset,
    generate_all,
    lonlat_to_bng,
)

Z = 4.0  # Poisson tolerance in standard deviations
HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)
SMALL = {"months": ("2024-12", "2025-01"), "artefact_month": "2024-12", "n_map_points": 800}


@pytest.fixture(scope="module")
def default_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default demo dataset, generated once for the module."""
    out = tmp_path_factory.mktemp("synthetic")
    generate_all(SyntheticConfig(), out)
    return out


@pytest.fixture(scope="module")
def truth(default_dir: Path) -> dict[str, Any]:
    """The default dataset's ground_truth.json."""
    return json.loads((default_dir / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rows(default_dir: Path) -> pd.DataFrame:
    """Every police.uk row of the default dataset as text, plus BNG metres where located."""
    files = sorted((default_dir / "police-uk").glob("*/*-street.csv"))
    frame = pd.concat(
        [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True
    )
    located = frame["Longitude"] != ""
    east, north = lonlat_to_bng(
        frame.loc[located, "Longitude"].astype(float), frame.loc[located, "Latitude"].astype(float)
    )
    frame["easting"], frame["northing"] = np.nan, np.nan
    frame.loc[located, "easting"], frame.loc[located, "northing"] = east, north
    return frame


@pytest.fixture(scope="module")
def geojson(default_dir: Path) -> dict[str, Any]:
    """The default dataset's boundary.geojson."""
    return json.loads((default_dir / "boundary.geojson").read_text(encoding="utf-8"))


def _bng_boundary(geojson: dict[str, Any]) -> shapely.Polygon:
    """The written boundary re-projected to BNG metres (EPSG:27700)."""
    ring = np.array(geojson["features"][0]["geometry"]["coordinates"][0])
    return shapely.Polygon(np.column_stack(lonlat_to_bng(ring[:, 0], ring[:, 1])))


def _within(rows: pd.DataFrame, hotspot: dict[str, Any]) -> pd.Series:
    """Rows whose (BNG) position lies within the hotspot's radius."""
    centre = hotspot["centre"]
    dist = np.hypot(rows["easting"] - centre["easting"], rows["northing"] - centre["northing"])
    return dist <= hotspot["radius_m"]


def _all_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` keyed by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        generate_all(SyntheticConfig(seed=seed, **SMALL), tmp_path / name)
    first, again, other = (_all_bytes(tmp_path / n) for n in "abc")
    assert len(first) == 2 + 3  # two monthly files, export, boundary, ground truth
    assert first == again
    assert first.keys() == other.keys()
    assert all(first[k] != other[k] for k in first if k.startswith("police-uk"))


def test_police_uk_header_and_field_count_are_exact(default_dir: Path) -> None:
    files = sorted((default_dir / "police-uk").glob("*/*-street.csv"))
    assert [f.parent.name for f in files] == [
        f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)
    ]
    for path in files:
        assert path.name == f"{path.parent.name}-exampleshire-street.csv"
        with path.open(newline="", encoding="utf-8") as handle:
            records = list(csv.reader(handle))
        assert ",".join(records[0]) == HEADER == ",".join(POLICE_UK_COLUMNS)
        assert {len(r) for r in records} == {12}


def test_asb_rows_have_no_crime_id_and_crimes_have_hex_ids(rows: pd.DataFrame) -> None:
    asb = rows["Crime type"] == ASB
    assert asb.mean() > 0.1
    assert (rows.loc[asb, "Crime ID"] == "").all()
    assert (rows.loc[asb, "Last outcome category"] == "").all()
    assert rows.loc[~asb, "Crime ID"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (rows.loc[~asb, "Last outcome category"] != "").all()
    assert (rows["Context"] == "").all()
    assert set(rows["Crime type"]) == set(CATEGORIES)
    assert (rows["Reported by"] == "Exampleshire Police").all()
    assert rows.duplicated().sum() > 1000  # map-point stacking gives identical rows


def test_planted_hotspots_are_denser_than_background(
    rows: pd.DataFrame, truth: dict[str, Any], geojson: dict[str, Any]
) -> None:
    artefact = (truth["artefact"] or {}).get("month")
    clean = rows[rows["Month"] != artefact]
    keep = [i for i, m in enumerate(truth["months"]) if m != artefact]
    force_density = len(clean) / (_bng_boundary(geojson).area / 1e6)  # rows per km2 over the period
    assert 8 <= len(truth["hotspots"]) <= 12
    for spot in truth["hotspots"]:
        observed = int(_within(clean, spot).sum())
        expected = sum(sum(v[i] for i in keep) for v in spot["expected_monthly"].values())
        assert abs(observed - expected) <= Z * math.sqrt(expected), spot["id"]
        background = sum(spot["background_expected_monthly"][i] for i in keep)
        assert observed / background > 0.75 * spot["intensity"], spot["id"]
        density = observed / (math.pi * (spot["radius_m"] / 1000) ** 2)
        assert density > 10 * force_density, spot["id"]


def _asb_counts(
    rows: pd.DataFrame, truth: dict[str, Any], treated: bool
) -> tuple[int, float, float]:
    """Observed ASB rows after the effect start in treated/control hotspots, expected, no-effect."""
    start = truth["effect"]["start"]
    after = rows[(rows["Month"] >= start) & (rows["Crime type"] == ASB)]
    spots = [s for s in truth["hotspots"] if s["treated"] == treated]
    observed = sum(int(_within(after, s).sum()) for s in spots)
    expected = sum(s["after"]["expected_asb"] for s in spots)
    return observed, expected, sum(s["after"]["counterfactual_asb"] for s in spots)


def test_planted_asb_effect_is_present_within_poisson_tolerance(
    rows: pd.DataFrame, truth: dict[str, Any]
) -> None:
    effect = truth["effect"]["asb_reduction"]
    assert effect == 0.25
    observed, expected, counterfactual = _asb_counts(rows, truth, treated=True)
    assert expected == pytest.approx((1 - effect) * counterfactual, rel=1e-6)
    assert abs(observed - expected) <= Z * math.sqrt(expected)
    assert counterfactual - observed > Z * math.sqrt(counterfactual)  # the fall is detectable
    control, control_expected, control_cf = _asb_counts(rows, truth, treated=False)
    assert control_expected == pytest.approx(control_cf)
    assert abs(control - control_cf) <= Z * math.sqrt(control_cf)  # untreated: no effect


def test_ground_truth_generated_counts_match_the_files(
    rows: pd.DataFrame, truth: dict[str, Any]
) -> None:
    published = truth["totals"]["published"]
    for month, frame in rows.groupby("Month"):
        assert frame["Crime type"].value_counts().to_dict() == {
            c: n for c, n in published[month].items() if n
        }
    for spot in truth["hotspots"]:
        assert int(_within(rows, spot).sum()) == (
            spot["before"]["published_all"] + spot["after"]["published_all"]
        )


def test_artefact_month_duplicates_every_row_of_its_category(
    rows: pd.DataFrame, truth: dict[str, Any]
) -> None:
    artefact = truth["artefact"]
    assert (artefact["month"], artefact["category"], artefact["factor"]) == (
        "2024-10",
        "Shoplifting",
        2,
    )
    month = rows[
        (rows["Month"] == artefact["month"]) & (rows["Crime type"] == artefact["category"])
    ]
    assert len(month) == 2 * artefact["rows_generated"] == artefact["rows_published"]
    pairs = month.drop(columns=["easting", "northing"]).to_numpy(dtype=str)
    assert (pairs[0::2] == pairs[1::2]).all()  # every row repeated in place
    monthly = rows[rows["Crime type"] == artefact["category"]].groupby("Month").size()
    others = monthly.drop(artefact["month"])
    assert monthly[artefact["month"]] > 1.6 * others.median()
    assert others.max() < 1.3 * others.median()


def test_crlf_and_lf_both_occur_and_each_file_is_consistent(
    default_dir: Path, truth: dict[str, Any]
) -> None:
    seen = set()
    for path in sorted((default_dir / "police-uk").glob("*/*-street.csv")):
        data = path.read_bytes()
        crlf, lf = data.count(b"\r\n"), data.count(b"\n")
        kind = "CRLF" if crlf == lf else "LF"
        assert crlf in (0, lf) and data.endswith(b"\n")
        assert kind == truth["line_endings"][path.parent.name]
        seen.add(kind)
    assert seen == {"CRLF", "LF"}


def test_lonlat_round_trips_to_bng_within_a_metre(rows: pd.DataFrame) -> None:
    points = build_dataset(SyntheticConfig()).points
    located = points[points["lon"] != ""]
    assert located["lon"].str.fullmatch(r"-?\d+\.\d{6}").all()
    assert located["lat"].str.fullmatch(r"\d+\.\d{6}").all()
    east, north = lonlat_to_bng(located["lon"].astype(float), located["lat"].astype(float))
    error = np.hypot(east - located["easting"], north - located["northing"])
    assert error.max() < 1.0
    assert rows["easting"].between(400_000, 480_000).sum() > 0.98 * len(rows)


def test_boundary_is_valid_polygon_and_about_one_percent_of_rows_lie_outside(
    rows: pd.DataFrame, geojson: dict[str, Any]
) -> None:
    assert geojson["type"] == "FeatureCollection" and len(geojson["features"]) == 1
    polygon = shape(geojson["features"][0]["geometry"])
    assert polygon.geom_type == "Polygon" and polygon.is_valid
    bng = _bng_boundary(geojson)
    width, height = bng.bounds[2] - bng.bounds[0], bng.bounds[3] - bng.bounds[1]
    assert 24_000 < width < 36_000 and 18_000 < height < 30_000
    assert bng.area < 0.9 * width * height  # irregular, not a rectangle
    located = rows[rows["Longitude"] != ""]
    lon, lat = located["Longitude"].astype(float), located["Latitude"].astype(float)
    outside = ~shapely.contains_xy(polygon, lon, lat)
    assert 0.006 < outside.mean() < 0.015
    gap = shapely.distance(bng, shapely.points(located.loc[outside, ["easting", "northing"]]))
    assert gap.max() < 3_500  # just beyond the boundary
    assert 0.003 < (rows["Location"] == "No Location").mean() < 0.008


def test_force_export_follows_patterns_in_local_time(
    default_dir: Path, truth: dict[str, Any]
) -> None:
    export = pd.read_csv(default_dir / "force-export.csv", dtype={"Reference": str})
    assert list(export.columns) == [
        "Reference", "Created", "Category", "Easting", "Northing", "Priority", "Status", "Location"
    ]  # fmt: skip
    assert export["Reference"].is_unique
    assert export["Reference"].str.fullmatch(r"EXM-20(24|25)-\d{6}").all()
    created = pd.to_datetime(export["Created"], format="%d/%m/%Y %H:%M")
    created.dt.tz_localize("Europe/London", nonexistent="raise", ambiguous="NaT")
    assert set(export["Category"]) <= set(CATEGORIES)
    assert set(export["Priority"]) <= {1, 2, 3, 4}
    night = next(s for s in truth["hotspots"] if s["pattern"] == "night_time_economy")
    peak = truth["patterns"]["night_time_economy"]
    in_peak = created.dt.day_of_week.isin(peak["peak_days"]) & created.dt.hour.isin(
        peak["peak_hours"]
    )
    dist = np.hypot(
        export["Easting"] - night["centre"]["easting"],
        export["Northing"] - night["centre"]["northing"],
    )
    assert in_peak[dist <= night["radius_m"]].mean() > 2 * in_peak.mean()
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", export["Created"].iloc[0])
