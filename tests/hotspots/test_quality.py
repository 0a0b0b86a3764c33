"""Tests for hotspots.quality: planted artefacts, false-positive rate and the real police.uk data.

The synthetic series mimic the real layout: non-contiguous runs of months, a seasonal Poisson
count per category, and one "stacked" category whose rows are often exact duplicates (like
anti-social behaviour, whose incidents are snapped to shared map points).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hotspots.quality import FLAG_COLUMNS, QualityConfig, detect_anomalies, monthly_stats

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "police-uk"

# Runs of 5, 11, 4 and 12 months, like the real files.
CALENDAR = {2018: range(10, 13), 2019: range(1, 3), 2022: range(1, 12), 2024: range(1, 5)}
CALENDAR[2025] = range(1, 13)
MONTHS = [f"{year}-{m:02d}" for year, months in CALENDAR.items() for m in months]
MEANS = {"Tiny": 3, "Small": 12, "Medium": 60, "Large": 400, "Stacked": 1800, "Huge": 3200}
DUPLICATE_SHARE = {"Stacked": 0.3}

# Clean seasonal Poisson series: at most this share of cells may be flagged (observed ~0.02%).
POISSON_FALSE_POSITIVE_BOUND = 0.001
# Overdispersed (10% extra month-to-month noise) and strongly seasonal: observed ~0.11%.
NOISY_FALSE_POSITIVE_BOUND = 0.003
# Real data: 8 of 868 cells (0.9%) are flagged, all of them artefacts listed in KNOWN_ARTEFACTS.
REAL_FLAGGED_SHARE_BOUND = 0.015


@pytest.fixture(autouse=True)
def _fast_hashing() -> None:
    """Shadow the Django-only autouse fixture of tests/conftest.py: this module is Django-free."""


def _clean_stats(
    seed: int, force: str = "Synthetic", *, season: float = 0.15, noise: float = 0.0
) -> pd.DataFrame:
    """monthly_stats-shaped table of clean Poisson counts (optionally overdispersed)."""
    rng = np.random.default_rng(seed)
    rows = []
    for category, mean in MEANS.items():
        for month in MONTHS:
            rate = mean * (1 + season * np.cos(2 * np.pi * (int(month[5:]) - 7) / 12))
            rate *= rng.gamma(1 / noise**2, noise**2) if noise else 1.0
            count = int(rng.poisson(rate))
            duplicates = int(rng.binomial(count, DUPLICATE_SHARE.get(category, 0.002)))
            rows.append((force, category, month, count, duplicates))
    stats = pd.DataFrame(rows, columns=["force", "category", "month", "count", "duplicate_rows"])
    stats["distinct_rows"] = stats["count"] - stats["duplicate_rows"]
    stats["copy_factor"] = 1
    return stats[stats["count"] > 0].reset_index(drop=True)


def _cell(stats: pd.DataFrame, category: str, month: str) -> pd.Index:
    """Index of one (category, month) cell of a single-force table."""
    found = stats.index[(stats["category"] == category) & (stats["month"] == month)]
    assert len(found) == 1
    return found


def _rules(flags: pd.DataFrame, category: str, month: str) -> set[str]:
    """Rules flagged on one cell."""
    hit = flags[(flags["category"] == category) & (flags["month"] == month)]
    return set(hit["rule"])


def _flagged_cells(flags: pd.DataFrame) -> set[tuple[str, str, str]]:
    """Distinct (force, category, month) cells carrying at least one flag."""
    return set(flags[["force", "category", "month"]].itertuples(index=False, name=None))


def _new_cells(planted: pd.DataFrame, flags: pd.DataFrame, seed: int) -> set[tuple[str, str, str]]:
    """Cells flagged after planting that the clean series of the same seed did not have.

    Comparing with the clean series keeps the rare honest Poisson outlier (see the false
    positive test) from being blamed on the planting, while still catching collateral flags.
    """
    columns = [c for c in planted.columns if c in _clean_stats(seed).columns]
    clean = _flagged_cells(detect_anomalies(_clean_stats(seed)[columns]))
    return _flagged_cells(flags) - clean


# -- planted artefacts --------------------------------------------------------------------------

SEEDS = range(5)


@pytest.mark.parametrize("seed", SEEDS)
def test_month_published_twice_is_multiplied_and_copied(seed: int) -> None:
    stats = _clean_stats(seed)
    cell = _cell(stats, "Large", "2022-06")
    original = stats.loc[cell, "count"]
    stats.loc[cell, "duplicate_rows"] = original + stats.loc[cell, "duplicate_rows"]
    stats.loc[cell, "count"] = 2 * original
    stats.loc[cell, "copy_factor"] = 2

    flags = detect_anomalies(stats)
    assert {"multiplied", "copied_records"} <= _rules(flags, "Large", "2022-06")
    assert _new_cells(stats, flags, seed) == {("Synthetic", "Large", "2022-06")}
    # The count rule finds it on its own too, for tables without duplicate statistics.
    counts_only = detect_anomalies(stats[["force", "category", "month", "count"]])
    assert _rules(counts_only, "Large", "2022-06") == {"multiplied"}


@pytest.mark.parametrize("seed", SEEDS)
def test_month_capped_at_round_number_is_round_cap(seed: int) -> None:
    stats = _clean_stats(seed)
    stats.loc[_cell(stats, "Huge", "2025-03"), "count"] = 2500  # ~0.8 of the real count

    flags = detect_anomalies(stats)
    assert _rules(flags, "Huge", "2025-03") == {"round_cap"}
    assert _new_cells(stats, flags, seed) == {("Synthetic", "Huge", "2025-03")}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("category", ["Large", "Huge"])
def test_month_truncated_to_40_percent_is_truncated(seed: int, category: str) -> None:
    stats = _clean_stats(seed)
    cell = _cell(stats, category, "2024-02")
    stats.loc[cell, "count"] = np.random.default_rng(seed).binomial(stats.loc[cell, "count"], 0.4)

    flags = detect_anomalies(stats)
    assert "truncated" in _rules(flags, category, "2024-02")
    assert _new_cells(stats, flags, seed) == {("Synthetic", category, "2024-02")}


@pytest.mark.parametrize("seed", SEEDS)
def test_excess_exact_duplicates_are_flagged(seed: int) -> None:
    stats = _clean_stats(seed)
    cell = _cell(stats, "Stacked", "2022-09")
    stats.loc[cell, "duplicate_rows"] = (0.6 * stats.loc[cell, "count"]).astype(int)

    flags = detect_anomalies(stats)
    assert _rules(flags, "Stacked", "2022-09") == {"duplicate_excess"}
    assert _new_cells(stats, flags, seed) == {("Synthetic", "Stacked", "2022-09")}


@pytest.mark.parametrize("seed", SEEDS)
def test_random_sample_of_a_month_shows_a_duplicate_deficit(seed: int) -> None:
    stats = _clean_stats(seed)
    cell = _cell(stats, "Stacked", "2025-05")
    stats.loc[cell, ["count", "duplicate_rows"]] = [300, 15]

    flags = detect_anomalies(stats)
    assert {"duplicate_deficit", "collapse", "round_cap"} <= _rules(flags, "Stacked", "2025-05")


@pytest.mark.parametrize("seed", SEEDS)
def test_vanished_category_is_a_collapse(seed: int) -> None:
    stats = _clean_stats(seed)
    stats = stats.drop(_cell(stats, "Medium", "2022-03"))

    flags = detect_anomalies(stats)
    hit = flags[(flags["category"] == "Medium") & (flags["month"] == "2022-03")]
    assert list(hit["rule"]) == ["collapse"]
    assert hit["count"].iloc[0] == 0
    assert "no records at all" in hit["reason"].iloc[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_half_a_run_capped_is_found_without_flagging_the_real_months(seed: int) -> None:
    # Like Nottinghamshire ASB in 2022: the capped months outvote the real ones locally.
    stats = _clean_stats(seed)
    capped = {"2022-01": 200, "2022-06": 400, "2022-07": 400, "2022-09": 300, "2022-10": 300}
    for month, value in capped.items():
        stats.loc[_cell(stats, "Stacked", month), "count"] = value

    counts = stats[["force", "category", "month", "count"]]
    flags = detect_anomalies(counts)
    assert _new_cells(counts, flags, seed) == {("Synthetic", "Stacked", m) for m in capped}
    assert all("collapse" in _rules(flags, "Stacked", month) for month in capped)


def test_small_categories_are_not_flagged_for_noise() -> None:
    stats = _clean_stats(7)
    tiny = _cell(stats, "Tiny", "2025-06")
    stats.loc[tiny, "count"] = 9  # three times its mean, but Poisson noise at this size
    assert _rules(detect_anomalies(stats), "Tiny", "2025-06") == set()


# -- false-positive rate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("season", "noise", "bound"),
    [(0.15, 0.0, POISSON_FALSE_POSITIVE_BOUND), (0.25, 0.1, NOISY_FALSE_POSITIVE_BOUND)],
)
def test_clean_series_false_positive_rate(season: float, noise: float, bound: float) -> None:
    forces = [
        _clean_stats(seed, f"force-{seed}", season=season, noise=noise) for seed in range(200)
    ]
    stats = pd.concat(forces, ignore_index=True)
    cells = len(forces) * len(MEANS) * len(MONTHS)

    flagged = len(_flagged_cells(detect_anomalies(stats)))
    assert flagged / cells < bound, f"{flagged} of {cells} clean cells flagged"


# -- interface ------------------------------------------------------------------------------------


def test_detect_anomalies_output_shape() -> None:
    stats = _clean_stats(3)
    stats.loc[_cell(stats, "Huge", "2022-04"), "count"] = 1000
    flags = detect_anomalies(stats)

    assert list(flags.columns) == FLAG_COLUMNS
    row = flags[flags["rule"] == "round_cap"].iloc[0]
    assert row["month"] == "2022-04" and row["count"] == 1000
    assert row["reason"].startswith("Huge 2022-04: 1,000 records, exactly round")
    assert 0.5 <= row["score"] <= 1.0 and row["expected"] > 2000
    assert detect_anomalies(stats.iloc[0:0]).columns.tolist() == FLAG_COLUMNS


def test_config_is_frozen_and_thresholds_matter() -> None:
    config = QualityConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.z_min = 1.0  # type: ignore[misc]
    stats = _clean_stats(4)
    stats.loc[_cell(stats, "Huge", "2025-03"), "count"] = 2500
    strict = dataclasses.replace(config, round_max_ratio=0.5)
    assert _rules(detect_anomalies(stats, config=strict), "Huge", "2025-03") == set()


def _raw_row(force: str, month: str, category: str, point: str, crime_id: str = "") -> dict:
    """One police.uk row; point is 'lon,lat' or '' for no location."""
    lon, lat = point.split(",") if point else ("", "")
    return {
        "Crime ID": crime_id,
        "Month": month,
        "Reported by": force,
        "Falls within": force,
        "Longitude": lon,
        "Latitude": lat,
        "Location": "On or near Somewhere" if point else "No Location",
        "LSOA code": "E01000001" if point else "",
        "LSOA name": "Somewhere 001A" if point else "",
        "Crime type": category,
        "Last outcome category": "",
        "Context": "",
        "force": force,
    }


def test_monthly_stats_counts_duplicates_points_and_copies() -> None:
    asb = "Anti-social behaviour"
    a, b = "-1.1,52.9", "-1.2,52.8"
    rows = [_raw_row("north", "2024-01", asb, a) for _ in range(3)]
    rows += [_raw_row("north", "2024-01", asb, b), _raw_row("north", "2024-01", asb, "")]
    rows += [_raw_row("north", "2024-01", "Burglary", a, f"id{i}") for i in range(2)]
    # Identical to north's rows except the force: not duplicates across forces.
    rows += [_raw_row("south", "2024-01", asb, a), _raw_row("south", "2024-01", "Drugs", "")]
    # A month published twice: every distinct record appears exactly twice.
    twice = [_raw_row("north", "2024-02", asb, p) for p in (a, b, a, a)]
    stats = monthly_stats(pd.DataFrame(rows + twice + twice))

    got = stats.set_index(["force", "category", "month"])
    north = got.loc[("north", asb, "2024-01")]
    assert (north["count"], north["duplicate_rows"], north["distinct_rows"]) == (5, 2, 3)
    assert (north["distinct_points"], north["no_location"], north["copy_factor"]) == (2, 1, 1)
    assert got.loc[("north", "Burglary", "2024-01"), "duplicate_rows"] == 0
    assert got.loc[("south", asb, "2024-01"), "duplicate_rows"] == 0
    unmapped = got.loc[("south", "Drugs", "2024-01")]
    assert (unmapped["distinct_points"], unmapped["no_location"]) == (0, 1)
    doubled = got.loc[("north", asb, "2024-02")]
    assert (doubled["count"], doubled["duplicate_rows"], doubled["copy_factor"]) == (8, 6, 2)


def test_monthly_stats_accepts_datetime_months_and_nan_coordinates() -> None:
    rows = pd.DataFrame([_raw_row("north", "2024-03", "Drugs", p) for p in ("-1,52", "")])
    rows["Month"] = pd.to_datetime(rows["Month"])
    rows["Longitude"] = pd.to_numeric(rows["Longitude"])
    stats = monthly_stats(rows)
    assert stats["month"].tolist() == ["2024-03"]
    assert (stats["no_location"].iloc[0], stats["distinct_points"].iloc[0]) == (1, 1)


# -- real data ------------------------------------------------------------------------------------

ASB = "Anti-social behaviour"
KNOWN_ARTEFACTS = {
    # Nottinghamshire ASB capped at round numbers: random samples of the real records (their
    # exact-duplicate share drops from ~30% to 4-8%) while the other categories are normal.
    ("nottinghamshire", ASB, "2022-01"): {"collapse", "round_cap", "duplicate_deficit"},
    ("nottinghamshire", ASB, "2022-06"): {"collapse", "round_cap", "duplicate_deficit"},
    ("nottinghamshire", ASB, "2022-07"): {"collapse", "round_cap", "duplicate_deficit"},
    ("nottinghamshire", ASB, "2022-09"): {"collapse", "round_cap", "duplicate_deficit"},
    ("nottinghamshire", ASB, "2022-10"): {"collapse", "round_cap", "duplicate_deficit"},
    ("nottinghamshire", ASB, "2024-01"): {"collapse", "round_cap", "duplicate_deficit"},
    # Derbyshire ASB 2024-02: all 1,104 records published twice (2,208 rows).
    ("derbyshire", ASB, "2024-02"): {"copied_records", "duplicate_excess"},
    # Derbyshire ASB 2024-01: exactly 1,100, below both neighbouring months and other Januaries.
    ("derbyshire", ASB, "2024-01"): {"round_cap"},
}


@pytest.fixture(scope="module")
def real_stats() -> pd.DataFrame:
    """monthly_stats of every police.uk file in the shared data folder."""
    if not DATA.is_dir():
        pytest.skip(f"no police.uk data at {DATA}")
    frames = []
    for path in sorted(DATA.glob("*/*-street.csv.gz")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frames.append(frame.assign(force=path.parent.name))
    return monthly_stats(pd.concat(frames, ignore_index=True))


@pytest.mark.realdata
def test_real_stats_match_the_readme(real_stats: pd.DataFrame) -> None:
    totals = real_stats.groupby("force")["count"].sum()
    assert totals.to_dict() == {"derbyshire": 279_871, "nottinghamshire": 309_482}
    no_location = real_stats.groupby(["force", "month"])["no_location"].sum()
    assert no_location["derbyshire"].max() == 0
    assert no_location["nottinghamshire"].between(46, 194).all()


@pytest.mark.realdata
def test_real_artefacts_are_flagged(real_stats: pd.DataFrame) -> None:
    flags = detect_anomalies(real_stats)
    for (force, category, month), rules in KNOWN_ARTEFACTS.items():
        hit = flags[
            (flags["force"] == force) & (flags["category"] == category) & (flags["month"] == month)
        ]
        assert rules <= set(hit["rule"]), (force, category, month, set(hit["rule"]))


@pytest.mark.realdata
def test_real_flagged_share_is_small(real_stats: pd.DataFrame) -> None:
    flagged = _flagged_cells(detect_anomalies(real_stats))
    share = len(flagged) / len(real_stats)
    assert share < REAL_FLAGGED_SHARE_BOUND, sorted(flagged - set(KNOWN_ARTEFACTS))


@pytest.mark.realdata
def test_real_capped_months_are_found_from_counts_alone(real_stats: pd.DataFrame) -> None:
    # Half of Nottinghamshire's 2022 ASB run is capped; the real August (3,153) between capped
    # months must not be mistaken for a spike, and every capped month must still be found.
    flags = detect_anomalies(real_stats[["force", "category", "month", "count"]])
    notts = flags[(flags["force"] == "nottinghamshire") & (flags["category"] == ASB)]
    capped = {month for force, _, month in KNOWN_ARTEFACTS if force == "nottinghamshire"}
    assert set(notts.loc[notts["rule"] == "collapse", "month"]) == capped
    assert set(notts["month"]) == capped
