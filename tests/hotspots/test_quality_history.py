"""The data-quality check on police.uk's history: category schemes, months without Crime IDs
and whole-force months, measured on synthetic forces with planted artefacts (recall and
false-positive rate against thresholds) and checked on the real Derbyshire data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.quality import detect_anomalies, monthly_stats
from hotspots.schemes import load_schemes
from hotspots.synthetic import (
    PlantedArtefact,
    SyntheticConfig,
    build_dataset,
    ground_truth,
    month_range,
    police_uk_frame,
)

MONTHS = month_range("2010-12", "2014-12")  # all three schemes, 12 months without Crime IDs
SCHEME_CHANGES = {"2011-09", "2013-05"}
# Categories present under one name in every scheme, and those from 2011-09 on.
ALWAYS = ("Anti-social behaviour", "Burglary", "Vehicle crime", "Violence and sexual offences")
FROM_2011_09 = ("Shoplifting", "Criminal damage and arson", "Drugs")
KINDS = (("capped", 0.75), ("duplicated", 2), ("truncated", 0.5), ("dip", 0.7))
SEEDS = range(4)
RECALL_MIN = 0.95  # observed 1.0 over these seeds
FALSE_POSITIVE_MAX = 0.005  # share of clean cells flagged; observed 0.0
HARMONISED = {r.published: r.harmonised for s in load_schemes() for r in s.categories}


@pytest.fixture(autouse=True)
def _fast_hashing() -> None:
    """Shadow the Django-only autouse fixture of tests/conftest.py: this module is Django-free."""


def _planted(seed: int) -> tuple[PlantedArtefact, ...]:
    """Two artefacts of each kind, at least three months apart, away from the first and
    last months."""
    rng = np.random.default_rng(seed)
    months = rng.choice(np.arange(3, len(MONTHS) - 3, 3), size=2 * len(KINDS), replace=False)
    planted = []
    for i, month in enumerate(months):
        kind, factor = KINDS[i % len(KINDS)]
        label = MONTHS[int(month) + int(rng.integers(0, 2))]
        choices = ALWAYS + (FROM_2011_09 if label >= "2011-09" else ())
        category = None if kind == "dip" else str(rng.choice(choices))
        planted.append(PlantedArtefact(label, kind, category, factor))
    return tuple(planted)


def _history_force(seed: int) -> tuple[pd.DataFrame, dict]:
    config = SyntheticConfig(
        seed=seed, months=MONTHS, artefact_month=None, n_map_points=1500,
        old_schemes_before="2013-05", no_crime_ids_before="2011-12", artefacts=_planted(seed),
    )  # fmt: skip
    dataset = build_dataset(config)
    rows = police_uk_frame(dataset)
    # As the importer stores them: the published name under its harmonised category.
    rows["Crime type"] = rows["Crime type"].map(HARMONISED)
    return monthly_stats(rows.assign(force=f"force-{seed}")), ground_truth(dataset)


@pytest.fixture(scope="module")
def forces() -> list[tuple[pd.DataFrame, dict, pd.DataFrame]]:
    found = []
    for seed in SEEDS:
        stats, truth = _history_force(seed)
        found.append((stats, truth, detect_anomalies(stats)))
    return found


def _rates(forces) -> dict[str, float]:
    """Recall of the planted artefacts and the share of clean cells flagged."""
    planted = found = clean = false = 0
    for stats, truth, flags in forces:
        artefacts = flags[flags["kind"] == "artefact"]
        cells = set(artefacts[["category", "month"]].itertuples(index=False, name=None))
        dips = {a["month"] for a in truth["artefacts"] if a["kind"] == "dip"}
        hit = {(a["category"], a["month"]) for a in truth["artefacts"] if a["category"]}
        planted += len(truth["artefacts"])
        found += sum(1 for cell in hit if cell in cells)
        found += sum(1 for month in dips if (None, month) in cells)
        for category, month in stats[["category", "month"]].itertuples(index=False):
            if (category, month) in hit or month in dips:
                continue
            clean += 1
            false += (category, month) in cells
        months = set(stats["month"]) - dips
        clean += len(months)  # the force-months, for whole-month flags
        false += sum(1 for category, month in cells if category is None and month in months)
    return {"recall": found / planted, "false_positive_rate": false / clean, "planted": planted}


def test_planted_artefacts_are_found_and_clean_months_are_not_flagged(
    forces, record_property
) -> None:
    rates = _rates(forces)
    record_property("recall", rates["recall"])
    record_property("false_positive_rate", rates["false_positive_rate"])
    print(  # reported with -s / -rP
        f"recall {rates['recall']:.3f} of {rates['planted']} planted artefacts, "
        f"false-positive rate {rates['false_positive_rate']:.4f}"
    )
    assert rates["recall"] >= RECALL_MIN, rates
    assert rates["false_positive_rate"] <= FALSE_POSITIVE_MAX, rates


def test_scheme_changes_raise_no_artefact_flags(forces) -> None:
    for _, truth, flags in forces:
        planted = {a["month"] for a in truth["artefacts"]}
        artefacts = flags[(flags["kind"] == "artefact") & ~flags["month"].isin(planted)]
        assert not set(artefacts["month"]) & SCHEME_CHANGES, artefacts["reason"].tolist()
        notes = flags[flags["rule"] == "scheme_change"]
        assert set(notes["month"]) == SCHEME_CHANGES
        assert notes["category"].isna().all()


def test_months_without_crime_ids_are_one_release_note_each(forces) -> None:
    for stats, truth, flags in forces:
        notes = flags[flags["rule"] == "no_crime_ids"]
        assert sorted(notes["month"]) == truth["no_crime_ids"]
        assert (notes["kind"] == "release").all() and notes["category"].isna().all()
        per_category = flags[flags["month"].isin(truth["no_crime_ids"]) & flags["category"].notna()]
        assert "duplicate_excess" not in set(per_category["rule"])
        # The duplicates really are heavier there: the note is not a formality.
        share = stats.groupby(stats["month"] < "2011-12").apply(
            lambda part: part["duplicate_rows"].sum() / part["count"].sum()
        )
        assert share[True] > 2 * share[False]


def test_a_whole_force_dip_is_one_flag_not_one_per_category(forces) -> None:
    for _, truth, flags in forces:
        for month in (a["month"] for a in truth["artefacts"] if a["kind"] == "dip"):
            in_month = flags[(flags["month"] == month) & (flags["kind"] == "artefact")]
            assert (in_month["rule"] == "force_month").sum() == 1
            planted_here = {a["category"] for a in truth["artefacts"] if a["month"] == month}
            assert set(in_month["category"].dropna()) <= planted_here


def test_a_category_that_vanishes_in_a_dip_month_is_still_flagged() -> None:
    stats, _ = _history_force(0)
    dip = next(a.month for a in _planted(0) if a.kind == "dip")
    cell = (stats["month"] == dip) & (stats["category"] == "Burglary")
    stats = stats[~cell]  # Burglary vanished as well as the whole month falling
    flags = detect_anomalies(stats)
    burglary = flags[(flags["month"] == dip) & (flags["category"] == "Burglary")]
    assert "collapse" in set(burglary["rule"])


@pytest.mark.realdata
def test_real_derbyshire_has_no_history_flags(shared_data) -> None:
    frames = [
        pd.read_csv(path, dtype=str, keep_default_na=False)
        for path in sorted((shared_data / "derbyshire").glob("*-street.csv.gz"))
    ]
    stats = monthly_stats(pd.concat(frames, ignore_index=True).assign(force="derbyshire"))
    flags = detect_anomalies(stats)
    # All 14-category months with Crime IDs: no scheme change, no release note, no whole-force
    # month; the known ASB artefacts (tests/hotspots/test_quality.py) are still there.
    assert set(flags["kind"]) == {"artefact"}
    assert "force_month" not in set(flags["rule"])
    asb = flags[flags["category"] == "Anti-social behaviour"]
    assert {"2024-01", "2024-02"} <= set(asb["month"])


def test_two_months_cannot_say_which_one_moved() -> None:
    rows = [
        ("f", category, month, count, 0)
        for category in ("Burglary", "Drugs", "Robbery", "Shoplifting", "Vehicle crime")
        for month, count in (("2024-01", 300), ("2024-02", 200))
    ]
    stats = pd.DataFrame(rows, columns=["force", "category", "month", "count", "duplicate_rows"])
    assert "force_month" not in set(detect_anomalies(stats)["rule"])
    three = pd.concat([stats, stats[stats["month"] == "2024-01"].assign(month="2024-03")])
    flags = detect_anomalies(three)
    assert list(flags.loc[flags["rule"] == "force_month", "month"]) == ["2024-02"]
