"""Importing into the database: replacement of months, rejection, atomicity, idempotency."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db import connection

from core.models import Job
from hotspots.ingest.force_export import ExportMapping
from hotspots.models import Force, ImportBatch, Incident, MonthlyStat
from hotspots.services import imports
from hotspots.services.imports import (
    ImportRejected,
    incidents_import_force_export,
    incidents_import_police_uk,
)
from tests.hotspots import files
from tests.utils import database_url

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def month_file(tmp_path, month, asb=3, burglary=2, extra=()):
    rows = files.month_rows(month, asb, burglary) + list(extra)
    return files.write(tmp_path / f"{month}-testshire-street.csv", files.csv_text(rows))


def counts(force_slug="testshire"):
    return Incident.objects.filter(force__slug=force_slug).count()


def test_import_reads_force_from_file_and_counts(tmp_path):
    path = month_file(tmp_path, "2025-01", extra=[files.no_location_row()])
    summary = incidents_import_police_uk(paths=[path])
    force = Force.objects.get()
    assert (force.slug, force.name) == ("testshire", "Testshire Constabulary")
    assert (summary.rows_read, summary.rows_imported, summary.rows_no_location) == (6, 6, 1)
    batch = ImportBatch.objects.get()
    assert batch.months == ["2025-01"]
    assert batch.status == "imported"
    assert len(batch.checksum) == 64
    stat = MonthlyStat.objects.get(category__slug="anti-social-behaviour")
    assert (stat.count, stat.duplicate_rows) == (3, 2)


def test_reimporting_a_month_replaces_it(tmp_path):
    incidents_import_police_uk(paths=[month_file(tmp_path, "2025-01", asb=3)])
    incidents_import_police_uk(paths=[month_file(tmp_path, "2025-02", asb=4)])
    incidents_import_police_uk(paths=[month_file(tmp_path, "2025-01", asb=3)])
    assert counts() == 5 + 6
    republished = month_file(tmp_path / "new", "2025-01", asb=10)
    incidents_import_police_uk(paths=[republished])
    assert counts() == 12 + 6
    statuses = list(ImportBatch.objects.order_by("id").values_list("months", "status"))
    assert statuses == [
        (["2025-01"], "superseded"),
        (["2025-02"], "imported"),
        (["2025-01"], "superseded"),
        (["2025-01"], "imported"),
    ]


def test_the_same_month_twice_in_one_import_is_refused(tmp_path):
    first = month_file(tmp_path / "a", "2025-01")
    second = month_file(tmp_path / "b", "2025-01")
    with pytest.raises(ImportRejected, match="month 2025-01"):
        incidents_import_police_uk(paths=[first, second])
    assert counts() == 0


def test_reject_mode_writes_no_incidents_and_records_why(tmp_path):
    good = month_file(tmp_path, "2025-01")
    bad = month_file(tmp_path, "2025-02", extra=[files.row("2025-02", category="Nonsense")])
    with pytest.raises(ImportRejected) as caught:
        incidents_import_police_uk(paths=[good, bad])
    assert "2025-02-testshire-street.csv, line 7, field 'Crime type'" in str(caught.value)
    assert counts() == 0
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.file_name, batch.rows_rejected) == ("rejected", bad.name, 1)
    assert batch.rejected_rows[0]["line"] == 7


def test_skip_mode_imports_good_rows_and_lists_bad_ones(tmp_path):
    bad_row = files.row("2025-02", point=("x", "52.9", "nowhere"))
    path = month_file(tmp_path, "2025-02", extra=[bad_row])
    summary = incidents_import_police_uk(paths=[path], on_error="skip")
    assert (summary.rows_read, summary.rows_imported, summary.rows_rejected) == (6, 5, 1)
    batch = ImportBatch.objects.get()
    assert batch.rejected_rows == [
        {
            "file": path.name,
            "line": 7,
            "field": "Longitude",
            "message": "is not a number",
            "value": "x",
        }
    ]


def test_boundary_flags_outside_rows_and_keeps_them(tmp_path):
    boundary = files.write(tmp_path / "b.geojson", json.dumps(files.BOUNDARY))
    path = month_file(tmp_path, "2025-01", extra=[files.row(point=files.POINT_WALES)])
    summary = incidents_import_police_uk(paths=[path], boundary_path=boundary)
    assert summary.rows_outside == 1
    assert Incident.objects.mappable().count() == 5
    assert Incident.objects.count() == 6
    assert 400 < Force.objects.get().boundary_area_km2 < 500


def test_a_changed_boundary_file_is_read_again(tmp_path):
    boundary = files.write(tmp_path / "b.geojson", json.dumps(files.BOUNDARY))
    path = month_file(tmp_path, "2025-01", extra=[files.row(point=files.POINT_WALES)])
    assert incidents_import_police_uk(paths=[path], boundary_path=boundary).rows_outside == 1
    # The same file, now drawn around Wales: the import must flag by the new boundary.
    lon, lat = (float(v) for v in files.POINT_WALES[:2])
    wales = {"type": "Polygon", "coordinates": [[[lon - 0.1, lat - 0.1], [lon + 0.1, lat - 0.1],
             [lon + 0.1, lat + 0.1], [lon - 0.1, lat + 0.1], [lon - 0.1, lat - 0.1]]]}  # fmt: skip
    files.write(boundary, json.dumps(wales))
    os.utime(boundary, ns=(1, 1))  # a different modification time, whatever the clock says
    assert incidents_import_police_uk(paths=[path], boundary_path=boundary).rows_outside == 5
    assert shapely.from_geojson(json.dumps(Force.objects.get().boundary)).contains(
        shapely.Point(lon, lat)
    )


def test_zip_and_folder_imports(tmp_path):
    archive = files.zip_archive(
        tmp_path / "zips" / "download.zip",
        {
            "2025-01/2025-01-testshire-street.csv": files.csv_text(
                files.month_rows("2025-01", 2, 1)
            ),
            "2025-01/2025-01-testshire-outcomes.csv": "Crime ID,Month\n",
        },
    )
    folder = tmp_path / "months"
    files.write(
        folder / "2025-02" / "2025-02-testshire-street.csv.gz",
        files.csv_text(files.month_rows("2025-02", 1, 1)),
    )
    summary = incidents_import_police_uk(paths=[archive, folder])
    assert summary.files == 2
    assert counts() == 5


def test_failure_while_writing_rolls_everything_back(tmp_path, monkeypatch):
    incidents_import_police_uk(paths=[month_file(tmp_path, "2025-01", asb=3)])
    calls = []
    real_insert = imports.incidents_insert

    def failing_insert(frame):
        calls.append(len(frame))
        if len(calls) == 2:
            raise OSError("disk full")
        return real_insert(frame)

    monkeypatch.setattr(imports, "incidents_insert", failing_insert)
    paths = [month_file(tmp_path / "new", "2025-01", asb=9), month_file(tmp_path, "2025-02")]
    with pytest.raises(OSError):
        incidents_import_police_uk(paths=paths)
    assert counts() == 5
    assert list(ImportBatch.objects.values_list("status", flat=True)) == ["imported"]


MAPPING = ExportMapping.from_dict(
    {"reference": "Ref", "occurred_at": "When", "occurred_at_format": "%d/%m/%Y %H:%M",
     "category": "Type", "easting": "E", "northing": "N"}
)  # fmt: skip


def test_force_export_is_idempotent_on_reference(tmp_path):
    first = files.write(
        tmp_path / "e1.csv",
        "Ref,When,Type,E,N\nR1,01/03/2025 10:00,Burglary,435300,336300\n"
        "R2,01/03/2025 11:00,Burglary,435300,336300\n",
    )
    second = files.write(
        tmp_path / "e2.csv",
        "Ref,When,Type,E,N\nR2,01/03/2025 11:30,Anti-social behaviour,435300,336300\n"
        "R3,02/04/2025 12:00,Burglary,435300,336300\n",
    )
    for path in (first, second, second, first):
        incidents_import_force_export(path=path, mapping=MAPPING, force_slug="testshire")
    rows = Incident.objects.filter(source="force_export").order_by("reference")
    assert [r.reference for r in rows] == ["R1", "R2", "R3"]
    assert rows[1].occurred_at.hour == 11  # the last import of R2 (first file) wins


def test_import_command_prints_summary_and_fails_clearly(tmp_path, capsys):
    call_command("import_police_uk", str(month_file(tmp_path, "2025-01")))
    out = capsys.readouterr().out
    assert "Imported 5 of 5 rows from 1 file(s)" in out
    assert "testshire: 1 month(s), 2025-01 to 2025-01" in out
    bad = files.write(tmp_path / "empty.csv", "")
    with pytest.raises(CommandError, match="empty.csv, line 1: the file is empty"):
        call_command("import_police_uk", str(bad))
    assert Job.objects.filter(kind="hotspots.import_police_uk", status="failed").count() == 1


def test_import_incidents_command_with_example_mapping(capsys):
    examples = ROOT / "examples"
    call_command(
        "import_incidents", str(examples / "force-export.csv"),
        "--mapping", str(examples / "force-export-mapping.json"), "--force", "exampleshire",
    )  # fmt: skip
    assert "Imported 3 of 3 rows" in capsys.readouterr().out
    assert Incident.objects.filter(force__slug="exampleshire").count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_killed_import_leaves_nothing_half_written(tmp_path):
    incidents_import_police_uk(paths=[month_file(tmp_path, "2025-01", asb=3)])
    big = [
        month_file(tmp_path / "big", f"2025-{m:02d}", asb=4000, burglary=4000) for m in range(1, 13)
    ]
    env = {**os.environ, "DATABASE_URL": database_url()}
    command = [sys.executable, "manage.py", "import_police_uk", *map(str, big)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = Job.objects.filter(kind="hotspots.import_police_uk").order_by("-id").first()
        # SQLite writes once everything is read; PostgreSQL writes while reading.
        if job and re.search(r"^writing incidents|[1-9]\d* file\(s\) written", job.message):
            break
        time.sleep(0.02)
    else:
        process.kill()
        pytest.fail("the import never reached its writing step")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert counts() == 5
    assert ImportBatch.objects.count() == 1


# -- outside any transaction: on PostgreSQL a writer thread streams while files are read -----

outside_transaction = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def import_with_messages(**options):
    messages = []
    summary = incidents_import_police_uk(progress=lambda p, m: messages.append(m), **options)
    return summary, messages


@outside_transaction
def test_import_outside_a_transaction_replaces_months_and_keeps_every_value(tmp_path):
    boundary = files.write(tmp_path / "b.geojson", json.dumps(files.BOUNDARY))
    wales = files.row("2025-03", point=files.POINT_WALES)
    months = [
        month_file(tmp_path, "2025-01", asb=3, extra=[files.no_location_row()]),
        month_file(tmp_path, "2025-02", asb=4),
        month_file(tmp_path, "2025-03", asb=5, extra=[wales]),
    ]
    summary, messages = import_with_messages(paths=months, boundary_path=boundary)
    assert (summary.files, summary.rows_imported, summary.rows_outside) == (3, 20, 1)
    if connection.vendor == "postgresql":
        assert any("file(s) written" in m for m in messages)  # the writer thread ran
    republished = month_file(tmp_path / "new", "2025-02", asb=1)
    incidents_import_police_uk(paths=[republished], boundary_path=boundary)
    assert counts() == 6 + 3 + 8
    per_month = dict(
        MonthlyStat.objects.filter(category__slug="anti-social-behaviour").values_list(
            "month__month", "count"
        )
    )
    assert per_month == {1: 3, 2: 1, 3: 6}
    statuses = list(ImportBatch.objects.order_by("id").values_list("months", "status"))
    assert statuses[1] == (["2025-02"], "superseded") and statuses[3][1] == "imported"
    unlocated = Incident.objects.get(has_location=False)
    assert (unlocated.x, unlocated.longitude, unlocated.in_force_area) == (None, None, False)
    assert (unlocated.reference, unlocated.location) == ("abc123", "No Location")
    outside = Incident.objects.get(in_force_area=False, has_location=True)
    assert (outside.longitude, outside.latitude) == (-3.18, 51.48)
    point = Incident.objects.filter(month="2025-03-01").first()
    assert (point.longitude, point.latitude, point.lsoa_name) == (-1.476, 52.922, "Derby 018A")
    assert point.occurred_at is None and 435_000 < point.x < 436_000


@outside_transaction
def test_rejected_import_outside_a_transaction_writes_no_incidents(tmp_path):
    incidents_import_police_uk(paths=[month_file(tmp_path, "2025-01", asb=3)])
    good = month_file(tmp_path / "new", "2025-01", asb=9)
    bad = month_file(tmp_path, "2025-02", extra=[files.row("2025-02", category="Nonsense")])
    later = month_file(tmp_path, "2025-03", extra=[files.row("2025-03", point=("1", "", "x"))])
    with pytest.raises(ImportRejected) as caught:
        incidents_import_police_uk(paths=[good, bad, later])
    assert [e.field for e in caught.value.errors] == ["Crime type", "Latitude"]
    assert counts() == 5
    assert sorted(ImportBatch.objects.values_list("status", flat=True)) == [
        "imported", "rejected", "rejected",
    ]  # fmt: skip


@outside_transaction
def test_failure_in_the_writer_rolls_everything_back(tmp_path, monkeypatch):
    incidents_import_police_uk(paths=[month_file(tmp_path, "2025-01", asb=3)])
    calls = []
    real_build = imports.monthly_stats_build

    def failing_build(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_build(**kwargs)

    monkeypatch.setattr(imports, "monthly_stats_build", failing_build)
    paths = [month_file(tmp_path / "new", "2025-01", asb=9)]
    paths += [month_file(tmp_path, f"2025-{m:02d}") for m in range(2, 7)]
    with pytest.raises(OSError, match="disk full"):
        incidents_import_police_uk(paths=paths)
    assert counts() == 5
    assert list(ImportBatch.objects.values_list("status", flat=True)) == ["imported"]
    assert Incident.objects.filter(month="2025-02-01").count() == 0
