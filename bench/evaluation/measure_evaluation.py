"""Builds the benchmark force in a fresh database, then times the report's numbers. Prints
one JSON line. The force: synthetic Exampleshire over 2023-01…2025-12; 200 DBSCAN hotspots
picked on 2024; a plan with the top 100 of them and a 15-minute patrol at each every day of
2025 (the other 100 are controls)."""

import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402

from evaluation import report  # noqa: E402
from evaluation.serializers import EvaluationRequestSerializer  # noqa: E402
from evaluation.services import evaluation_start  # noqa: E402
from evaluation.services.exports import report_pdf  # noqa: E402
from hotspots.models import Force, Incident  # noqa: E402
from hotspots.serializers import RunRequestSerializer  # noqa: E402
from hotspots.services.imports import incidents_import_police_uk  # noqa: E402
from hotspots.services.runs import hotspot_run_request  # noqa: E402
from hotspots.synthetic import SyntheticConfig, generate_all, month_range  # noqa: E402
from patrols.models import OfficerProfile, PatrolAssignment, PatrolPlan, PlanHotspot  # noqa: E402

MONTHS = month_range("2023-01", "2025-12")
REPEATS = 3


def build() -> dict:
    """The force, its 200 hotspots and the plan; returns what was built and how long it took."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        config = SyntheticConfig(months=MONTHS, artefact_month="2024-10")
        generate_all(config, Path(folder))
        incidents_import_police_uk(
            paths=[Path(folder) / "police-uk"], force_slug=config.force_slug,
            boundary_path=Path(folder) / "boundary.geojson",
        )  # fmt: skip
    import_s = time.perf_counter() - start
    force = Force.objects.get(slug=config.force_slug)
    run = _run()
    plan, assignments = _plan(force, run)
    return {"run": run, "plan": plan, "setup": {
        "incidents": Incident.objects.filter(force=force).count(), "months": len(MONTHS),
        "import_s": import_s, "assignments": assignments,
        "hotspots": run.hotspots.count()}}  # fmt: skip


def _run():
    payload = {"force": "exampleshire", "period_start": "2024-01", "period_end": "2024-12",
               "selection": "all", "method": "dbscan", "eps_m": 100, "min_samples": 60,
               "min_incidents": 5, "max_hotspots": 200}  # fmt: skip
    request = RunRequestSerializer(data=payload)
    request.is_valid(raise_exception=True)
    run = hotspot_run_request(data=request.validated_data, user=None, sync=True)
    run.refresh_from_db()
    if run.job.status != "succeeded":
        raise SystemExit(run.job.error)
    return run


def _plan(force, run) -> tuple[PatrolPlan, int]:
    user = User.objects.create(username="bench-officer")
    officer = OfficerProfile.objects.create(user=user, force=force, collar_number="1")
    plan = PatrolPlan.objects.create(
        force=force,
        run=run,
        name="Bench plan",
        seed=1,
        first_day=dt.date(2025, 1, 1),
        last_day=dt.date(2025, 1, 28),
    )
    treated = list(run.hotspots.order_by("rank")[:100])
    PlanHotspot.objects.bulk_create(PlanHotspot(plan=plan, hotspot=h) for h in treated)
    zone = dt.UTC
    days = [dt.datetime(2025, 1, 1, 19, tzinfo=zone) + dt.timedelta(days=d) for d in range(365)]
    rows = [
        PatrolAssignment(plan=plan, hotspot=h, officer=officer, start=day,
                         end=day + dt.timedelta(minutes=15),
                         status="done" if (i + h.rank) % 5 else "missed")
        for h in treated for i, day in enumerate(days)
    ]  # fmt: skip
    PatrolAssignment.objects.bulk_create(rows, batch_size=5000)
    return plan, len(rows)


def measure(name: str, payload: dict) -> dict:
    """Median of REPEATS evaluations from request to the report's numbers; the PDF once."""
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        request = EvaluationRequestSerializer(data=payload)
        request.is_valid(raise_exception=True)
        evaluation = evaluation_start(data=request.validated_data, sync=True)
        computed = time.perf_counter()
        built = report.build(evaluation)
        done = time.perf_counter()
        if evaluation.job.status != "succeeded":
            raise SystemExit(evaluation.job.error)
        timings = evaluation.results["timings"]
        runs.append({"read_s": timings["read_s"], "compute_s": computed - start,
                     "report_s": done - computed, "total_s": done - start})  # fmt: skip
    clock = time.perf_counter()
    report_pdf(evaluation)
    pdf_s = time.perf_counter() - clock
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    meta = evaluation.results["meta"]
    return {
        "name": name, "hotspots": meta["treated"], "controls": meta["controls"],
        "incidents": _incidents_read(evaluation), "months": _months_read(evaluation),
        "read_s": median["read_s"], "statistics_s": median["compute_s"] - median["read_s"],
        "report_s": median["report_s"], "total_s": median["total_s"], "pdf_s": pdf_s,
        "runs": runs, "headline": built.headline,
    }  # fmt: skip


def _incidents_read(evaluation) -> int:
    from evaluation.services.compute import evaluation_setup

    setup = evaluation_setup(evaluation)
    return Incident.objects.filter(force=evaluation.force, month__in=setup.months).count()


def _months_read(evaluation) -> int:
    from evaluation.services.compute import evaluation_setup

    return len(evaluation_setup(evaluation).months)


def main() -> dict:
    call_command("migrate", verbosity=0)
    built = build()
    after = {"after_start": "2025-01", "after_end": "2025-12"}
    cases = [
        measure("run: 200 hotspots vs rest of force",
                {"run": built["run"].pk, "comparison": "rest", **after}),
        measure("plan: 100 hotspots vs 100 controls",
                {"plan": built["plan"].pk, "comparison": "control", **after}),
    ]  # fmt: skip
    return {"setup": built["setup"], "cases": cases}


if __name__ == "__main__":
    print(json.dumps(main(), default=str))
