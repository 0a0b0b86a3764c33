"""Evaluations across police.uk's 2013-05 category change and with a whole-force artefact
month, against the synthetic generator's ground truth (its exact published counts).

The world: the planted discs of tests/evaluation/test_services.py, months 2012-05…2012-10
(published in the eleven-category scheme: "Public disorder and weapons", "Violent crime",
"Other theft" holding bicycle thefts and thefts from the person) and 2013-05…2013-10 (today's
fourteen), and a whole-force dip in 2013-08 (60% of every category's rows published).
"""

import json
from dataclasses import replace

import numpy as np
import pytest

from evaluation.report import warnings
from evaluation.results import MeasureResult, Results
from evaluation.results import QualityFlag as Flag
from evaluation.serializers import EvaluationRequestSerializer
from evaluation.services import evaluation_start
from hotspots.models import Force, HotspotRun, QualityFlag
from hotspots.services.imports import incidents_import_police_uk
from hotspots.synthetic import PlantedArtefact, SyntheticConfig, generate_all, month_range
from tests.evaluation.samples import sample_results
from tests.evaluation.test_services import planted_run

pytestmark = pytest.mark.django_db
BEFORE, AFTER = month_range("2012-05", "2012-10"), month_range("2013-05", "2013-10")
CONFIG = SyntheticConfig(
    seed=5, months=BEFORE + AFTER, force_slug="historyshire", force_name="Historyshire Police",
    artefact_month=None, n_map_points=2000, old_schemes_before="2013-05",
    artefacts=(PlantedArtefact("2013-08", "dip", None, 0.6),),
)  # fmt: skip
WEAPONS = ["Public order", "Possession of weapons"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("history")
    generate_all(CONFIG, folder)
    truth = json.loads((folder / "ground_truth.json").read_text())
    with django_db_blocker.unblock():
        incidents_import_police_uk(
            paths=[folder / "police-uk"], force_slug=CONFIG.force_slug,
            boundary_path=folder / "boundary.geojson",
        )  # fmt: skip
        force = Force.objects.get(slug=CONFIG.force_slug)
        run = planted_run(force, truth)
        HotspotRun.objects.filter(pk=run.pk).update(
            period_start="2012-05-01", period_end="2012-10-01"
        )
        run.refresh_from_db()
        yield force, run, truth
        force.delete()


def evaluate(run, **overrides):
    payload = {"run": run.pk, "after_start": "2013-05", "after_end": "2013-10",
               "comparison": "rest", "flagged_months": "warn", **overrides}  # fmt: skip
    request = EvaluationRequestSerializer(data=payload)
    assert request.is_valid(), request.errors
    return evaluation_start(data=request.validated_data, sync=True)


def typed(evaluation) -> Results:
    assert evaluation.job.status == "succeeded", evaluation.job.error
    return Results.from_json(evaluation.results)


def published(truth: dict, categories: list[str], skip: set[str] = frozenset()) -> tuple:
    """(before, after) published counts in every planted disc, from the ground truth,
    leaving out the calendar months in `skip` ('MM')."""
    sums = [0, 0]
    for spot in truth["hotspots"]:
        for category in categories:
            for month, value in zip(truth["months"], spot["published_monthly"][category],
                                    strict=True):  # fmt: skip
                if month[5:] not in skip:
                    sums[month >= "2013"] += value
    return tuple(sums)


def treated_totals(measure: MeasureResult) -> tuple:
    totals = measure.totals.treated
    return totals.before, totals.after


def test_the_change_raises_no_artefact_flag_and_the_dip_one(world):
    force, _, _ = world
    artefacts = QualityFlag.objects.filter(force=force, kind="artefact")
    whole = [(f"{f.month:%Y-%m}", f.rule) for f in artefacts if f.category is None]
    assert whole == [("2013-08", "force_month")]
    # Nothing on the categories the change renamed, split or merged, and no count rule.
    changed = {"Public disorder and weapons", "Public order", "Possession of weapons",
               "Other theft", "Bicycle theft", "Theft from the person", "Other crime",
               "Violence and sexual offences"}  # fmt: skip
    assert not [f for f in artefacts if f.category and f.category.name in changed]
    counted = {"collapse", "truncated", "multiplied"}
    assert not [f for f in artefacts if f.rule in counted and f.month.month in (5, 8)]
    change = QualityFlag.objects.get(force=force, rule="scheme_change")
    assert (change.kind, f"{change.month:%Y-%m}") == ("release", "2013-05")


def test_a_renamed_category_is_compared_as_its_group(world):
    _, run, truth = world
    results = typed(evaluate(run, measures=["chosen"], categories=["possession-of-weapons"]))
    measure = results.measures["chosen"]
    assert measure.label == "Public order and weapons"
    # Before: published as "Public disorder and weapons"; after: the two new categories.
    assert treated_totals(measure) == published(truth, WEAPONS)
    assert treated_totals(measure)[0] > 0
    history = results.categories
    assert history is not None
    assert set(history.measures["chosen"].added) == {
        "Public disorder and weapons", "Public order"
    }  # fmt: skip
    assert "Possession of weapons" in history.not_comparable
    found = {w.kind: w for w in warnings(results)}
    assert found["categories"].level == "warning"
    assert "Public order and weapons = " in found["categories"].text
    # One weight for the group: harm moves exactly as the group's count.
    harm = measure.harm.comparison
    counts = measure.totals.comparison
    assert harm.after / harm.before == pytest.approx(counts.after / counts.before)


def test_all_crime_across_the_change_counts_every_group(world):
    _, run, truth = world
    results = typed(evaluate(run, measures=["crime"]))
    crime = [c for c in truth["categories"] if c != "Anti-social behaviour"]
    assert treated_totals(results.measures["crime"]) == published(truth, crime)
    found = {w.kind: w for w in warnings(results)}
    assert found["categories"].level == "note"
    assert "Theft (other, bicycle, from the person)" in found["categories"].text
    assert "approximately" in found["categories"].text  # violence ~ violent crime


def test_flagged_exclude_drops_the_calendar_month_from_both_periods_and_the_comparison(world):
    _, run, truth = world
    kept = typed(evaluate(run, measures=["asb", "crime"]))
    excluded = typed(evaluate(run, measures=["asb", "crime"], flagged_months="exclude"))
    for key, categories in (("asb", ["Anti-social behaviour"]), ("crime", None)):
        names = categories or [c for c in truth["categories"] if c != "Anti-social behaviour"]
        measure = excluded.measures[key]
        # 2013-08 is flagged (the whole force): 2012-08 and 2013-08 leave every category, as
        # does any other flagged month with its partner.
        skip = {flag.month[5:] for flag in excluded.quality}
        assert "08" in skip and len(skip) < len(AFTER)
        assert treated_totals(measure) == published(truth, names, skip)
        whole = kept.measures[key].totals.force
        assert measure.totals.force.before < whole.before
        # The kept evaluation's "without them" figure is the excluded evaluation's.
        sensitivity = kept.measures[key].sensitivity
        assert sensitivity is not None
        assert (sensitivity.before, sensitivity.after) == treated_totals(measure)
        assert sensitivity.months_excluded == len(skip)
    whole_month = [f for f in excluded.quality if f.category is None]
    assert whole_month and all(set(f.measures) == {"asb", "crime"} for f in whole_month)
    quality = {w.kind: w for w in warnings(excluded)}["quality"]
    assert "All categories: 1 month (2013-08" in quality.text
    assert "for every category and area" in quality.text


def test_refused_when_nothing_is_left(world):
    _, run, _ = world
    evaluation = evaluate(run, after_start="2013-08", after_end="2013-08", flagged_months="exclude")
    assert evaluation.job.status == "failed"
    assert "Nothing is left to compare" in evaluation.job.error
    assert "2013-08" in evaluation.job.error


def test_refused_when_no_period_has_the_category(world):
    _, run, _ = world
    evaluation = evaluate(
        run, after_start="2013-09", after_end="2013-10", before_start="2013-05",
        before_end="2013-06", measures=["chosen"], categories=["public-disorder-and-weapons"],
    )  # fmt: skip
    assert evaluation.job.status == "failed"
    assert "cannot be compared like for like" in evaluation.job.error


def test_group_weights_are_the_count_weighted_mean():
    from types import SimpleNamespace as NS

    from evaluation.services.comparability import harm_weights

    categories = [NS(name="Public disorder and weapons", harm_weight=18.0),
                  NS(name="Public order", harm_weight=10.0),
                  NS(name="Possession of weapons", harm_weight=90.0),
                  NS(name="Burglary", harm_weight=40.0)]  # fmt: skip
    months = [
        np.datetime64("2012-06-01").astype(object),
        np.datetime64("2013-06-01").astype(object),
    ]
    setup = NS(categories=categories, months=months, before=[0], after=[1],
               evaluation=NS(source="police_uk"))  # fmt: skip
    force = np.array([[100, 0], [0, 80], [0, 20], [50, 50]], dtype=float)
    counts = NS(keep=np.ones((4, 1), dtype=bool), force=force)
    weights = harm_weights(setup, counts, [0, 1, 2, 3])
    common = (18 * 100 + 10 * 80 + 90 * 20) / 200
    assert weights == pytest.approx([common, common, common, 40.0])


def test_the_evaluate_command_refuses_with_the_reason(world):
    from django.core.management import CommandError, call_command

    _, run, _ = world
    with pytest.raises(CommandError, match="Nothing is left to compare.*2013-08"):
        call_command(
            "evaluate", "--run", str(run.pk), "--after", "2013-08:2013-08", "--flagged", "exclude"
        )


def test_a_run_across_the_change_counts_the_chosen_category_with_its_group(world):
    from hotspots.serializers import RunRequestSerializer
    from hotspots.services.runs import hotspot_run_request

    force, _, _ = world

    def run(start, categories):
        # The world holds no months 2012-11...2013-04: run over the gap on purpose.
        payload = {"force": force.slug, "period_start": start, "period_end": "2013-10",
                   "selection": "chosen", "categories": categories,
                   "allow_missing_months": True}  # fmt: skip
        serializer = RunRequestSerializer(data=payload)
        assert serializer.is_valid(), serializer.errors
        result = hotspot_run_request(data=serializer.validated_data, user=None, sync=True)
        assert result.job.status == "succeeded", result.job.error
        return HotspotRun.objects.get(pk=result.pk).summary

    across = run("2012-05", ["possession-of-weapons"])
    group = run("2012-05", ["possession-of-weapons", "public-order", "public-disorder-and-weapons"])
    assert across["category_groups"] == ["Public order and weapons"]
    assert across["incidents"] == group["incidents"]
    within = run("2013-05", ["possession-of-weapons"])
    assert within["category_groups"] == [] and within["incidents"] < across["incidents"] / 2


def test_many_flags_are_summarised_not_listed():
    from evaluation.report.history import quality_warnings

    names = ["Anti-social behaviour", "Burglary", "Drugs", "Shoplifting"]
    flags = tuple(
        Flag(category=name.lower(), name=name, month=f"{2010 + m // 12}-{m % 12 + 1:02d}",
             period="before", paired_month="", rule="collapse", reason=f"{name} {m}",
             score=1.0, excluded=False, measures=())
        for i, name in enumerate(names)
        for m in range(i, 45, 4)
    )  # fmt: skip
    results = replace(sample_results(), quality=flags)
    [warning] = quality_warnings(results, "They are kept in the figures.")
    assert warning.title == (
        "data-quality flags on 45 category-months in 45 months (Jan 2010 – Sep 2013)"
    )
    assert warning.text.count(":") <= 4 and "and 1 more category" in warning.text
    assert len(warning.details) == 45 and len(warning.title) < 100
