"""A report on the real Derbyshire data: ASB hotspots picked on January–April 2024, evaluated
on January–April 2025 against the same months of 2024.

Derbyshire's ASB for 2024-01 (exactly 1,100 records) and 2024-02 (published twice) are
publication artefacts: the report must say so, show how much they move the figures, and, with
`exclude`, compare only March and April.
"""

import gzip

import pandas as pd
import pytest

from evaluation.results import Results
from evaluation.serializers import EvaluationRequestSerializer
from evaluation.services import evaluation_start
from evaluation.services.exports import report_html
from hotspots.serializers import RunRequestSerializer
from hotspots.services.imports import incidents_import_police_uk
from hotspots.services.runs import hotspot_run_request

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]
MONTHS = [f"{year}-0{m}" for year in (2024, 2025) for m in range(1, 5)]


def asb_from_files(folder) -> dict[str, int]:
    """Force-wide ASB per month counted straight from the CSVs, independently of the app."""
    counts = {}
    for month in MONTHS:
        with gzip.open(folder / f"{month}-derbyshire-street.csv.gz", "rt") as handle:
            frame = pd.read_csv(handle, usecols=["Crime type"], dtype=str)
        counts[month] = int((frame["Crime type"] == "Anti-social behaviour").sum())
    return counts


@pytest.fixture
def derbyshire_run(shared_data):
    incidents_import_police_uk(
        paths=[shared_data / "derbyshire"],
        boundary_path=shared_data / "derbyshire-boundaries" / "derbyshire.geojson.gz",
    )
    payload = {"force": "derbyshire", "period_start": "2024-01", "period_end": "2024-04",
               "selection": "asb", "max_hotspots": 20}  # fmt: skip
    request = RunRequestSerializer(data=payload)
    assert request.is_valid(), request.errors
    run = hotspot_run_request(data=request.validated_data, user=None, sync=True)
    assert run.job.status == "succeeded", run.job.error
    run.refresh_from_db()
    return run


def evaluate(run, **overrides):
    payload = {"run": run.pk, "after_start": "2025-01", "after_end": "2025-04", **overrides}
    request = EvaluationRequestSerializer(data=payload)
    assert request.is_valid(), request.errors
    evaluation = evaluation_start(data=request.validated_data, sync=True)
    assert evaluation.job.status == "succeeded", evaluation.job.error
    return evaluation


def test_derbyshire_2024_against_2025_warns_about_the_artefact_months(derbyshire_run, shared_data):
    evaluation = evaluate(derbyshire_run)
    results = evaluation.results
    print(f"\n{evaluation.headline}\n")
    assert results["meta"]["before"] == ["2024-01", "2024-04"]
    flagged = {(f["category"], f["month"]) for f in results["quality"]}
    assert {("anti-social-behaviour", "2024-01"), ("anti-social-behaviour", "2024-02")} <= flagged
    # Summarised: one range for the two consecutive flagged months.
    assert "data-quality flags on Anti-social behaviour Jan–Feb 2024" in evaluation.headline
    assert "hotspots picked on the before period" in evaluation.headline

    asb = results["measures"]["asb"]
    files = asb_from_files(shared_data / "derbyshire")
    force = asb["totals"]["force"]
    assert force["before"] == sum(files[m] for m in MONTHS[:4])
    assert force["after"] == sum(files[m] for m in MONTHS[4:])
    totals = asb["totals"]
    parts = ("treated", "buffers", "rest")
    assert sum(totals[p]["before"] for p in parts) <= force["before"]
    assert totals["treated"]["before"] > 0 and totals["treated"]["after"] > 0

    # The sensitivity figure is the change without January and February: check it against
    # the excluded evaluation, which compares March–April with March–April.
    excluded = evaluate(derbyshire_run, flagged_months="exclude").results["measures"]["asb"]
    clean = excluded["totals"]["treated"]
    assert asb["sensitivity"]["percent_change"] == pytest.approx(clean["percent_change"])
    assert excluded["totals"]["force"]["before"] == files["2024-03"] + files["2024-04"]
    clean_force = excluded["totals"]["force"]["percent_change"]
    print(
        f"ASB in hotspots: {totals['treated']['percent_change']:+.1f}% with the flagged "
        f"months, {clean['percent_change']:+.1f}% without; force-wide "
        f"{force['percent_change']:+.1f}% / {clean_force:+.1f}%"
    )

    html = report_html(evaluation, Results.from_json(evaluation.results), for_pdf=True)
    assert "Open Government Licence" in html and "<svg" in html
