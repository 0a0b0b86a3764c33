from pathlib import Path
from typing import TYPE_CHECKING

from django.core.management.base import BaseCommand, CommandError

from core.commands import BATCH_CHECKS
from core.progress import ProgressBar
from evaluation.models import Evaluation

if TYPE_CHECKING:
    from evaluation.results import Results


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = (
        "Evaluate a plan's (or a run's) hotspots before and after, print the headline and the "
        "warnings, and optionally write the PDF report and the per-hotspot CSV, e.g. "
        "evaluate --plan 3 --after 2025-01:2025-04 --pdf report.pdf"
    )

    def add_arguments(self, parser):
        add = parser.add_argument
        subject = parser.add_mutually_exclusive_group(required=True)
        subject.add_argument("--run", type=int, help="Hotspot run id: all its hotspots.")
        subject.add_argument("--plan", type=int, help="Patrol plan id: its hotspots.")
        subject.add_argument(
            "--recompute-stale", action="store_true",
            help="Start a recomputation of every evaluation stored in an older results layout.",
        )  # fmt: skip
        add("--after", help="After period FIRST:LAST as YYYY-MM:YYYY-MM (required to evaluate).")
        add("--before", help="Before period FIRST:LAST (default: the same months a year earlier).")
        add("--measures", default="asb,crime", help="Comma-separated: asb, crime, chosen.")
        add("--categories", default="", help="Category slugs for the 'chosen' measure.")
        add("--buffer", dest="buffer_m", type=int, default=250, help="Buffer ring, metres.")
        add("--comparison", default="rest", choices=[c for c, _ in Evaluation.Comparison.choices])
        add(
            "--flagged", dest="flagged_months", default="warn", choices=["warn", "exclude"],
            help="Months flagged by the data-quality check. warn: kept, with their effect "
            "shown. exclude: each leaves both periods with its partner month, for every "
            "category and the comparison area; refused when nothing is left.",
        )  # fmt: skip
        add("--min-count", dest="minimum_count", type=int, default=20)
        add("--source", default="police_uk", choices=["police_uk", "force_export"])
        add("--name", default="")
        add("--pdf", type=Path, help="Write the report as PDF here.")
        add("--csv", type=Path, help="Write the per-hotspot table as CSV here.")

    def handle(self, *args, **options):
        # The evaluation's statistics, report and PDF libraries load when they are used.
        from evaluation.results import Results
        from evaluation.services import evaluation_start, evaluations_recompute_stale
        from evaluation.services.exports import evaluation_csv, report_pdf

        if options["recompute_stale"]:
            ids = evaluations_recompute_stale()
            self.stdout.write(f"Recomputing {len(ids)} evaluations: {ids}")
            return
        if not options["after"]:
            raise CommandError("--after is required, e.g. --after 2025-01:2025-04")
        data = self._request(options)
        with ProgressBar(self.stdout, "evaluation") as bar:
            evaluation = evaluation_start(data=data, user=None, sync=True, listener=bar)
        if evaluation.job.status == evaluation.job.Status.FAILED:
            raise CommandError(evaluation.job.error)
        results = Results.from_json(evaluation.results)
        self._report(evaluation, results)
        if options["pdf"]:
            options["pdf"].write_bytes(report_pdf(evaluation, results))
            self.stdout.write(f"Wrote {options['pdf']}")
        if options["csv"]:
            options["csv"].write_text(evaluation_csv(results))
            self.stdout.write(f"Wrote {options['csv']}")

    def _request(self, options) -> dict:
        payload = {
            k: options[k]
            for k in (
                "run",
                "plan",
                "buffer_m",
                "comparison",
                "flagged_months",
                "minimum_count",
                "source",
                "name",
            )  # fmt: skip
            if options[k] is not None
        }
        payload["after_start"], payload["after_end"] = _period(options["after"], "--after")
        if options["before"]:
            payload["before_start"], payload["before_end"] = _period(options["before"], "--before")
        payload["measures"] = [m for m in options["measures"].split(",") if m]
        payload["categories"] = [c for c in options["categories"].split(",") if c]
        from evaluation.serializers import EvaluationRequestSerializer

        serializer = EvaluationRequestSerializer(data=payload)
        if not serializer.is_valid():
            raise CommandError(_errors(serializer.errors))
        return serializer.validated_data

    def _report(self, evaluation: Evaluation, results: "Results") -> None:
        from evaluation import report

        self.stdout.write(self.style.SUCCESS(f"Evaluation #{evaluation.pk}: {evaluation}"))
        self.stdout.write(report.headline(results))
        for warning in report.warnings(results):
            style = self.style.WARNING if warning.level == "warning" else str
            self.stdout.write(style(f"- {warning.title}: {warning.text}"))
        for row in report.build(evaluation, results).overview:
            self.stdout.write(
                f"  {row.label:<28} {row.before:>9} -> {row.after:>9}  {row.change:>6}  "
                f"mean/hotspot {row.mean:>6}  comparison {row.comparison:>6}  "
                f"ratio vs comparison {row.did}"
            )
        self.stdout.write(report.ATTRIBUTION)


def _period(text: str, flag: str) -> tuple[str, str]:
    first, sep, last = text.partition(":")
    if not first:
        raise CommandError(f"{flag} must look like 2025-01:2025-04")
    return first, last if sep else first


def _errors(errors) -> str:
    if isinstance(errors, dict):
        return "; ".join(f"{field}: {' '.join(map(str, m))}" for field, m in errors.items())
    return "; ".join(map(str, errors))
