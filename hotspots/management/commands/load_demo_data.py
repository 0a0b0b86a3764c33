import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core.jobs import job_start
from core.progress import ProgressBar
from hotspots.management.commands.import_police_uk import report_import
from hotspots.models import Force
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

    def _import(self, kind: str, params: dict) -> None:
        with ProgressBar(self.stdout, kind.split(".")[-1]) as bar:
            job = job_start(kind=kind, params=params, sync=True, listener=bar)
        report_import(self, job)


def _mapping() -> dict:
    import json

    return json.loads(MAPPING.read_text())
