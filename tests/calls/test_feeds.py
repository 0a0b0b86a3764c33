"""File feeds: exports written into a folder, read through a column mapping."""

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from calls.models import Call, FeedFile, FeedSource, RejectedEvent
from calls.services.feeds import (
    FeedMapping,
    MappingError,
    feed_source_poll,
    feed_source_save,
    feed_sources_poll,
)

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MAPPING = json.loads((EXAMPLES / "call-feed-mapping.json").read_text())


def _settled(path: Path) -> Path:
    old = time.time() - 60
    os.utime(path, (old, old))
    return path


@pytest.fixture
def feed(force, tmp_path):
    return feed_source_save(force=force, name="cad-export", folder=str(tmp_path), mapping=MAPPING)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return _settled(path)


def test_example_export_becomes_calls(feed, tmp_path):
    _settled(Path(shutil.copy(EXAMPLES / "call-feed.csv", tmp_path / "export-2106.csv")))
    [record] = feed_source_poll(source=feed)
    assert (record.events_read, record.events_applied, record.events_rejected) == (5, 5, 0)
    call = Call.objects.get(reference="DBY-20260601-0001")
    assert (call.status, call.incident_type, call.priority) == ("resolved", "ASB", "3")
    assert call.summary == "Words of advice" and call.involves_juvenile is False
    assert call.received_at.isoformat() == "2026-06-01T20:02:10+00:00"  # BST in the file
    assert Call.objects.get(reference="DBY-20260601-0002").status == "received"
    assert feed_source_poll(source=feed) == []  # the same file is not read twice


def test_a_rewritten_file_is_read_again_idempotently(feed, tmp_path):
    path = _write(tmp_path, "live.csv", (EXAMPLES / "call-feed.csv").read_text())
    feed_source_poll(source=feed)
    _settled(Path(path)).write_text(path.read_text() + "DBY-20260601-0002,6,01/06/2026 "
                                    "21:30:00,CANC,,,,,,\n")  # fmt: skip
    _settled(path)
    [record] = feed_source_poll(source=feed)
    assert (record.events_applied, record.events_duplicate) == (1, 5)
    assert Call.objects.get(reference="DBY-20260601-0002").status == "cancelled"


def test_bad_rows_are_kept_with_file_and_line(feed, tmp_path):
    _write(tmp_path, "bad.csv", "IncidentNo,LogEntry,StatusTime,Status,TypeCode,Grade,Lon,Lat,"
           "Juvenile,Remarks\nA,1,31/02/2026 10:00:00,NEW,ASB,3,,,,\nB,2,01/06/2026 10:00:00,"
           "BOGUS,ASB,3,,,,\nC,3,01/06/2026 10:00:00,NEW,ASB,3,-1.47,52.92,Y,\n")  # fmt: skip
    [record] = feed_source_poll(source=feed)
    assert (record.events_applied, record.events_rejected) == (1, 2)
    rows = RejectedEvent.objects.order_by("line")
    assert [(r.file_name, r.line, r.field) for r in rows] == [
        ("bad.csv", 2, "occurred_at"), ("bad.csv", 3, "status")
    ]  # fmt: skip
    assert "expected %d/%m/%Y %H:%M:%S" in rows[0].error
    assert Call.objects.get().involves_juvenile is True


def test_missing_column_rejects_the_file(feed, tmp_path):
    _write(tmp_path, "old-layout.csv", "IncidentNo,StatusTime,Status\nA,01/06/2026 10:00:00,NEW\n")
    [record] = feed_source_poll(source=feed)
    assert "no column 'LogEntry'" in record.error and record.events_read == 0
    assert not Call.objects.exists()
    assert RejectedEvent.objects.get().file_name == "old-layout.csv"


def test_json_exports(force, tmp_path):
    mapping = {"columns": {"reference": "ref", "occurred_at": "at", "status": "state",
                           "incident_type": "type"}, "pattern": "*.json"}  # fmt: skip
    source = feed_source_save(force=force, name="json", folder=str(tmp_path), mapping=mapping)
    _write(tmp_path, "a.json", json.dumps({"events": [
        {"ref": "J1", "at": "2026-06-01T10:00:00+01:00", "state": "received", "type": "ASB"},
        {"ref": "J1", "at": "2026-06-01T10:05:00+01:00", "state": "attended"},
        "not an event",
    ]}))  # fmt: skip
    _write(tmp_path, "broken.json", "{nope")
    _write(tmp_path, "ignored.csv", "ref\nX\n")
    records = {r.name: r for r in feed_source_poll(source=source)}
    assert set(records) == {"a.json", "broken.json"}
    assert (records["a.json"].events_applied, records["a.json"].events_rejected) == (2, 1)
    assert "not JSON" in records["broken.json"].error
    assert Call.objects.get().status == "attended"


def test_files_still_being_written_wait(feed, tmp_path):
    (tmp_path / "fresh.csv").write_text((EXAMPLES / "call-feed.csv").read_text())
    assert feed_source_poll(source=feed) == []
    assert not FeedFile.objects.exists()


def test_unreadable_folder_is_recorded(force, tmp_path):
    source = feed_source_save(force=force, name="gone", folder=str(tmp_path / "missing"),
                              mapping=MAPPING)  # fmt: skip
    assert feed_source_poll(source=source) == []
    source.refresh_from_db()
    assert "missing" in source.last_error and source.last_polled_at is not None


@pytest.mark.parametrize(
    ("mapping", "words"),
    [
        ({}, '"columns"'),
        ({"columns": {"reference": "a", "status": "b"}}, "'occurred_at'"),
        ({"columns": {"reference": "a", "status": "b", "occurred_at": "c", "colour": "d"}},
         "Unknown field 'colour'"),
        ({"columns": {"reference": "a", "status": "b", "occurred_at": "c"}, "tz": "x"},
         "Unknown mapping key 'tz'"),
    ],
)  # fmt: skip
def test_bad_mappings_are_explained(mapping, words):
    with pytest.raises(MappingError, match=words):
        FeedMapping.from_json(mapping)


def test_command_and_task(force, tmp_path, capsys):
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps(MAPPING))
    folder = tmp_path / "drop"
    folder.mkdir()
    _settled(Path(shutil.copy(EXAMPLES / "call-feed.csv", folder / "a.csv")))
    call_command("read_call_feed", "--force", force.slug, "--folder", str(folder),
                 "--mapping", str(mapping_file), "--name", "cad")  # fmt: skip
    assert "5 applied, 0 repeated, 0 refused of 5" in capsys.readouterr().out
    assert FeedSource.objects.get().name == "cad"
    _settled(Path(shutil.copy(EXAMPLES / "call-feed.csv", folder / "b.csv")))
    assert feed_sources_poll() == 1  # what the beat task calls.poll_feeds runs
    assert FeedFile.objects.get(name="b.csv").events_duplicate == 5
    with pytest.raises(CommandError, match="--all"):
        call_command("read_call_feed", "--force", force.slug)
    mapping_file.write_text("{}")
    with pytest.raises(CommandError, match="columns"):
        call_command("read_call_feed", "--force", force.slug, "--folder", str(folder),
                     "--mapping", str(mapping_file))  # fmt: skip


def test_token_command(force, capsys):
    call_command("call_token", "create", "--force", force.slug, "--name", "cad")
    secret = capsys.readouterr().out.strip()
    from calls.services.tokens import token_for_secret

    assert token_for_secret(secret=secret).name == "cad"
    call_command("call_token", "list", "--force", force.slug)
    assert "active" in capsys.readouterr().out
    call_command("call_token", "revoke", "--force", force.slug, "--name", "cad")
    assert token_for_secret(secret=secret) is None
    with pytest.raises(CommandError, match="already has"):
        call_command("call_token", "create", "--force", force.slug, "--name", "cad")
