from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.commands import BATCH_CHECKS
from core.jobs import job_start
from core.progress import ProgressBar
from hotspots.management.commands.import_police_uk import report_import


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = (
        "Import a force export (command-and-control or records CSV) through a JSON column "
        "mapping; see docs/force-export-mapping.md. Idempotent on (force, reference)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", type=Path, required=True, help="JSON column mapping.")
        parser.add_argument("--force", dest="force_slug", required=True, help="Force slug.")
        parser.add_argument("--on-error", choices=["reject", "skip"], default="reject")

    def handle(self, *args, file, mapping, force_slug, on_error, **options):
        from hotspots.services.imports import mapping_read

        try:
            parsed = mapping_read(mapping)
        except ValueError as error:
            raise CommandError(str(error)) from None
        params = {
            "path": str(file.resolve()),
            "mapping": parsed.__dict__,
            "force": force_slug,
            "on_error": on_error,
        }
        with ProgressBar(self.stdout, "import") as bar:
            job = job_start(
                kind="hotspots.import_force_export", params=params, sync=True, listener=bar
            )
        report_import(self, job)
