from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.commands import BATCH_CHECKS
from core.progress import ProgressBar
from hotspots.models import Force, HotspotRun


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = (
        "Find, rank and describe hotspots for a force, e.g. the ASB hotspots of the last 12 "
        "months: find_hotspots --force derbyshire --select asb. Prints the ranked list; "
        "--export writes GeoJSON, CSV or GeoPackage by the file's extension."
    )

    def add_arguments(self, parser):
        add = parser.add_argument
        add("--force", required=True, help="Force slug.")
        add(
            "--from", dest="period_start",
            help="First month YYYY-MM (default: the force's latest 12 months held without a gap, "
            "or 12 months to --to).",
        )  # fmt: skip
        add("--to", dest="period_end", help="Last month YYYY-MM (default: the latest held).")
        add(
            "--allow-missing-months", action="store_true",
            help="Run over months the force has no data for (counted as empty); without it a "
            "period with such months is refused and they are named.",
        )  # fmt: skip
        add("--method", default="gistar", choices=[m for m, _ in HotspotRun.Method.choices])
        add("--select", dest="selection", default="asb", choices=["asb", "crime", "all", "chosen"])
        add(
            "--categories",
            default="",
            help="Comma-separated category slugs (with --select chosen).",
        )
        add("--source", default="police_uk", choices=["police_uk", "force_export"])
        add("--harm", action="store_true", help="Weight incidents by category harm.")
        add("--cell", dest="cell_m", type=int, help="Cell size in metres (default GRID_CELL_M).")
        add("--neighbourhood", default="queen:1", help="queen:ORDER or distance:METRES (Gi*).")
        add("--alpha", type=float, default=0.05, help="Gi* significance after FDR.")
        add("--bandwidth", dest="bandwidth_m", type=float, default=300, help="KDE bandwidth, m.")
        add(
            "--kernel", default="gaussian", choices=["gaussian", "quartic"],
            help="KDE kernel: gaussian (bandwidth = standard deviation) or quartic "
            "(bandwidth = search radius).",
        )  # fmt: skip
        add("--kde-share", type=float, default=0.02, help="KDE: share of the area to select.")
        add("--eps", dest="eps_m", type=float, default=150, help="DBSCAN radius, metres.")
        add("--min-samples", type=int, default=40, help="DBSCAN core size (incidents).")
        add("--min-cluster-size", type=int, default=60, help="HDBSCAN minimum cluster size.")
        add("--min-incidents", type=int, default=10)
        add("--max-hotspots", type=int, default=20)
        add(
            "--max-area", dest="max_area_km2", type=float,
            help="Largest hotspot in km² (default HOTSPOT_MAX_AREA_KM2, 0.1): larger significant "
            "areas are split around their peaks.",
        )  # fmt: skip
        add("--no-clip", action="store_true", help="Do not clip the grid to the force boundary.")
        add("--name", default="")
        add("--export", type=Path, help="Write the hotspots to .geojson, .csv or .gpkg.")

    def handle(self, *args, **options):
        data = self._request(options)
        with ProgressBar(self.stdout, f"{data['method']} run") as bar:
            from hotspots.services.runs import hotspot_run_request

            run = hotspot_run_request(data=data, user=None, sync=True, listener=bar)
        if run.job.status == run.job.Status.FAILED:
            raise CommandError(run.job.error)
        run.refresh_from_db()
        self._report(run)
        if options["export"]:
            self._export(run, options["export"])

    def _request(self, options) -> dict:
        force = Force.objects.filter(slug=options["force"]).first()
        if force is None:
            raise CommandError(f"No force {options['force']!r}; import its data first.")
        # Periods left out default in the serializer, from the months the force holds.
        payload = {
            **{k: v for k, v in options.items() if v is not None},
            "categories": [c for c in options["categories"].split(",") if c],
            "harm_weighted": options["harm"], "clip_to_boundary": not options["no_clip"],
            "neighbourhood": _neighbourhood(options["neighbourhood"]),
        }  # fmt: skip
        from hotspots.serializers import RunRequestSerializer

        serializer = RunRequestSerializer(data=payload)
        if not serializer.is_valid():
            raise CommandError(_errors(serializer.errors))
        return serializer.validated_data

    def _report(self, run: HotspotRun) -> None:
        s = run.summary
        self.stdout.write(self.style.SUCCESS(
            f"{run.period_start:%Y-%m}…{run.period_end:%Y-%m}: {s['hotspots']} hotspots hold "
            f"{s['share_of_incidents']:.1%} of {s['incidents']:,} incidents on "
            f"{s['share_of_area']:.2%} of the area (PAI {s['pai']:.1f}); timings {run.timings}"
        ))  # fmt: skip
        if s.get("hotspot_areas"):
            self.stdout.write(
                f"Each hotspot is at most {s['max_area_km2']:g} km² (largest "
                f"{s['largest_hotspot_km2']:.3f} km²), carved from {s['hotspot_areas']} hotspot "
                f"area(s) (largest {s['largest_area_km2']:.2f} km²)."
            )
        for warning in s.get("warnings", []):
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        for note in s.get("notes", []):
            self.stdout.write(f"Note: {note}")
        for h in run.hotspots.order_by("rank"):
            window = f"  {h.patrol_window}" if h.patrol_window else ""
            self.stdout.write(
                f"{h.rank:>3}. {h.label[:48]:<48} {h.incident_count:>6} incidents  "
                f"PAI {h.pai:6.1f}  peak {h.peak_score:8,.2f}{window}"
            )

    def _export(self, run: HotspotRun, path: Path) -> None:
        from hotspots.services.exports import (
            hotspots_csv,
            hotspots_feature_collection,
            hotspots_geopackage,
        )

        suffix = path.suffix.lower()
        if suffix == ".gpkg":
            path.write_bytes(hotspots_geopackage(run))
        elif suffix == ".csv":
            path.write_text(hotspots_csv(run))
        elif suffix in (".geojson", ".json"):
            import json

            path.write_text(json.dumps(hotspots_feature_collection(run)))
        else:
            raise CommandError("--export must end in .geojson, .csv or .gpkg")
        self.stdout.write(f"Wrote {path}")


def _neighbourhood(text: str) -> dict:
    kind, _, value = text.partition(":")
    if kind == "distance":
        return {"kind": "distance", "band_m": value}
    return {"kind": "queen", "order": value or 1}


def _errors(errors: dict) -> str:
    return "; ".join(
        f"{field}: {' '.join(map(str, messages))}" for field, messages in errors.items()
    )
