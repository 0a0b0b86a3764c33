"""Import recent calls for service as force-export incidents for hotspot runs."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from calls.services.incidents import calls_import_as_incidents
from hotspots.models import Force


class Command(BaseCommand):
    help = (
        "Import the located calls of the last --days days whose incident type maps to an "
        "incident category (see the incident-type mappings) as force-export incidents, so that "
        "hotspot runs on force data include the freshest demand. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", required=True, help="Force slug")
        parser.add_argument("--days", type=int, default=28)

    def handle(self, *args, force, days, **options):
        force_row = Force.objects.filter(slug=force).first()
        if force_row is None:
            raise CommandError(f"No force {force!r}.")
        if days < 1:
            raise CommandError("--days must be at least 1.")
        until = timezone.now()
        summary = calls_import_as_incidents(
            force=force_row, since=until - dt.timedelta(days=days), until=until
        )
        if summary is None:
            self.stdout.write("No mapped, located calls in that period.")
        else:
            self.stdout.write(
                f"{summary.rows_imported} calls imported as incidents "
                f"({summary.rows_outside} outside the force area, "
                f"{summary.rows_rejected} refused)"
            )
