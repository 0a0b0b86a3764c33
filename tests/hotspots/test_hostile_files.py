"""Hostile and careless files: bounded reading, and a clear file/line/field error for each."""

import gzip
import io
import os
import time
import tracemalloc
import zipfile

import pytest

from hotspots.ingest.readers import Limits, iter_sources
from hotspots.models import ImportBatch, Incident
from hotspots.services.imports import ImportRejected, incidents_import_police_uk
from hotspots.services.uploads import uploads_expire
from tests.hotspots import files

pytestmark = pytest.mark.django_db
NAME = "2025-01-testshire-street.csv"


def refused(path, on_error="reject") -> str:
    with pytest.raises(ImportRejected) as caught:
        incidents_import_police_uk(paths=[path], on_error=on_error)
    assert Incident.objects.count() == 0
    return str(caught.value)


def rows_text(*extra: str) -> str:
    return files.csv_text([*files.month_rows("2025-01", 2, 1), *extra])


@pytest.mark.parametrize("on_error", ["reject", "skip"])
def test_utf16_is_named_not_crashed(tmp_path, on_error):
    path = files.write(tmp_path / NAME, rows_text().encode("utf-16"))
    assert f"{NAME}, line 1: is UTF-16 text" in refused(path, on_error)


def test_utf16_without_a_byte_order_mark(tmp_path):
    path = files.write(tmp_path / NAME, rows_text().encode("utf-16-le"))
    assert "UTF-16" in refused(path)


def test_nul_byte_names_line_and_field(tmp_path):
    text = rows_text().replace("On or near Iron Gate", "On or near Iron\x00Gate")
    assert f"{NAME}, line 4, field 'Location': holds a NUL byte" in refused(
        files.write(tmp_path / NAME, text)
    )


@pytest.mark.parametrize("on_error", ["reject", "skip"])
def test_a_5_mib_field_names_line_and_field(tmp_path, on_error):
    huge = files.row(point=("-1.476000", "52.922000", "x" * (5 * 1024 * 1024)))
    path = files.write(tmp_path / NAME, rows_text(huge))
    assert f"{NAME}, line 5, field 'Location': this line is longer than" in refused(path, on_error)


def test_a_field_wider_than_its_column_is_a_row_error(tmp_path):
    wide = files.row(point=("-1.476000", "52.922000", "y" * 300))
    path = files.write(tmp_path / NAME, rows_text(wide))
    assert f"{NAME}, line 5, field 'Location': is longer than 255 characters" in refused(path)
    summary = incidents_import_police_uk(paths=[path], on_error="skip")
    assert (summary.rows_imported, summary.rows_rejected) == (3, 1)
    assert Incident.objects.count() == 3


def test_carriage_returns_only(tmp_path):
    path = files.write(tmp_path / NAME, rows_text().replace("\n", "\r"))
    assert f"{NAME}: its lines end with a carriage return only" in refused(path)


def test_header_only_file(tmp_path):
    path = files.write(tmp_path / NAME, files.HEADER + "\r\n")
    assert f"{NAME}, line 2: the file has a header but no rows" in refused(path)
    assert ImportBatch.objects.count() == 0


def test_unterminated_quote_is_placed_where_it_opens(tmp_path):
    rows = files.month_rows("2025-01", 4, 0)
    rows[1] = rows[1].replace("On or near Market Place", '"On or near Market Place')
    path = files.write(tmp_path / NAME, files.csv_text(rows))
    assert f"{NAME}, line 3, field 'Location': a quote opened here is never closed" in refused(path)


def test_too_many_rows(tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 2
    path = files.write(tmp_path / NAME, rows_text())
    assert f"{NAME}, line 4: has more than 2 rows" in refused(path)


def _gzip_of_zeros(path, megabytes: int):
    with gzip.open(path, "wb", compresslevel=9) as handle:
        block = bytes(1024 * 1024)
        for _ in range(megabytes):
            handle.write(block)
    return path


def _peak_while_reading(path) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(ImportRejected, match="expands more than 100 times"):
            incidents_import_police_uk(paths=[path])
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_compression_bomb_is_refused_with_flat_memory(tmp_path):
    small = _peak_while_reading(_gzip_of_zeros(tmp_path / "2025-01-a-street.csv.gz", 32))
    large = _peak_while_reading(_gzip_of_zeros(tmp_path / "2025-01-b-street.csv.gz", 256))
    assert small < 24 * 1024 * 1024 and large < 24 * 1024 * 1024, (small, large)
    assert abs(large - small) < 4 * 1024 * 1024, (small, large)


def test_zip_of_repeated_valid_rows_is_refused(tmp_path):
    text = files.csv_text([files.row()] * 200_000)  # about 25 MB of one row repeated
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NAME, text)
    path = files.write(tmp_path / "police.zip", buffer.getvalue())
    assert os.path.getsize(path) < len(text) / 100
    message = refused(path)
    assert f"police.zip:{NAME}: expands more than 100 times" in message


def test_limits_apply_to_plain_files_too(tmp_path):
    path = files.write(tmp_path / NAME, rows_text())
    with pytest.raises(Exception, match="larger than 0 MiB"):
        list(iter_sources(path, limits=Limits(max_bytes=100)))


def test_stray_rows_of_another_month_are_refused(tmp_path):
    june = files.write(tmp_path / "2025-06-testshire-street.csv",
                       files.csv_text(files.month_rows("2025-06", 30, 10)))  # fmt: skip
    incidents_import_police_uk(paths=[june])
    stray = files.csv_text(
        [*files.month_rows("2025-05", 20, 0), *files.month_rows("2025-06", 3, 0)]
    )
    may = files.write(tmp_path / "may" / "2025-05-testshire-street.csv", stray)
    with pytest.raises(ImportRejected, match=r"line 22, field 'Month': differs from the month in"):
        incidents_import_police_uk(paths=[may])
    assert Incident.objects.filter(month="2025-06-01").count() == 40


def test_replacing_a_month_with_far_fewer_rows_warns_or_is_refused(tmp_path):
    june = files.write(tmp_path / "2025-06-testshire-street.csv",
                       files.csv_text(files.month_rows("2025-06", 30, 10)))  # fmt: skip
    incidents_import_police_uk(paths=[june])
    few = files.write(
        tmp_path / "fix" / "june.csv", files.csv_text(files.month_rows("2025-06", 3, 0))
    )
    with pytest.raises(
        ImportRejected, match="month 2025-06 of testshire: 3 new rows would replace 40"
    ):
        incidents_import_police_uk(paths=[few])
    assert Incident.objects.filter(month="2025-06-01").count() == 40
    summary = incidents_import_police_uk(paths=[few], on_error="skip")
    assert "3 new rows would replace 40 held" in summary.warnings[0]
    assert Incident.objects.filter(month="2025-06-01").count() == 3


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (files.row(month="1900-01"), "Month", "is implausible"),
        (files.row(month="2099-01"), "Month", "is implausible"),
        (
            files.row(point=("52.922000", "-1.476000", "Swapped")),
            "Longitude",
            "with its latitude, lies outside the United",
        ),
        (
            files.row(point=("1.476000", "-52.922000", "South")),
            "Longitude",
            "with its latitude, lies outside the United",
        ),
    ],
)
def test_implausible_rows_are_named(tmp_path, row, field, message):
    path = files.write(tmp_path / "stray.csv", files.csv_text([files.row(), row]))
    assert f"stray.csv, line 3, field '{field}': {message}" in refused(path)


def test_uploads_are_deleted_after_their_job(
    manager_client, django_capture_on_commit_callbacks, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    for text in (rows_text(), "not,a,police.uk,file\n1,2,3,4\n"):
        upload = SimpleUploadedFile(NAME, text.encode(), content_type="text/csv")
        with django_capture_on_commit_callbacks(execute=True):
            manager_client.post("/api/imports/upload/", {"files": [upload]})
        assert list((tmp_path / "uploads").iterdir()) == []
    bad_mapping = SimpleUploadedFile("e.csv", b"a\n", content_type="text/csv")
    refused = manager_client.post(
        "/api/imports/upload/",
        {"files": [bad_mapping], "source": "force_export", "force": "x", "mapping": "{}"},
    )
    assert refused.status_code == 400, refused.content
    assert list((tmp_path / "uploads").iterdir()) == []
    left = tmp_path / "uploads" / "left-by-a-dead-worker"
    left.mkdir()
    (left / NAME).write_text("x")
    assert uploads_expire() == 0
    old = time.time() - 25 * 3600
    os.utime(left, (old, old))
    assert uploads_expire() == 1 and not left.exists()
