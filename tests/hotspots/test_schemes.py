"""police.uk's category schemes: the crosswalk, the comparison groups and the stored names."""

import datetime as dt

import pytest

from hotspots.categories import read_category_table
from hotspots.models import Category, Incident
from hotspots.schemes import (
    comparison_groups,
    load_schemes,
    month_key,
    published_name,
    scheme_of,
)
from hotspots.services.imports import incidents_import_police_uk
from tests.hotspots import files

SIX = {"Anti-social behaviour", "Burglary", "Other crime", "Robbery", "Vehicle crime",
       "Violent crime"}  # fmt: skip
ELEVEN_ADDS = {"Criminal damage and arson", "Drugs", "Other theft", "Shoplifting",
               "Public disorder and weapons"}  # fmt: skip


def test_the_three_schemes_and_their_dates():
    six, eleven, fourteen = load_schemes()
    assert (six.first, six.last, set(six.published)) == ("2010-12", "2011-08", SIX)
    assert (eleven.first, eleven.last) == ("2011-09", "2013-04")
    assert set(eleven.published) == SIX | ELEVEN_ADDS
    assert fourteen.first == "2013-05" and fourteen.last is None
    current = {row["name"] for row in read_category_table()} - {"Public disorder and weapons"}
    assert set(fourteen.published) == current and len(current) == 14
    assert [scheme_of(m).key for m in ("2010-12", "2011-08", "2011-09", "2013-04", "2013-05")] == [
        "six", "six", "eleven", "eleven", "fourteen"
    ]  # fmt: skip
    assert scheme_of(dt.date(2025, 3, 1)).key == "fourteen"


def test_every_published_name_maps_to_a_harmonised_category():
    names = {row["name"] for row in read_category_table()}
    aliases = {a for row in read_category_table() for a in row["aliases"]}
    for scheme in load_schemes():
        for row in scheme.categories:
            assert row.harmonised in names
            assert row.published in names | aliases


def test_public_disorder_and_weapons_is_not_possession_of_weapons():
    table = {row["name"]: row for row in read_category_table()}
    assert "Public disorder and weapons" not in table["Possession of weapons"]["aliases"]
    assert published_name("Public disorder and weapons", "2012-06") == "Public disorder and weapons"
    assert published_name("Violence and sexual offences", "2012-06") == "Violent crime"
    assert published_name("Possession of weapons", "2012-06") is None


def test_one_scheme_compares_every_category_alone():
    result = comparison_groups(["2024-01", "2024-02"], ["2025-01", "2025-02"])
    assert not result.straddles and result.not_comparable == ()
    assert len(result.groups) == 14 and all(g.single for g in result.groups)
    assert result.joined == ()


def test_across_2013_05_public_order_and_weapons_and_thefts_are_grouped():
    result = comparison_groups([dt.date(2012, 6, 1)], [dt.date(2013, 6, 1)])
    assert result.straddles and result.schemes == ("eleven", "fourteen")
    weapons = result.group_of("Possession of weapons")
    assert weapons.name == "Public order and weapons"
    assert set(weapons.categories) == {
        "Public disorder and weapons", "Public order", "Possession of weapons"
    }  # fmt: skip
    theft = result.group_of("Bicycle theft")
    assert theft.name == "Theft (other, bicycle, from the person)"
    assert set(theft.categories) == {"Other theft", "Bicycle theft", "Theft from the person"}
    violence = result.group_of("Violence and sexual offences")
    assert violence.name == "Violence" and violence.single and violence.approximate
    assert set(result.not_comparable) == {
        "Public disorder and weapons", "Public order", "Possession of weapons", "Other theft",
        "Bicycle theft", "Theft from the person",
    }  # fmt: skip
    assert result.group_of("Burglary").name == "Burglary"
    assert not result.group_of("Burglary").approximate


def test_across_the_first_change_other_crime_takes_the_new_categories():
    result = comparison_groups(["2011-01"], ["2012-01"])
    other = result.group_of("Drugs")
    assert other is result.group_of("Other crime") is result.group_of("Shoplifting")
    assert set(other.categories) == {
        "Other crime", "Criminal damage and arson", "Drugs", "Other theft", "Shoplifting",
        "Public disorder and weapons",
    }  # fmt: skip
    # Both schemes kept sexual offences in Other crime: no approximation between them.
    assert not other.approximate
    assert result.group_of("Violence and sexual offences").name == "Violent crime"


def test_groups_partition_the_categories_of_every_pair_of_schemes():
    months = ["2011-01", "2012-01", "2014-01"]
    for first in months:
        for second in months:
            result = comparison_groups([first], [second])
            members = [c for g in result.groups for c in g.categories]
            assert len(members) == len(set(members))


def test_a_period_spanning_a_change_is_itself_straddling():
    result = comparison_groups(["2013-03", "2013-04", "2013-05"], ["2014-03"])
    assert result.first_schemes == ("eleven", "fourteen")
    assert result.straddles


def test_bad_months_are_refused():
    with pytest.raises(ValueError, match="not a month"):
        month_key("March")


@pytest.mark.django_db
def test_importer_stores_the_published_name_beside_the_harmonised_one(tmp_path):
    rows = [
        files.row("2012-06", "Public disorder and weapons", crime_id="a1"),
        files.row("2012-06", "Violent crime", crime_id="a2"),
        files.row("2012-06", "Anti-social behaviour"),
    ]
    path = files.write(tmp_path / "2012-06-testshire-street.csv", files.csv_text(rows))
    incidents_import_police_uk(paths=[path])
    stored = dict(Incident.objects.values_list("published_category", "category__name"))
    assert stored == {
        "Public disorder and weapons": "Public disorder and weapons",
        "Violent crime": "Violence and sexual offences",
        "Anti-social behaviour": "Anti-social behaviour",
    }
    assert not Category.objects.get(name="Possession of weapons").incidents.exists()


@pytest.mark.django_db
def test_incident_data_page_summarises_the_flags(manager_client):
    from core.months import month_ranges
    from hotspots.models import Force, QualityFlag

    force = Force.objects.create(name="Oldshire Police", slug="oldshire")
    burglary = Category.objects.get(name="Burglary")
    months = [dt.date(2010 + (11 + i) // 12, (11 + i) % 12 + 1, 1) for i in range(12)]
    flags = [
        QualityFlag(force=force, month=m, kind="release", rule="no_crime_ids", reason="r",
                    count=1)
        for m in months
    ] + [
        QualityFlag(force=force, month=dt.date(2012, 3, 1), rule="force_month", reason="dip",
                    count=5),
        QualityFlag(force=force, category=burglary, month=dt.date(2014, 2, 1),
                    rule="round_cap", reason="capped", count=200),
    ]  # fmt: skip
    QualityFlag.objects.bulk_create(flags)
    page = manager_client.get("/incidents/").content.decode()
    assert "12 months (2010-12…2011-11) — no Crime IDs (release property)" in page
    assert "All categories</strong>: 1 month (2012-03) — whole force moved together" in page
    assert "Every flag (14)" in page
    # The calendar marks the whole-force artefact month, not the release's property.
    from hotspots.views import month_calendars

    held = {(force.pk, "police_uk"): {months[0], dt.date(2012, 3, 1)}}
    [calendar] = month_calendars([force], held, flags)
    assert calendar.sources[0].flagged == ["2012-03"]
    cells = {c.title.split(":")[0]: c for row in calendar.sources[0].years for c in row.cells}
    assert cells["Mar 2012"].title == "Mar 2012: flagged (All categories: force_month)"
    assert cells["Dec 2010"].state == "held"
    assert month_ranges(["2022-01", "2022-06", "2022-07", "2022-09"]) == (
        "2022-01, 2022-06…2022-07, 2022-09"
    )
    api = manager_client.get("/api/quality-flags/").json()
    rows = api["results"] if isinstance(api, dict) else api
    assert {(r["category"], r["kind"]) for r in rows} >= {
        (None, "release"),
        ("burglary", "artefact"),
    }
