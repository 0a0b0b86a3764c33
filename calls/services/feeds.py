"""File feeds: CSV or JSON exports written into a folder by a force that cannot push, read
every few minutes through a column mapping (docs/live-calls.md). A file is read once per
content; reading it again changes nothing, since events are idempotent."""

import csv
import datetime as dt
import fnmatch
import hashlib
import io
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from calls.models import CallEvent, FeedFile, FeedSource, RejectedEvent
from calls.selectors import feed_sources
from calls.services.events import APPLIED, DUPLICATE, REJECTED, call_events_apply

log = logging.getLogger(__name__)
FIELDS = ("reference", "occurred_at", "status", "event_id", "incident_type", "priority",
          "longitude", "latitude", "involves_juvenile", "summary")  # fmt: skip
REQUIRED = ("reference", "occurred_at", "status")
SETTLE_SECONDS = 5  # a file changed this recently may still be being written


class MappingError(ValueError):
    pass


@dataclass(frozen=True)
class FeedMapping:
    """Which column holds each event field, how times are written and what the force's
    status words mean."""

    columns: dict[str, str]
    time_format: str = ""
    status_values: dict[str, str] = field(default_factory=dict)
    pattern: str = "*"

    @classmethod
    def from_json(cls, data: object) -> "FeedMapping":
        if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
            raise MappingError('The mapping needs "columns": {field: column name}.')
        columns = data["columns"]
        unknown = sorted(set(columns) - set(FIELDS))
        if unknown:
            raise MappingError(f"Unknown field {unknown[0]!r}; fields are {', '.join(FIELDS)}.")
        missing = [name for name in REQUIRED if not columns.get(name)]
        if missing:
            raise MappingError(f"The mapping must name the column for {missing[0]!r}.")
        extra = sorted(set(data) - {"columns", "time_format", "status_values", "pattern"})
        if extra:
            raise MappingError(f"Unknown mapping key {extra[0]!r}.")
        return cls(
            columns={k: str(v) for k, v in columns.items() if v},
            time_format=str(data.get("time_format") or ""),
            status_values={
                str(k).strip().lower(): str(v) for k, v in (data.get("status_values") or {}).items()
            },  # fmt: skip
            pattern=str(data.get("pattern") or "*"),
        )


def read_rows(name: str, content: bytes) -> list[tuple[int, dict]]:
    """(line, row) pairs of a CSV (header first) or JSON (a list, or {"events": [...]})
    export. Raises MappingError for a file that cannot be read at all."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MappingError(f"{name}: not UTF-8 text (byte {error.start})") from None
    if name.lower().endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise MappingError(f"{name}: not JSON ({error})") from None
        rows = data.get("events") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise MappingError(f'{name}: expected a list of events or {{"events": [...]}}')
        return [(index + 1, row) for index, row in enumerate(rows)]
    reader = csv.DictReader(io.StringIO(text))
    return [(reader.line_num, row) for row in reader]


def map_row(row: object, mapping: FeedMapping) -> dict:
    """A file row as a raw event for calls.events.event_parse."""
    if not isinstance(row, dict):
        return {"event": row}  # refused by the parser with a clear error
    raw = {name: row.get(column) for name, column in mapping.columns.items()}
    raw = {name: value.strip() if isinstance(value, str) else value for name, value in raw.items()}
    status = raw.get("status")
    if isinstance(status, str) and status.lower() in mapping.status_values:
        raw["status"] = mapping.status_values[status.lower()]
    when = raw.get("occurred_at")
    if mapping.time_format and isinstance(when, str) and when:
        try:
            raw["occurred_at"] = dt.datetime.strptime(when, mapping.time_format).isoformat()
        except ValueError:
            raw["occurred_at"] = f"{when} (expected {mapping.time_format})"
    return raw


def _missing_columns(rows: list[tuple[int, dict]], mapping: FeedMapping) -> list[str]:
    if not rows or not isinstance(rows[0][1], dict):
        return []
    return [column for column in mapping.columns.values() if column not in rows[0][1]]


@transaction.atomic
def feed_file_read(*, source: FeedSource, name: str, content: bytes) -> FeedFile | None:
    """Apply one file's events; None when this content was read before."""
    checksum = hashlib.sha256(content).hexdigest()
    if FeedFile.objects.filter(source=source, name=name, checksum=checksum).exists():
        return None
    record = FeedFile(source=source, name=name, checksum=checksum)
    try:
        mapping = FeedMapping.from_json(source.mapping)
        rows = read_rows(name, content)
        missing = _missing_columns(rows, mapping)
        if missing:
            raise MappingError(f"{name}: no column {missing[0]!r} in the header")
    except MappingError as error:
        record.error = str(error)
        RejectedEvent.objects.create(
            force=source.force, source=CallEvent.Source.FILE, file_name=name, payload=None,
            field="file", error=str(error),
        )  # fmt: skip
        record.save()
        return record
    outcomes = call_events_apply(
        force=source.force, raw_events=[map_row(row, mapping) for _, row in rows],
        source=CallEvent.Source.FILE, file_name=name, lines=[line for line, _ in rows],
    )  # fmt: skip
    results = [outcome.result for outcome in outcomes]
    record.events_read = len(outcomes)
    record.events_applied = results.count(APPLIED)
    record.events_duplicate = results.count(DUPLICATE)
    record.events_rejected = results.count(REJECTED)
    record.save()
    return record


def feed_source_poll(*, source: FeedSource) -> list[FeedFile]:
    """Read every settled file of the source's folder that has not been read with this
    content; a folder that cannot be read is recorded on the source."""
    folder = Path(source.folder)
    records: list[FeedFile] = []
    try:
        mapping = FeedMapping.from_json(source.mapping)
        files = sorted(
            (p for p in folder.iterdir() if fnmatch.fnmatch(p.name, mapping.pattern)),
            key=lambda p: (p.stat().st_mtime, p.name),
        )
        files = [p for p in files if p.is_file()]
        error = ""
    except (OSError, MappingError) as problem:
        files, error = [], f"{folder}: {problem}"
    settled = time.time() - SETTLE_SECONDS
    for path in files:
        if path.stat().st_mtime > settled:
            continue
        record = feed_file_read(source=source, name=path.name, content=path.read_bytes())
        if record:
            records.append(record)
    FeedSource.objects.filter(pk=source.pk).update(last_polled_at=timezone.now(),
                                                   last_error=error)  # fmt: skip
    if error:
        log.warning("Call feed %s: %s", source, error)
    return records


def feed_sources_poll() -> int:
    """Poll every enabled feed; the number of files read. What the beat schedule runs."""
    return sum(len(feed_source_poll(source=source)) for source in feed_sources())


@transaction.atomic
def feed_source_save(*, force, name: str, folder: str, mapping: dict) -> FeedSource:
    """Create or update a feed, refusing a mapping that could not be read."""
    FeedMapping.from_json(mapping)
    source, _ = FeedSource.objects.update_or_create(
        force=force, name=name, defaults={"folder": folder, "mapping": mapping, "enabled": True}
    )
    return source
