"""The synthetic generator's optional history: old category schemes, months without Crime IDs
and planted artefact months, with their ground truth; the defaults are unchanged."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.synthetic import (
    CATEGORIES,
    PlantedArtefact,
    SyntheticConfig,
    build_dataset,
    ground_truth,
    month_range,
    police_uk_frame,
)

SMALL = {"n_map_points": 600, "artefact_month": None}


@pytest.fixture(autouse=True)
def _fast_hashing() -> None:
    """Shadow the Django-only autouse fixture of tests/conftest.py: this module is Django-free."""


@pytest.fixture(scope="module")
def history():
    config = SyntheticConfig(
        months=month_range("2011-07", "2013-06"), old_schemes_before="2013-05",
        no_crime_ids_before="2011-12",
        artefacts=(
            PlantedArtefact("2012-02", "capped", "Burglary", 0.7),
            PlantedArtefact("2012-04", "duplicated", "Drugs", 3),
            PlantedArtefact("2012-06", "truncated", "Vehicle crime", 0.4),
            PlantedArtefact("2012-08", "dip", None, 0.6),
        ),
        **SMALL,
    )  # fmt: skip
    dataset = build_dataset(config)
    return dataset, police_uk_frame(dataset), ground_truth(dataset)


def test_defaults_plant_no_history() -> None:
    truth = ground_truth(build_dataset(SyntheticConfig(months=("2024-12", "2025-01"), **SMALL)))
    assert not {"published_categories", "no_crime_ids", "artefacts"} & set(truth)


def test_months_are_published_under_their_scheme(history) -> None:
    _, rows, truth = history
    names = rows.groupby("Month")["Crime type"].unique().map(set)
    assert names["2011-08"] <= {
        "Anti-social behaviour", "Burglary", "Other crime", "Robbery", "Vehicle crime",
        "Violent crime",
    }  # fmt: skip
    assert "Public disorder and weapons" in names["2012-06"]
    assert not names["2012-06"] & {"Possession of weapons", "Public order", "Bicycle theft"}
    assert names["2013-05"] <= set(CATEGORIES) and "Bicycle theft" in names["2013-05"]
    assert truth["published_categories"]["2012-06"]["Bicycle theft"] == "Other theft"


def test_no_crime_ids_before_the_chosen_month(history) -> None:
    _, rows, truth = history
    crimes = rows[rows["Crime type"] != "Anti-social behaviour"]
    before = crimes["Month"] < "2011-12"
    assert (crimes.loc[before, "Crime ID"] == "").all()
    assert (crimes.loc[~before, "Crime ID"].str.len() == 64).all()
    assert truth["no_crime_ids"] == ["2011-07", "2011-08", "2011-09", "2011-10", "2011-11"]


def test_planted_artefacts_and_their_truth(history) -> None:
    dataset, rows, truth = history
    planted = {(a["kind"]): a for a in truth["artefacts"]}
    published = rows.groupby(["Month", "Crime type"]).size()
    capped = planted["capped"]
    assert published["2012-02", "Burglary"] == capped["rows_published"]["Burglary"]
    assert capped["rows_published"]["Burglary"] % 100 == 0
    assert capped["rows_published"]["Burglary"] <= 0.7 * capped["rows_generated"]["Burglary"]
    tripled = planted["duplicated"]
    assert tripled["rows_published"]["Drugs"] == 3 * tripled["rows_generated"]["Drugs"]
    assert published["2012-04", "Drugs"] == tripled["rows_published"]["Drugs"]
    cut = planted["truncated"]["rows_published"]["Vehicle crime"]
    assert cut == pytest.approx(
        0.4 * planted["truncated"]["rows_generated"]["Vehicle crime"], rel=0.2
    )
    dip = planted["dip"]
    assert set(dip["rows_generated"]) == set(CATEGORIES)
    kept = sum(dip["rows_published"].values()) / sum(dip["rows_generated"].values())
    assert kept == pytest.approx(0.6, abs=0.03)
    assert len(rows) == len(dataset.published)


@pytest.mark.parametrize(
    ("kind", "category", "factor"),
    [("dip", "Burglary", 0.5), ("capped", None, 0.5), ("duplicated", "Drugs", 1.5),
     ("truncated", "Drugs", 1.5), ("melted", "Drugs", 0.5)],
)  # fmt: skip
def test_bad_artefacts_are_refused(kind, category, factor) -> None:
    with pytest.raises(ValueError):
        PlantedArtefact("2012-01", kind, category, factor)


def test_an_artefact_outside_the_months_is_refused() -> None:
    with pytest.raises(ValueError, match="month"):
        SyntheticConfig(artefacts=(PlantedArtefact("2030-01", "dip", None, 0.5),))


def test_frame_matches_the_written_files(history, tmp_path) -> None:
    from hotspots.synthetic import write_police_uk

    dataset, rows, _ = history
    paths = write_police_uk(dataset.config, tmp_path, dataset)
    written = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths], ignore_index=True
    )
    pd.testing.assert_frame_equal(written, rows.astype(str), check_dtype=False)
