"""Starting imports from uploaded files: store the upload, then run the import as a job."""

import json
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename

from core.jobs import job_start
from core.models import Job
from hotspots.ingest.force_export import ExportMapping
from hotspots.services.forces import boundary_read


def _store(upload: UploadedFile, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / get_valid_filename(Path(upload.name).name)
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def import_upload_start(
    *,
    files: list[UploadedFile],
    source: str,
    force_slug: str | None,
    on_error: str,
    user,
    mapping: dict | None = None,
    boundary: UploadedFile | None = None,
) -> Job:
    """Keep the uploaded files (under MEDIA_ROOT/uploads, which workers must share) and queue
    their import. Raises ValueError for a bad boundary or mapping before anything is queued."""
    uploads_expire()
    folder = _root() / uuid.uuid4().hex
    try:
        kind, params = _stored_params(files, source, force_slug, mapping, boundary, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # refused before any job: keep nothing
        raise
    params["on_error"] = on_error
    return job_start(kind=kind, params=params, user=user)


def _stored_params(files, source, force_slug, mapping, boundary, folder) -> tuple[str, dict]:
    paths = [str(_store(upload, folder)) for upload in files]
    if source == "force_export":
        parsed = ExportMapping.from_dict(mapping or {}, source="mapping")
        params = {"path": paths[0], "mapping": parsed.__dict__, "force": force_slug}
        return "hotspots.import_force_export", params
    params = {"paths": paths, "force": force_slug, "boundary": None}
    if boundary:
        params["boundary"] = str(_store(boundary, folder / "boundary"))
        boundary_read(Path(params["boundary"]))
    return "hotspots.import_police_uk", params


def mapping_parse(text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"mapping: not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError("mapping: must be a JSON object")
    return data


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads"


def uploads_delete(paths: list[str]) -> None:
    """Delete the upload folders holding these files once their import is over; files
    outside MEDIA_ROOT/uploads (a command's own files) are never touched."""
    root = _root().resolve()
    for path in paths:
        resolved = Path(path).resolve()
        if root not in resolved.parents:
            continue
        folder = root / resolved.relative_to(root).parts[0]
        shutil.rmtree(folder, ignore_errors=True)


def uploads_expire() -> int:
    """Delete upload folders older than UPLOAD_MAX_AGE_HOURS: the uploads of jobs whose
    process died before it could delete them. Returns how many."""
    root = _root()
    if not root.is_dir():
        return 0
    oldest = time.time() - settings.UPLOAD_MAX_AGE_HOURS * 3600
    stale = [f for f in root.iterdir() if f.is_dir() and f.stat().st_mtime < oldest]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return len(stale)
