from django.core.management import call_command
from django.core.management.base import BaseCommand

from evaluation.models import Evaluation
from hotspots.models import HotspotRun


class Command(BaseCommand):
    help = (
        "Evaluate the demo force's 2024 ASB hotspots over the first half of 2025 (the demo data "
        "plants a 25% fall in patrolled hotspots from January 2025), so the commander has a report."
    )

    def handle(self, *args, **options):
        run = HotspotRun.objects.filter(force__slug="exampleshire", selection="asb").first()
        if run is None:
            self.stdout.write("No demo hotspot run: load the demo data first.")
            return
        if Evaluation.objects.filter(run=run).exists():
            self.stdout.write("The demo evaluation exists already.")
            return
        call_command(
            "evaluate", "--run", str(run.pk), "--after", "2025-01:2025-06",
            "--name", "Demo: ASB hotspots, first half of 2025", stdout=self.stdout,
        )  # fmt: skip
