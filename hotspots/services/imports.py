"""Importing incident files: validate everything first, then write in one transaction.

A police.uk import replaces the months it contains for its force: the old rows are deleted and
the new ones written inside the same transaction, so a month is never double counted and never
half visible, even if the process is killed. A force export is idempotent on (force, reference).
"""

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from django.conf import settings
from django.db import transaction

from core.jobs import JobError
from hotspots.ingest.common import Geography, ParsedFile
from hotspots.ingest.errors import FileRejected, RowError
from hotspots.ingest.force_export import ExportMapping, parse_force_export
from hotspots.ingest.police_uk import parse_police_uk
from hotspots.ingest.readers import expand_paths, iter_sources, police_uk_member
from hotspots.models import Force, ImportBatch, Incident
from hotspots.selectors import category_lookup
from hotspots.services.bulk import incident_frame, incidents_insert
from hotspots.services.forces import (
    boundary_read,
    force_get_or_create,
    force_has_boundary,
    force_set_boundary,
)
from hotspots.services.quality import monthly_stats_replace, quality_flags_refresh

Progress = Callable[[float, str], None]
ON_ERROR = ("reject", "skip")
STORED_ERRORS = 1000


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
    boundary = boundary_read(boundary_path) if boundary_path else None
    lookup = category_lookup()
    geography = Geography(settings.PROJECTED_CRS)
    parsed: list[ParsedFile] = []
    files = expand_paths(paths, police_uk_member)
    for index, path in enumerate(files):
        progress(70 * index / max(len(files), 1), f"reading {path.name}")
        parsed.extend(
            _parse_file(
                path,
                lambda s: parse_police_uk(s, categories=lookup, geography=geography),
                police_uk_member,
            )
        )
    by_force = _group_by_force(parsed, force_slug)
    _check_months_unique(by_force)
    return _write(
        by_force, ImportBatch.Source.POLICE_UK, on_error, user, job, progress,
        boundary=(boundary_path, boundary) if boundary else None,
    )  # fmt: skip


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
    progress(5, f"reading {path.name}")
    parsed = _parse_file(
        path,
        lambda s: parse_force_export(s, mapping=mapping, categories=lookup, geography=geography),
    )
    return _write(
        {force_slug: parsed}, ImportBatch.Source.FORCE_EXPORT, on_error, user, job, progress
    )


def _check_on_error(on_error: str) -> None:
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {ON_ERROR}, not {on_error!r}")


def _parse_file(path: Path, parse: Callable, wanted=lambda name: True) -> list[ParsedFile]:
    """Parsed sources of one file; an unreadable file becomes a parsed file with one error."""
    try:
        return [parse(source) for source in iter_sources(path, wanted)]
    except FileRejected as rejected:
        empty = pd.DataFrame(columns=["month"])
        return [ParsedFile(path.name, "", empty, rejected.errors, rows_read=0)]


def _group_by_force(
    parsed: list[ParsedFile], force_slug: str | None
) -> dict[str, list[ParsedFile]]:
    groups: dict[str, list[ParsedFile]] = defaultdict(list)
    for item in parsed:
        groups[force_slug or _force_from_file(item)].append(item)
    return dict(groups)


def _force_from_file(item: ParsedFile) -> str:
    """A police.uk file names its force in 'Falls within' (e.g. 'Derbyshire Constabulary')."""
    if not item.falls_within:
        return ""
    return item.falls_within


def _check_months_unique(by_force: dict[str, list[ParsedFile]]) -> None:
    errors = []
    for force, items in by_force.items():
        seen: dict[str, str] = {}
        for item in items:
            for month in item.months:
                if month in seen:
                    message = (
                        f"month {month} of {force} is also in {seen[month]}; import one of them"
                    )
                    errors.append(RowError(item.name, None, "Month", message))
                seen[month] = item.name
    if errors:
        raise ImportRejected(errors)


def _write(by_force, source, on_error, user, job, progress, boundary=None) -> ImportSummary:
    all_errors = [e for items in by_force.values() for item in items for e in item.errors]
    if all_errors and on_error == "reject":
        _record_rejected(by_force, source, on_error, user, job)
        raise ImportRejected(all_errors)
    summary = ImportSummary()
    progress(75, "writing incidents")
    with transaction.atomic():
        for key, items in by_force.items():
            force = force_get_or_create(key)
            if boundary and not force_has_boundary(force, boundary[1]):
                force_set_boundary(force=force, path=boundary[0], geometry=boundary[1])
            _write_force(force, items, source, on_error, user, job, summary)
            summary.quality_flags += quality_flags_refresh(force=force)
    return summary


def _write_force(force, items, source, on_error, user, job, summary) -> None:
    inside = _inside(force)
    for item in items:
        rows = item.rows.copy()
        rows["in_force_area"] = rows["has_location"] & inside(rows)
        _replace(force, source, item, rows)
        batch = _batch(force, item, source, on_error, user, job, rows)
        incidents_insert(incident_frame(rows, force_id=force.pk, batch_id=batch.pk, source=source))
        monthly_stats_replace(force=force, source=source, rows=rows, months=item.months)
        _add(summary, batch, force)


def _inside(force: Force) -> Callable[[pd.DataFrame], np.ndarray]:
    if not force.boundary:
        return lambda rows: np.ones(len(rows), dtype=bool)
    geometry = shapely.geometry.shape(force.boundary)
    shapely.prepare(geometry)
    return lambda rows: shapely.contains_xy(
        geometry, rows["longitude"].to_numpy(float), rows["latitude"].to_numpy(float)
    )


def _replace(force: Force, source: str, item: ParsedFile, rows: pd.DataFrame) -> None:
    """Delete what the new rows replace: the same months (police.uk) or references (exports)."""
    existing = Incident.objects.filter(force=force, source=source)
    if source == ImportBatch.Source.POLICE_UK:
        months = [f"{m}-01" for m in item.months]
        existing.filter(month__in=months).delete()
        replaced = ImportBatch.objects.filter(force=force, source=source, status="imported")
        for old in replaced:
            if set(old.months) <= set(item.months):
                old.status = ImportBatch.Status.SUPERSEDED
                old.save(update_fields=["status"])
    else:
        references = rows["reference"].tolist()
        for start in range(0, len(references), 5000):
            existing.filter(reference__in=references[start : start + 5000]).delete()


def _batch(force, item, source, on_error, user, job, rows) -> ImportBatch:
    return ImportBatch.objects.create(
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


def _record_rejected(by_force, source, on_error, user, job) -> None:
    """Keep a record of rejected files and why, with no incidents."""
    with transaction.atomic():
        for key, items in by_force.items():
            force = force_get_or_create(key) if key else None
            for item in items:
                if not item.errors or force is None:
                    continue
                ImportBatch.objects.create(
                    force=force, source=source, file_name=item.name, checksum=item.checksum,
                    months=item.months, status=ImportBatch.Status.REJECTED, on_error=on_error,
                    rows_read=item.rows_read, rows_rejected=item.rejected_lines,
                    rejected_rows=[e.as_dict() for e in item.errors[:STORED_ERRORS]],
                    job=job, created_by=user,
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
