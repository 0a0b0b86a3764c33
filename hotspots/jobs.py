"""Long-running hotspot-app jobs, run by core.jobs on a worker or in-process."""

from pathlib import Path

from core.jobs import Progress, job_kind
from core.models import Job
from hotspots.ingest.force_export import ExportMapping
from hotspots.services.imports import incidents_import_force_export, incidents_import_police_uk


@job_kind("hotspots.import_police_uk")
def import_police_uk(job: Job, progress: Progress) -> dict:
    params = job.params
    summary = incidents_import_police_uk(
        paths=[Path(p) for p in params["paths"]],
        force_slug=params.get("force") or None,
        boundary_path=Path(params["boundary"]) if params.get("boundary") else None,
        on_error=params.get("on_error", "reject"),
        user=job.created_by,
        job=job,
        progress=progress,
    )
    return summary.as_dict()


@job_kind("hotspots.import_force_export")
def import_force_export(job: Job, progress: Progress) -> dict:
    params = job.params
    summary = incidents_import_force_export(
        path=Path(params["path"]),
        mapping=ExportMapping.from_dict(params["mapping"]),
        force_slug=params["force"],
        on_error=params.get("on_error", "reject"),
        user=job.created_by,
        job=job,
        progress=progress,
    )
    return summary.as_dict()
