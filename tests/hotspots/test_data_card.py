"""The manager's home page says, per force, how fresh its data are and what the latest year
lacks, in a constant number of queries."""

import datetime as dt

import pytest

from hotspots.models import Category, Force, MonthlyStat, QualityFlag


def _hold(force, months, source="police_uk"):
    category = Category.objects.get_or_create(name="Burglary")[0]
    for month in months:
        MonthlyStat.objects.create(force=force, source=source, month=month, category=category,
                                   count=5)  # fmt: skip


@pytest.fixture
def held(db):
    force = Force.objects.create(slug="northshire", name="Northshire Police")
    months = [dt.date(2025, m, 1) for m in range(1, 13) if m != 4]
    _hold(force, months)
    QualityFlag.objects.create(
        force=force,
        month=dt.date(2025, 7, 1),
        rule="truncated",
        count=1,
        category=Category.objects.get(name="Burglary"),
        reason="test",
    )
    # A release note (not an artefact) is not a flag the card names.
    QualityFlag.objects.create(force=force, month=dt.date(2025, 9, 1), rule="no_crime_ids",
                               count=0, kind="release", reason="test")  # fmt: skip
    return force


def test_data_card_names_latest_month_gaps_and_flags(held, manager_client, settings):
    page = manager_client.get("/manager/").content.decode()
    card = page[page.index('id="data-held"') :]
    card = card[: card.index("</section>")]
    assert "Northshire Police" in card
    assert "Dec 2025" in card
    assert "2025-04" in card, "the missing month is named"
    assert "2025-07" in card, "the flagged month is named"
    assert "2025-09" not in card, "a release note is not an artefact"


def test_data_card_query_count_does_not_grow_with_forces(
    held, manager_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40) as one:
        manager_client.get("/manager/")
    for i in range(5):
        force = Force.objects.create(slug=f"f{i}", name=f"Force {i}")
        _hold(force, [dt.date(2025, 1, 1), dt.date(2025, 3, 1)])
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = manager_client.get("/manager/").content.decode()
    assert "Force 4" in page
