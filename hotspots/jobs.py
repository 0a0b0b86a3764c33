"""Long-running hotspot-app jobs, run by core.jobs on a worker or in-process.

Every process imports this module at start-up (CoreConfig.ready), so the services, and the
numerical libraries behind them, are imported by each handler when it runs."""

from pathlib import Path

from core.jobs import Progress, job_kind
from core.models import Job
from core.months import parse_month
from hotspots.models import Force, HotspotRun

MONITOR_JOB = "hotspots.monitor"


@job_kind("hotspots.import_police_uk")
def import_police_uk(job: Job, progress: Progress) -> dict:
    from hotspots.services.imports import incidents_import_police_uk
    from hotspots.services.uploads import uploads_delete

    params = job.params
    try:
        summary = incidents_import_police_uk(
            paths=[Path(p) for p in params["paths"]],
            force_slug=params.get("force") or None,
            boundary_path=Path(params["boundary"]) if params.get("boundary") else None,
            on_error=params.get("on_error", "reject"),
            user=job.created_by,
            job=job,
            progress=progress,
        )
    finally:
        uploads_delete(params["paths"])
    return summary.as_dict()


@job_kind("hotspots.import_force_export")
def import_force_export(job: Job, progress: Progress) -> dict:
    from hotspots.ingest.force_export import ExportMapping
    from hotspots.services.imports import incidents_import_force_export
    from hotspots.services.uploads import uploads_delete

    params = job.params
    try:
        summary = incidents_import_force_export(
            path=Path(params["path"]),
            mapping=ExportMapping.from_dict(params["mapping"]),
            force_slug=params["force"],
            on_error=params.get("on_error", "reject"),
            user=job.created_by,
            job=job,
            progress=progress,
        )
    finally:
        uploads_delete([params["path"]])
    return summary.as_dict()


@job_kind("hotspots.find")
def find_hotspots(job: Job, progress: Progress) -> dict:
    from hotspots.services.runs import hotspot_run_execute

    run = HotspotRun.objects.select_related("force").get(pk=job.params["run_id"])
    return hotspot_run_execute(run=run, progress=progress)


@job_kind("hotspots.compare")
def compare(job: Job, progress: Progress) -> dict:
    from hotspots.services.runs import method_options, methods_compare

    params = job.params
    return methods_compare(
        force=Force.objects.get(slug=params["force"]),
        selection_period=(
            parse_month(params["selection_start"]),
            parse_month(params["selection_end"]),
        ),
        test_period=(parse_month(params["test_start"]), parse_month(params["test_end"])),
        category_ids=params["category_ids"],
        source=params.get("source", "police_uk"),
        cell_m=params["cell_m"],
        options=method_options(
            params.get("options", {}),
            min_incidents=params.get("min_incidents", 10),
            max_hotspots=params.get("max_hotspots", 20),
        ),
        harm_weighted=params.get("harm_weighted", False),
        progress=progress,
    )


@job_kind(MONITOR_JOB)
def monitor(job: Job, progress: Progress) -> dict:
    from hotspots.services.monitoring import hotspots_monitor

    force = Force.objects.get(slug=job.params["force"])
    return hotspots_monitor(force=force, job=job, progress=progress)
