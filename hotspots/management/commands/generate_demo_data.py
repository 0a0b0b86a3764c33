import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hotspots.synthetic import SyntheticConfig, generate_all, month_range

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class Command(BaseCommand):
    help = (
        "Write a synthetic force's police.uk monthly CSVs, timestamped force export, boundary "
        "and ground_truth.json (planted hotspots and effects), deterministic by seed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True, help="Folder to write into.")
        parser.add_argument("--seed", type=int, default=SyntheticConfig.seed)
        parser.add_argument("--from", dest="first", default="2024-01", help="First month YYYY-MM.")
        parser.add_argument("--to", dest="last", default="2025-12", help="Last month YYYY-MM.")
        parser.add_argument("--effect-start", default="2025-01", help="Month patrols begin.")
        parser.add_argument("--asb-effect", type=float, default=0.25, help="ASB fall in treated.")

    def handle(self, *args, out: Path, seed: int, first: str, last: str, **options):
        if not (MONTH.match(first) and MONTH.match(last)) or first > last:
            raise CommandError("--from and --to must be months YYYY-MM, --from first.")
        months = month_range(first, last)
        artefact = SyntheticConfig.artefact_month
        try:
            config = SyntheticConfig(
                seed=seed,
                months=months,
                effect_start=options["effect_start"],
                asb_effect=options["asb_effect"],
                artefact_month=artefact if artefact in months else None,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        summary = generate_all(config, out)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {summary['police_uk_rows']:,} police.uk rows over {summary['months']} "
                f"months, the force export and ground truth to {out} "
                f"({summary['seconds']:.1f} s)."
            )
        )
