from django.core.management.base import BaseCommand, CommandError

from core.commands import BATCH_CHECKS
from core.progress import ProgressBar
from hotspots.models import Force
from hotspots.services.monitoring import monitoring_start


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = (
        "Re-score the hotspots in use for a force (its latest finished run and its published "
        "plans) against the latest months, as happens after every import: "
        "monitor_hotspots --force derbyshire. Prints cooled hotspots, new or intensifying hot "
        "spots outside each selection and the Jaccard stability."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", required=True, help="Force slug.")

    def handle(self, *args, **options):
        force = Force.objects.filter(slug=options["force"]).first()
        if force is None:
            raise CommandError(f"No force {options['force']!r}; import its data first.")
        with ProgressBar(self.stdout, "monitoring") as bar:
            job = monitoring_start(force=force, sync=True, listener=bar)
        if job.status != "succeeded":
            raise CommandError(job.error)
        for skipped in job.result.get("skipped", []):
            self.stdout.write(f"skipped {skipped['label']}: {skipped['reason']}")
        from hotspots import selectors

        reviews = list(selectors.hotspot_review_list(force=force))
        if not reviews:
            self.stdout.write("Nothing to monitor: no finished run or published plan.")
        for review in reviews:
            self._print(review)

    def _print(self, review) -> None:
        stability = "–" if review.jaccard is None else f"{review.jaccard:.2f}"
        self.stdout.write(
            f"{review.label}: {review.cooled} of {review.hotspots} cooled, "
            f"{review.emerging_outside} emerging outside, stability {stability} "
            f"(latest months {review.recent_start:%Y-%m} to {review.recent_end:%Y-%m})"
        )
        for check in review.result.get("hotspots", []):
            if check["cooled"]:
                self.stdout.write(f"  cooled: #{check['rank']} {check['label']}")
        for place in review.result.get("emerging_outside", []):
            self.stdout.write(
                f"  {place['category'].replace('_', ' ')} outside: {len(place['cells'])} cells, "
                f"{place['recent']:.0f} incidents in the latest months, "
                f"{place.get('label') or 'at'} ({place['lat']:.5f}, {place['lon']:.5f}; "
                f"z {place['peak_z']:.1f})"
            )
