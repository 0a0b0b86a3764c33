"""Importing incident files: every file is validated, and everything is written in one
transaction.

A police.uk import replaces the months it contains for its force: the old rows are deleted and
the new ones written inside the same transaction, so a month is never double counted and never
half visible, even if the process is killed. A force export is idempotent on (force, reference).

On PostgreSQL, outside any enclosing transaction, reading and writing overlap: a writer thread
with its own connection stores each validated file (a binary COPY) while the next one is
parsed, and its transaction commits only once every file has been read and found good. Elsewhere
(SQLite, or inside a caller's transaction) all files are validated first and then written.
"""

import contextlib
import datetime as dt
import json
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count

from core.jobs import JobError
from hotspots.ingest.common import Geography, ParsedFile
from hotspots.ingest.errors import FileRejected, RowError
from hotspots.ingest.force_export import ExportMapping, parse_force_export
from hotspots.ingest.police_uk import parse_police_uk
from hotspots.ingest.readers import Limits, expand_paths, iter_sources, police_uk_member
from hotspots.models import Force, ImportBatch, Incident, MonthlyStat
from hotspots.selectors import category_lookup
from hotspots.services.bulk import IncidentStream, incident_frame, incidents_insert
from hotspots.services.forces import (
    boundary_geometry,
    boundary_read,
    force_get_or_create,
    force_has_boundary,
    force_set_boundary,
)
from hotspots.services.monitoring import monitoring_after_import
from hotspots.services.quality import (
    monthly_stats_build,
    monthly_stats_replace,
    quality_flags_refresh,
)

Progress = Callable[[float, str], None]
ON_ERROR = ("reject", "skip")
STORED_ERRORS = 1000
QUEUED_FILES = 2  # parsed files waiting for the writer thread: bounds memory
READ_SHARE = 85  # percent of the progress bar for reading; the rest is the final writing


class ImportRejected(JobError):
    """Nothing was imported; `errors` name each file, line and field."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"Import rejected, nothing was written:\n{shown}{more}")


@dataclass
class ImportSummary:
    files: int = 0
    rows_read: int = 0
    rows_imported: int = 0
    rows_no_location: int = 0
    rows_outside: int = 0
    rows_rejected: int = 0
    months: dict[str, list[str]] = field(default_factory=dict)
    batch_ids: list[int] = field(default_factory=list)
    quality_flags: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _noop(percent: float, message: str = "") -> None:
    return None


def incidents_import_police_uk(
    *,
    paths: list[Path],
    force_slug: str | None = None,
    boundary_path: Path | None = None,
    on_error: str = "reject",
    user=None,
    job=None,
    progress: Progress = _noop,
) -> ImportSummary:
    """Import police.uk CSV, .csv.gz or zip files or folders of them."""
    _check_on_error(on_error)
    lookup = category_lookup()
    geography = Geography(settings.PROJECTED_CRS)
    files = expand_paths(paths, police_uk_member)
    parsed = _parse_files(
        files,
        lambda s: parse_police_uk(s, categories=lookup, geography=geography),
        police_uk_member,
    )
    writer = _Writer(
        source=ImportBatch.Source.POLICE_UK, on_error=on_error, user=user, job=job,
        boundary_path=boundary_path,
    )  # fmt: skip
    force_key = lambda item: force_slug or item.falls_within  # noqa: E731
    return _import(parsed, len(files), writer, force_key, progress)


def incidents_import_force_export(
    *,
    path: Path,
    mapping: ExportMapping,
    force_slug: str,
    on_error: str = "reject",
    user=None,
    job=None,
    progress: Progress = _noop,
) -> ImportSummary:
    """Import a force export; rows whose reference exists already replace the old row."""
    _check_on_error(on_error)
    lookup = category_lookup()
    geography = Geography(settings.PROJECTED_CRS)
    parsed = _parse_files(
        [path],
        lambda s: parse_force_export(s, mapping=mapping, categories=lookup, geography=geography),
    )
    writer = _Writer(source=ImportBatch.Source.FORCE_EXPORT, on_error=on_error, user=user, job=job)
    return _import(parsed, 1, writer, lambda item: force_slug, progress)


def _check_on_error(on_error: str) -> None:
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {ON_ERROR}, not {on_error!r}")


def _parse_files(
    files: list[Path], parse: Callable, wanted=lambda name: True
) -> Iterator[tuple[int, ParsedFile]]:
    """(file index, parsed source) for every source in the files, read one at a time; an
    unreadable file becomes a parsed file with one error and no rows."""
    limits = import_limits()
    for index, path in enumerate(files):
        try:
            for source in iter_sources(path, wanted, limits):
                yield index, _plausible(parse(source))
        except FileRejected as rejected:
            empty = pd.DataFrame(columns=["month"])
            yield index, ParsedFile(path.name, "", empty, rejected.errors, rows_read=0)


def import_limits() -> Limits:
    return Limits(
        max_bytes=settings.IMPORT_MAX_FILE_MB * 1024 * 1024,
        max_ratio=settings.IMPORT_MAX_RATIO,
        max_rows=settings.IMPORT_MAX_ROWS,
        max_line_bytes=settings.IMPORT_MAX_LINE_KB * 1024,
    )


# Display names of the normalised text columns in police.uk files; force exports' own
# column names depend on their mapping, so they are shown by the normalised name.
FIELD_NAMES = {"location": "Location", "lsoa_code": "LSOA code", "lsoa_name": "LSOA name",
               "outcome": "Last outcome category", "reference": "Crime ID"}  # fmt: skip
WIDTH_COLUMNS = ("location", "lsoa_code", "lsoa_name", "outcome", "reference", "priority",
                 "status")  # fmt: skip
# Generous bounds around the United Kingdom (lon, lat): police.uk covers England, Wales and
# Northern Ireland; a row outside has swapped or mistyped coordinates.
UK_BOUNDS = (-11.0, 2.5, 49.0, 61.5)
FILE_MONTH = re.compile(r"(?:^|[/:])(\d{4}-(?:0[1-9]|1[0-2]))-[^/:]*-street\.csv(?:\.gz)?$")


def _plausible(item: ParsedFile) -> ParsedFile:
    """Rows that parse but cannot be right become row errors: text wider than its column,
    a month before IMPORT_EARLIEST_MONTH or after this one, a month other than the one in a
    police.uk file's name, coordinates outside the United Kingdom."""
    rows = item.rows
    if not len(rows):
        return item
    bad = np.zeros(len(rows), dtype=bool)
    errors = list(item.errors)

    def flag(mask, field_name: str, message: str, values) -> None:
        nonlocal bad
        mask = np.asarray(mask, dtype=bool) & ~bad
        for index in np.flatnonzero(mask):
            value = str(values[index])
            shown = value if len(value) <= 60 else value[:60] + "…"
            errors.append(RowError(item.name, int(lines[index]), field_name, message, shown))
        bad |= mask

    lines = rows["line"].to_numpy()
    for column in WIDTH_COLUMNS:
        width = Incident._meta.get_field(column).max_length
        text = rows[column].to_numpy(dtype=object)
        try:  # one len() per value, without the string accessor's bookkeeping
            lengths = np.fromiter(map(len, text), dtype=np.int64, count=len(text))
        except TypeError:  # not all text
            text = rows[column].astype(str).to_numpy(dtype=object)
            lengths = np.fromiter(map(len, text), dtype=np.int64, count=len(text))
        flag(lengths > width, FIELD_NAMES.get(column, column),
             f"is longer than {width} characters", text)  # fmt: skip
    months = rows["month"].astype(str).to_numpy()
    latest = f"{dt.date.today():%Y-%m}"
    earliest = settings.IMPORT_EARLIEST_MONTH
    flag((months < earliest) | (months > latest), "Month",
         f"is implausible: before {earliest} or after this month", months)  # fmt: skip
    if named := FILE_MONTH.search(item.name):
        flag(months != named.group(1), "Month",
             f"differs from the month in the file's name ({named.group(1)})", months)  # fmt: skip
    lon, lat = rows["longitude"].to_numpy(float), rows["latitude"].to_numpy(float)
    located = rows["has_location"].to_numpy(bool)
    xmin, xmax, ymin, ymax = UK_BOUNDS
    outside = located & ((lon < xmin) | (lon > xmax) | (lat < ymin) | (lat > ymax))
    flag(outside, "Longitude", "with its latitude, lies outside the United Kingdom "
         "(are longitude and latitude swapped?)", lon)  # fmt: skip
    if not bad.any():
        return item
    ordered = sorted(errors, key=lambda e: (e.line or 0, e.field or ""))
    return replace(item, rows=rows[~bad].reset_index(drop=True), errors=ordered)


def _import(
    parsed: Iterable[tuple[int, ParsedFile]],
    files: int,
    writer: "_Writer",
    force_key: Callable[[ParsedFile], str | None],
    progress: Progress,
) -> ImportSummary:
    """Validate every parsed file and hand the good ones to the writer; in reject mode the
    first bad row stops the writing (its transaction is rolled back), but reading goes on so
    that every error is reported."""
    reject = writer.on_error == "reject"
    errors: list[RowError] = []
    read: list[tuple[str, ParsedFile]] = []  # with their months only, to record a rejection
    months: dict[tuple[str, str], str] = {}
    with _pipeline(writer) as pipeline:
        for index, item in parsed:
            key = force_key(item) or ""
            _check_months_unique(months, key, item, writer.source)
            if item.errors and not key and not len(item.rows):
                raise ImportRejected(item.errors)  # unreadable, and no force to record it under
            errors.extend(item.errors)
            read.append((key, replace(item, rows=item.rows[["month"]].drop_duplicates())))
            if errors and reject:
                pipeline.cancel()
            else:
                pipeline.put(key, item)
            progress(READ_SHARE * (index + 1) / max(files, 1), pipeline.describe(item.name))
        if not (errors and reject):
            progress(READ_SHARE + 5, "writing incidents")
            pipeline.finish()
    if errors and reject:
        _record_rejected(read, writer)
        raise ImportRejected(errors)
    incidents_analyze()
    monitoring_after_import(months=writer.summary.months, user=writer.user)
    return writer.summary


def incidents_analyze() -> None:
    """Fresh planner statistics for the incident table after a bulk load (PostgreSQL, where
    autovacuum may not have looked yet): without them a table that has just taken millions of
    rows is planned as if it held a handful."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Incident._meta.db_table)}")


def _check_months_unique(
    seen: dict[tuple[str, str], str], key: str, item: ParsedFile, source: str
) -> None:
    """Two files with the same month of a force in one import: which one is meant?"""
    if source != ImportBatch.Source.POLICE_UK:
        return
    for month in item.months:
        if (key, month) in seen:
            message = f"month {month} of {key} is also in {seen[key, month]}; import one of them"
            raise ImportRejected([RowError(item.name, None, "Month", message)])
        seen[key, month] = item.name


class _Writer:
    """Writes the validated files of one import inside a transaction its caller holds.

    Incidents go in file by file (through one open COPY stream on PostgreSQL when `stream`);
    the batch records, monthly statistics, deletion of the months they replace and the
    quality flags follow once all files are in."""

    def __init__(self, *, source, on_error, user=None, job=None, boundary_path=None):
        self.source, self.on_error, self.user, self.job = source, on_error, user, job
        self.boundary_path = boundary_path
        self.boundary: shapely.Geometry | None = None
        self.summary = ImportSummary()
        self._forces: dict[str, tuple[Force, Callable]] = {}
        self._stream: IncidentStream | None = None
        self._written: list[tuple[Force, ImportBatch, list[MonthlyStat]]] = []

    def write_all(self, entries: Iterable[tuple], *, stream: bool = False) -> None:
        """Write (force key, parsed file[, reserved batch id]) entries, then finish."""
        if self.boundary_path:  # read here: in a writer thread it overlaps the parsing
            self.boundary = boundary_read(self.boundary_path)
        with IncidentStream() if stream else contextlib.nullcontext() as self._stream:
            for entry in entries:
                self.write(*entry)
            self._pause()
        self._finish()

    def write(self, key: str, item: ParsedFile, batch_id: int | None = None) -> None:
        force, inside = self._force(key)
        located = item.rows["has_location"].to_numpy()
        rows = item.rows.assign(in_force_area=located & inside(item.rows))
        if self.source == ImportBatch.Source.FORCE_EXPORT:
            self._pause()
            _delete_references(force, rows)
        batch = _batch(force, item, self.source, self.on_error, self.user, self.job, rows)
        if batch_id is None:
            batch.save()
        else:
            batch.pk = batch_id  # reserved: the record is written at the end
        frame = incident_frame(rows, force_id=force.pk, batch_id=batch.pk, source=self.source)
        if self._stream is None:
            incidents_insert(frame)
        else:
            self._stream.write(frame)
        stats = monthly_stats_build(force=force, source=self.source, rows=rows)
        self._written.append((force, batch, stats))
        _add(self.summary, batch, force)

    def _check_shrinking(self, force: Force, months: list[str], batches, stats, held) -> None:
        problems = _shrinking_months(force, self.source, months, stats, held)
        if problems and self.on_error == "reject":
            raise ImportRejected([RowError(b.file_name, None, "Month", p)
                                  for p in problems for b in batches[:1]])  # fmt: skip
        self.summary.warnings.extend(problems)

    def _pause(self) -> None:
        """Let other statements use the connection: end the COPY stream (if open)."""
        if self._stream is not None:
            self._stream.close()

    def _force(self, key: str) -> tuple[Force, Callable]:
        if key not in self._forces:
            self._pause()
            force = force_get_or_create(key)
            if self.boundary is None:
                self._forces[key] = (force, _inside(force))
            else:
                if not force_has_boundary(force, self.boundary):
                    force_set_boundary(force=force, path=self.boundary_path, geometry=self.boundary)
                self._forces[key] = (force, _inside_geometry(self.boundary))
        return self._forces[key]

    def _finish(self) -> None:
        ImportBatch.objects.bulk_create(b for _, b, _ in self._written if b._state.adding)
        for force, _ in self._forces.values():
            written = [(batch, stats) for f, batch, stats in self._written if f == force]
            batches = [batch for batch, _ in written]
            months = sorted({month for batch in batches for month in batch.months})
            stats = [stat for _, stats in written for stat in stats]
            if self.source == ImportBatch.Source.POLICE_UK:
                held = _held_batches(force, self.source, months, batches)
                self._check_shrinking(force, months, batches, stats, held)
                _replace_months(force, self.source, months, batches, held)
            monthly_stats_replace(force=force, source=self.source, months=months, stats=stats)
            self.summary.quality_flags += quality_flags_refresh(force=force)


def _held_batches(force: Force, source: str, months: list[str], batches) -> list[int]:
    """The earlier batches that hold incidents of these months. Every incident belongs to the
    batch that imported it, and a batch lists its months; a batch whose months were all
    replaced is superseded and holds none. The incidents just written are never scanned, so
    a first import of millions of rows costs no query here."""
    new = [batch.pk for batch in batches]
    wanted = set(months)
    earlier = ImportBatch.objects.filter(
        force=force, source=source, status=ImportBatch.Status.IMPORTED
    ).exclude(pk__in=new)
    return [pk for pk, held in earlier.values_list("pk", "months") if wanted & set(held)]


def _shrinking_months(
    force: Force, source: str, months: list[str], stats: list[MonthlyStat], held: list[int]
) -> list[str]:
    """Months that this import would replace with far fewer rows than are held now: a file
    holding a few stray rows of a neighbouring month would otherwise wipe that month out.
    The new rows are counted from their monthly statistics, the held ones in the database."""
    new: dict[str, int] = {}
    for stat in stats:
        month = f"{stat.month:%Y-%m}"
        new[month] = new.get(month, 0) + stat.count
    old: dict[str, int] = {}
    if held:
        incidents = Incident.objects.filter(
            force=force, source=source, month__in=[f"{m}-01" for m in months], batch_id__in=held
        )
        counted = incidents.values("month").annotate(n=Count("id")).values_list("month", "n")
        old = {f"{month:%Y-%m}": n for month, n in counted}
    share = settings.IMPORT_REPLACE_MIN_SHARE
    return [
        f"month {month} of {force.slug}: {new.get(month, 0)} new rows would replace {held} held "
        f"(fewer than {share:.0%}); check the files' months, or import with --on-error skip"
        for month, held in sorted(old.items())
        if held >= 20 and new.get(month, 0) < share * held
    ]


def _pipeline(writer: _Writer) -> "_Inline | _Threaded":
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _Threaded(writer)
    return _Inline(writer)


class _Inline:
    """Keeps the validated files, then writes them all in one transaction."""

    def __init__(self, writer: _Writer):
        self.writer = writer
        self.entries: list[tuple[str, ParsedFile]] | None = []

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.entries = None

    def put(self, key: str, item: ParsedFile) -> None:
        if self.entries is not None:
            self.entries.append((key, item))

    def cancel(self) -> None:
        self.entries = None

    def describe(self, name: str) -> str:
        return f"read {name}"

    def finish(self) -> None:
        with transaction.atomic():
            self.writer.write_all(self.entries or [])
        self.entries = None


_DONE, _CANCEL = object(), object()


class _Cancelled(Exception):
    pass


class _Threaded:
    """A writer thread with its own connection and transaction, fed through a short queue."""

    def __init__(self, writer: _Writer):
        self.writer = writer
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUED_FILES)
        self.error: BaseException | None = None
        self.written = 0
        self.thread = threading.Thread(target=self._run, name="incident-writer", daemon=True)
        self.closed = False

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, kind, error, traceback) -> None:
        self.cancel()  # unless finished: after an error in the reading thread, roll back

    def _run(self) -> None:
        try:
            with transaction.atomic():
                self.writer.write_all(self._entries(), stream=True)
        except _Cancelled:
            pass
        except BaseException as error:  # handed to the reading thread, which raises it
            self.error = error
        finally:
            connection.close()

    def _entries(self) -> Iterator[tuple[str, ParsedFile]]:
        while (entry := self.queue.get()) is not _DONE:
            if entry is _CANCEL:
                raise _Cancelled
            yield entry
            self.written += 1

    def _send(self, entry) -> None:
        """Queue an entry unless the writer has stopped (then its error is raised later)."""
        while self.thread.is_alive():
            try:
                self.queue.put(entry, timeout=0.2)
                return
            except queue.Full:
                continue

    def _raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    def put(self, key: str, item: ParsedFile) -> None:
        if not self.closed:
            self._send((key, item, _reserve_id(ImportBatch)))
            self._raise_error()

    def cancel(self) -> None:
        if not self.closed:
            self.closed = True
            self._send(_CANCEL)
            self.thread.join()

    def describe(self, name: str) -> str:
        return f"read {name}; {self.written} file(s) written"

    def finish(self) -> None:
        self.closed = True
        self._send(_DONE)
        self.thread.join()
        self._raise_error()


def _reserve_id(model) -> int:
    """A primary key from the table's sequence (PostgreSQL); sequences ignore transactions,
    so this works while another connection holds the import's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [model._meta.db_table])
        return cursor.fetchone()[0]


def _inside(force: Force) -> Callable[[pd.DataFrame], np.ndarray]:
    if not force.boundary:
        return lambda rows: np.ones(len(rows), dtype=bool)
    return _inside_geometry(boundary_geometry(force))


def _inside_geometry(geometry: shapely.Geometry) -> Callable[[pd.DataFrame], np.ndarray]:
    shapely.prepare(geometry)
    return lambda rows: shapely.contains_xy(
        geometry, rows["longitude"].to_numpy(float), rows["latitude"].to_numpy(float)
    )


def _replace_months(force: Force, source: str, months: list[str], batches, held) -> None:
    """Delete the incidents of these months that the new batches replace (those of the
    `held` batches), and mark the old batches whose months are all replaced as superseded."""
    new = [batch.pk for batch in batches]
    if held:
        existing = Incident.objects.filter(force=force, source=source, batch_id__in=held)
        existing.filter(month__in=[f"{m}-01" for m in months]).delete()
    replaced = ImportBatch.objects.filter(force=force, source=source, status="imported")
    for old in replaced.exclude(pk__in=new):
        if set(old.months) <= set(months):
            old.status = ImportBatch.Status.SUPERSEDED
            old.save(update_fields=["status"])


def _delete_references(force: Force, rows: pd.DataFrame) -> None:
    """Delete the exported incidents that rows with the same reference replace."""
    existing = Incident.objects.filter(force=force, source=ImportBatch.Source.FORCE_EXPORT)
    references = rows["reference"].tolist()
    for start in range(0, len(references), 5000):
        existing.filter(reference__in=references[start : start + 5000]).delete()


def _batch(force, item, source, on_error, user, job, rows) -> ImportBatch:
    return ImportBatch(
        force=force,
        source=source,
        file_name=item.name,
        checksum=item.checksum,
        months=item.months,
        status=ImportBatch.Status.IMPORTED,
        on_error=on_error,
        rows_read=item.rows_read,
        rows_imported=len(rows),
        rows_no_location=int((~rows["has_location"]).sum()),
        rows_outside=int((rows["has_location"] & ~rows["in_force_area"]).sum()),
        rows_rejected=item.rejected_lines,
        rejected_rows=[e.as_dict() for e in item.errors[:STORED_ERRORS]],
        job=job,
        created_by=user,
    )


def _record_rejected(read: list[tuple[str, ParsedFile]], writer: _Writer) -> None:
    """Keep a record of rejected files and why, with no incidents."""
    with transaction.atomic():
        for key, item in read:
            if not item.errors or not key:
                continue
            ImportBatch.objects.create(
                force=force_get_or_create(key), source=writer.source, file_name=item.name,
                checksum=item.checksum, months=item.months, status=ImportBatch.Status.REJECTED,
                on_error=writer.on_error, rows_read=item.rows_read,
                rows_rejected=item.rejected_lines,
                rejected_rows=[e.as_dict() for e in item.errors[:STORED_ERRORS]],
                job=writer.job, created_by=writer.user,
            )  # fmt: skip


def _add(summary: ImportSummary, batch: ImportBatch, force: Force) -> None:
    summary.files += 1
    summary.rows_read += batch.rows_read
    summary.rows_imported += batch.rows_imported
    summary.rows_no_location += batch.rows_no_location
    summary.rows_outside += batch.rows_outside
    summary.rows_rejected += batch.rows_rejected
    summary.months.setdefault(force.slug, []).extend(batch.months)
    summary.batch_ids.append(batch.pk)


def mapping_read(path: Path) -> ExportMapping:
    """A column mapping from a JSON file; errors name the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: cannot read the mapping: {error}") from None
    return ExportMapping.from_dict(data, source=str(path))
