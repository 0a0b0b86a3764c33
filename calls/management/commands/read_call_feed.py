"""Read a folder of command-and-control exports into live calls, through a column mapping."""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from calls.models import FeedSource
from calls.services.feeds import MappingError, feed_source_poll, feed_source_save, feed_sources_poll
from hotspots.models import Force


class Command(BaseCommand):
    help = (
        "Read new CSV/JSON exports of a force's control room from a folder (see "
        "docs/live-calls.md). With --force/--folder/--mapping the feed is saved and read; with "
        "--all every saved feed is read. --every N keeps reading every N seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", help="Force slug")
        parser.add_argument("--folder", type=Path, help="Folder the exports are written to")
        parser.add_argument("--mapping", type=Path, help="JSON column mapping")
        parser.add_argument("--name", default="folder", help="Name of this feed (default folder)")
        parser.add_argument("--all", action="store_true", help="Read every enabled feed")
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds")

    def handle(self, *args, **options):
        if options["all"]:
            poll = self._poll_all
        else:
            source = self._source(options)
            poll = lambda: self._poll(source)  # noqa: E731
        while True:
            poll()
            if not options["every"]:
                return
            time.sleep(max(1, options["every"]))

    def _source(self, options) -> FeedSource:
        if not (options["force"] and options["folder"] and options["mapping"]):
            raise CommandError("Give --force, --folder and --mapping, or --all.")
        force = Force.objects.filter(slug=options["force"]).first()
        if force is None:
            raise CommandError(f"No force {options['force']!r}.")
        try:
            mapping = json.loads(options["mapping"].read_text())
            return feed_source_save(force=force, name=options["name"],
                                    folder=str(options["folder"]), mapping=mapping)  # fmt: skip
        except (OSError, json.JSONDecodeError, MappingError) as error:
            raise CommandError(f"{options['mapping']}: {error}") from None

    def _poll(self, source: FeedSource) -> None:
        for record in feed_source_poll(source=source):
            self.stdout.write(
                f"{record.name}: {record.events_applied} applied, {record.events_duplicate} "
                f"repeated, {record.events_rejected} refused of {record.events_read}"
                + (f"; {record.error}" if record.error else "")
            )
        source.refresh_from_db()
        if source.last_error:
            self.stderr.write(source.last_error)

    def _poll_all(self) -> None:
        self.stdout.write(f"{feed_sources_poll()} new files read")
