"""Columns read straight into numpy arrays equal what the ORM returns, on SQLite and
PostgreSQL: every kind of column, NULLs, unicode text, empty results and the filters runs and
evaluations use; and the planner's statistics are fresh after an import."""

import datetime as dt
import math

import numpy as np
import pytest
from django.db import connection
from django.db.models import F, FloatField
from django.db.models.functions import Cast
from django.utils import timezone

from evaluation import selectors as evaluation_selectors
from hotspots import selectors
from hotspots.models import Category, Force, ImportBatch, Incident
from hotspots.services.columns import RowTexts, read_columns
from hotspots.services.imports import incidents_analyze

pytestmark = pytest.mark.django_db
UTC = dt.UTC
TEXTS = ["On or near Mansfield Road", "ünïcödé 😀 Straße", "", "tab\there\nnew line", "'quote\\"]


def _batch(force: Force, source: str) -> ImportBatch:
    return ImportBatch.objects.create(
        force=force, source=source, file_name="f.csv", checksum="0" * 64, status="imported"
    )


@pytest.fixture
def incidents():
    """Two forces' incidents, with a missing time or coordinates on some rows."""
    force = Force.objects.create(name="Testshire", slug="testshire")
    other = Force.objects.create(name="Otherhshire", slug="othershire")
    categories = list(Category.objects.order_by("pk")[:3])
    assert len(categories) == 3
    rows = []
    rng = np.random.default_rng(5)
    for i in range(240):
        target = force if i % 7 else other
        source = ImportBatch.Source.FORCE_EXPORT if i % 3 == 0 else ImportBatch.Source.POLICE_UK
        month = dt.date(2024 + i % 24 // 12, i % 12 + 1, 1)
        stamp = dt.datetime(2024, 3, 31, 0, 59, 59, 123456, tzinfo=UTC) + dt.timedelta(hours=i)
        rows.append(
            Incident(
                force=target, batch=_batch(target, source), source=source, month=month,
                occurred_at=stamp if i % 4 else None,
                category=categories[i % 3], published_category=f"Category {i % 3}",
                longitude=-1.5 + i / 1000, latitude=None if i % 11 == 0 else 53.0,
                x=float(rng.uniform(4e5, 5e5)) if i % 13 else None,
                y=float(rng.uniform(3e5, 4e5)), has_location=bool(i % 13),
                in_force_area=bool(i % 5 and i % 13), location=TEXTS[i % len(TEXTS)],
                lsoa_name=TEXTS[(i + 2) % len(TEXTS)], reference=f"R{i}",
            )
        )  # fmt: skip
    Incident.objects.bulk_create(rows)
    return force, categories


def _as_python(value, kind: str):
    """An array value as the ORM gives it."""
    if kind == "float":
        return None if math.isnan(value) else float(value)
    if kind == "date":
        return None if np.isnat(value) else value.astype("datetime64[D]").item()
    if kind == "stamp":
        if np.isnat(value):
            return None
        return value.astype("datetime64[us]").item().replace(tzinfo=UTC)
    return value.item() if isinstance(value, np.generic) else value


KINDS = {
    "id": "int", "force_id": "int", "category_id": "int", "month": "date",
    "occurred_at": "stamp", "x": "float", "latitude": "float", "has_location": "int",
    "in_force_area": "int", "location": "text", "lsoa_name": "text", "source": "text",
}  # fmt: skip


def _check_equal(queryset, names):
    columns = read_columns(queryset, names)
    expected = sorted(queryset.values_list(*names), key=lambda row: row[0])
    order = np.argsort(columns[names[0]], kind="stable")
    got = [
        tuple(_as_python(columns[n][i], KINDS[n]) for n in names) for i in order.tolist()
    ]  # fmt: skip
    assert got == expected
    for name in names:
        assert len(columns[name]) == len(expected)
    return columns


def test_every_kind_of_column_equals_the_orm(incidents):
    names = ["id", "force_id", "category_id", "month", "occurred_at", "x", "latitude",
             "has_location", "in_force_area"]  # fmt: skip
    columns = _check_equal(Incident.objects.all(), names)
    assert columns["x"].dtype == np.float64 and np.isnan(columns["x"]).sum() > 0
    assert np.isnat(columns["occurred_at"]).sum() > 0
    assert columns["has_location"].dtype == bool and columns["id"].dtype == np.int64
    assert columns["month"].dtype == np.dtype("datetime64[D]")


def test_text_columns_equal_the_orm_with_unicode_and_control_characters(incidents):
    columns = _check_equal(Incident.objects.all(), ["id", "location", "lsoa_name", "source"])
    assert set(columns["location"].tolist()) == set(TEXTS)


def test_filters_by_force_months_and_categories(incidents):
    force, categories = incidents
    chosen = [categories[0].pk, categories[2].pk]
    rows = (
        Incident.objects.mappable()
        .filter(force=force, source=ImportBatch.Source.POLICE_UK, category_id__in=chosen)
        .in_months(dt.date(2024, 3, 1), dt.date(2025, 2, 1))
    )
    columns = _check_equal(rows, ["id", "x", "category_id", "month", "occurred_at"])
    assert 0 < len(columns["id"]) < Incident.objects.count()
    assert set(columns["category_id"].tolist()) <= set(chosen)


def test_annotations_are_read_as_their_output_field(incidents):
    rows = Incident.objects.exclude(x=None).annotate(half=Cast(F("x") / 2, FloatField()))
    columns = read_columns(rows, ["id", "half"])
    expected = dict(rows.values_list("id", "half"))
    assert [expected[i] for i in columns["id"].tolist()] == columns["half"].tolist()


def test_empty_result(incidents):
    nothing = Incident.objects.filter(force__slug="nowhere")
    columns = read_columns(nothing, ["id", "x", "month", "occurred_at", "location"])
    assert {name: len(values) for name, values in columns.items()} == dict.fromkeys(columns, 0)
    assert columns["x"].dtype == np.float64
    fixed = read_columns(nothing, ["id", "x", "month", "occurred_at"])
    assert fixed["occurred_at"].dtype == np.dtype("datetime64[us]") and len(fixed["id"]) == 0


def test_nullable_annotations_and_unreadable_fields(incidents):
    rows = Incident.objects.annotate(maybe=Cast(F("x"), FloatField())).exclude(x=None)
    assert not np.isnan(read_columns(rows, ["maybe"])["maybe"]).any()
    with pytest.raises(TypeError, match="no column reading"):
        read_columns(Force.objects.all(), ["boundary"])


def test_row_texts_read_only_the_rows_asked_for(incidents, django_assert_num_queries):
    ids = np.array(sorted(Incident.objects.values_list("id", flat=True)))
    texts = RowTexts(Incident, ids, ["location", "lsoa_name"])
    rows = np.arange(len(ids)) % 3 == 0
    with django_assert_num_queries(1):
        got = texts(rows)
    named = Incident.objects.values_list("id", "location", "lsoa_name")
    expected = {i: (a, b) for i, a, b in named}
    assert list(zip(got["location"], got["lsoa_name"], strict=True)) == [
        expected[i] for i in ids[rows].tolist()
    ]
    with django_assert_num_queries(0):  # kept
        again = texts(np.flatnonzero(rows)[:5])
    assert again["location"].tolist() == got["location"][:5].tolist()
    assert texts(np.zeros(len(ids), dtype=bool))["location"].tolist() == []


def test_incident_arrays_equal_the_orm_and_name_places(incidents):
    force, categories = incidents
    ids = [c.pk for c in categories]
    first, last = dt.date(2024, 1, 1), dt.date(2025, 12, 1)
    data = selectors.incident_arrays(
        force=force, first=first, last=last, category_ids=ids, source=ImportBatch.Source.POLICE_UK
    )
    rows = {
        r[0]: r[1:]
        for r in Incident.objects.mappable()
        .filter(force=force, source=ImportBatch.Source.POLICE_UK)
        .values_list("id", "x", "y", "category_id", "month", "occurred_at", "location", "lsoa_name")
    }
    assert sorted(data.id.tolist()) == sorted(rows)
    location, lsoa = data.places(np.ones(len(data), dtype=bool))
    for i, pk in enumerate(data.id.tolist()):
        x, y, category, month, stamp, loc, name = rows[pk]
        got = (_as_python(data.x[i], "float"), _as_python(data.y[i], "float"), data.category_id[i])
        assert got == (x, y, category)
        assert str(data.month[i]) == f"{month:%Y-%m}"
        assert data.month_offsets(first)[i] == (month.year - 2024) * 12 + month.month - 1
        expected_stamp = None if stamp is None else timezone.make_naive(stamp, UTC)
        got_stamp = None if np.isnat(data.occurred_at[i]) else data.occurred_at[i].item()
        if got_stamp is not None:
            got_stamp = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=got_stamp // 1000)
        assert got_stamp == expected_stamp
        assert (location[i], lsoa[i]) == (loc, name)


def test_evaluation_reads_equal_the_orm(incidents):
    force, _ = incidents
    months = [dt.date(2024, 5, 1), dt.date(2024, 2, 1), dt.date(2025, 7, 1)]
    source = ImportBatch.Source.POLICE_UK
    got = evaluation_selectors.located_incidents(force=force, source=source, months=months)
    rows = Incident.objects.mappable().filter(force=force, source=source, month__in=months)
    values = rows.values_list("x", "y", "category_id", "month")
    expected = sorted((x, y, c, months.index(m)) for x, y, c, m in values)
    assert sorted(zip(got.x.tolist(), got.y.tolist(), got.category_id.tolist(),
                      got.month.tolist(), strict=True)) == expected  # fmt: skip
    period = (dt.date(2024, 3, 31), dt.date(2024, 4, 8))
    timed = evaluation_selectors.timed_incidents(force=force, period=period)
    zone = timezone.get_default_timezone()
    stamps = (
        Incident.objects.mappable()
        .filter(force=force, source=ImportBatch.Source.FORCE_EXPORT)
        .exclude(occurred_at=None)
        .values_list("occurred_at", flat=True)
    )
    days = sorted(
        d for d in (s.astimezone(zone).date() for s in stamps) if period[0] <= d <= period[1]
    )
    assert len(days) > 0
    assert sorted(timed.day.tolist()) == [d.isoformat() for d in days]


def test_import_leaves_fresh_planner_statistics(incidents):
    """The statistics refresh after an import really ANALYZEs the incident table (the count of
    analyses PostgreSQL keeps goes up by one); nothing to do on SQLite."""
    if connection.vendor != "postgresql":
        incidents_analyze()
        return

    def analyses() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = %s",
                [Incident._meta.db_table],
            )
            return cursor.fetchone()[0]

    before = analyses()
    incidents_analyze()
    assert analyses() == before + 1
