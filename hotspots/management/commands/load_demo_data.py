import json
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core.jobs import job_start
from core.progress import ProgressBar
from hotspots.management.commands.import_police_uk import report_import
from hotspots.models import Force
from hotspots.serializers import RunRequestSerializer
from hotspots.services.runs import hotspot_run_request
from hotspots.synthetic import SyntheticConfig, generate_all

MAPPING = Path(settings.BASE_DIR) / "examples" / "force-export-mapping.json"


class Command(BaseCommand):
    help = (
        "Generate the synthetic Exampleshire force (planted hotspots and effects) and import "
        "its police.uk months, boundary and timestamped force export. Skips if already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=Path(settings.BASE_DIR) / "demo-data")
        parser.add_argument("--seed", type=int, default=SyntheticConfig.seed)
        parser.add_argument("--reload", action="store_true", help="Regenerate and re-import.")

    def handle(self, *args, out: Path, seed: int, reload: bool, **options):
        config = SyntheticConfig(seed=seed)
        if Force.objects.filter(slug=config.force_slug).exists() and not reload:
            self.stdout.write("Demo data is loaded already (use --reload to replace it).")
            return
        if out.exists():
            shutil.rmtree(out)
        summary = generate_all(config, out)
        self.stdout.write(f"Generated {summary['police_uk_rows']:,} police.uk rows in {out}.")
        self._import(
            "hotspots.import_police_uk",
            {
                "paths": [str(out / "police-uk")],
                "force": config.force_slug,
                "boundary": str(out / "boundary.geojson"),
                "on_error": "reject",
            },
        )
        self._import(
            "hotspots.import_force_export",
            {
                "path": str(out / "force-export.csv"),
                "mapping": _mapping(),
                "force": config.force_slug,
                "on_error": "reject",
            },
        )

        self._demo_runs(config)

    def _demo_runs(self, config: SyntheticConfig) -> None:
        """Two runs so the map has something to show: ASB and harm-weighted crime, 2024."""
        for selection, harm in (("asb", False), ("crime", True)):
            request = RunRequestSerializer(
                data={"force": config.force_slug, "period_start": "2024-01",
                      "period_end": "2024-12", "selection": selection, "harm_weighted": harm,
                      "name": f"Demo: {selection.upper()} hotspots 2024"}
            )  # fmt: skip
            request.is_valid(raise_exception=True)
            with ProgressBar(self.stdout, f"hotspots ({selection})") as bar:
                run = hotspot_run_request(
                    data=request.validated_data, user=None, sync=True, listener=bar
                )
            self.stdout.write(f"Hotspot run #{run.pk}: {run.job.status}")

    def _import(self, kind: str, params: dict) -> None:
        with ProgressBar(self.stdout, kind.split(".")[-1]) as bar:
            job = job_start(kind=kind, params=params, sync=True, listener=bar)
        report_import(self, job)


def _mapping() -> dict:
    return json.loads(MAPPING.read_text())
