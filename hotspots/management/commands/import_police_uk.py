from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.commands import BATCH_CHECKS
from core.jobs import job_start
from core.models import Job
from core.progress import ProgressBar


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = (
        "Import police.uk street-level CSVs (.csv, .csv.gz, zip archives or folders of months). "
        "A month already imported for the force is replaced, never added to."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument(
            "--force", dest="force_slug", help="Force slug (default: from the files)."
        )
        parser.add_argument(
            "--boundary", type=Path, help="Force boundary GeoJSON (lon/lat), .gz ok."
        )
        parser.add_argument(
            "--on-error",
            choices=["reject", "skip"],
            default="reject",
            help="reject: import nothing if any row is bad (default); skip: import the good rows "
            "and list the bad ones on the batch.",
        )

    def handle(self, *args, paths, force_slug, boundary, on_error, **options):
        if boundary:
            from hotspots.services.forces import boundary_read

            try:
                boundary_read(boundary)
            except ValueError as error:
                raise CommandError(str(error)) from None
        params = {
            "paths": [str(p.resolve()) for p in paths],
            "force": force_slug,
            "boundary": str(boundary.resolve()) if boundary else None,
            "on_error": on_error,
        }
        with ProgressBar(self.stdout, "import") as bar:
            job = job_start(
                kind="hotspots.import_police_uk", params=params, sync=True, listener=bar
            )
        report_import(self, job)


def report_import(command: BaseCommand, job: Job) -> None:
    """Print an import job's summary, or fail with its errors."""
    if job.status == Job.Status.FAILED:
        raise CommandError(job.error)
    result = job.result
    command.stdout.write(
        command.style.SUCCESS(
            f"Imported {result['rows_imported']:,} of {result['rows_read']:,} rows from "
            f"{result['files']} file(s) (job #{job.pk})."
        )
    )
    command.stdout.write(
        f"  without location: {result['rows_no_location']:,}   outside the force area: "
        f"{result['rows_outside']:,}   rejected: {result['rows_rejected']:,}   "
        f"data-quality flags: {result['quality_flags']}"
    )
    for force, months in result["months"].items():
        command.stdout.write(f"  {force}: {len(months)} month(s), {min(months)} to {max(months)}")
