from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hotspots.ingest.errors import FileRejected
from hotspots.ingest.readers import Source
from hotspots.models import Force
from patrols.passive import MappingError, import_pings, parse_mapping


class Command(BaseCommand):
    help = (
        "Import vehicle or radio location pings (a force's CSV export) through a column "
        "mapping, so that patrols not logged on a tablet count as delivered (source "
        "'passive'). Any bad row rejects the whole file, reported by file, line and field."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--force", required=True, help="The force's slug.")
        parser.add_argument(
            "--columns",
            required=True,
            help="Our field=their column, comma-separated: at, lon, lat, accuracy, and unit "
            "and/or officer (collar number); optionally at_format (strftime) and timezone. "
            "E.g. unit=CallSign,at=Timestamp,lon=Long,lat=Lat,accuracy=Accuracy_m",
        )

    def handle(self, *args, file: Path, force: str, columns: str, **options):
        try:
            mapping = parse_mapping(columns)
        except MappingError as error:
            raise CommandError(f"--columns: {error}") from None
        found = Force.objects.filter(slug=force).first()
        if found is None:
            raise CommandError(f"No force with slug '{force}'.")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        try:
            result = import_pings(force=found, source=Source(file.name, data), mapping=mapping)
        except FileRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(str(error))
            message = f"{file.name}: nothing imported ({len(rejected.errors)} errors)."
            raise CommandError(message) from None
        self.stdout.write(
            f"{file.name}: {result.rows} pings read, {result.added} new (import {result.batch.pk})."
        )
