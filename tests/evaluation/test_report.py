"""The report: the headline in the commanders' form, warnings, charts, and what the PDF holds.

The unit tests read typed results (tests/evaluation/samples.py) changed in their JSON form by
path, so that what they read has been through Results.from_json like stored results."""

import math
from dataclasses import replace

import pytest

from evaluation import report
from evaluation.report.charts import forest_chart, nice_ticks, trend_chart
from evaluation.results import (
    CategoryChange,
    CategoryHistory,
    ComparedGroup,
    Interval,
    Monthly,
    Place,
    QualityFlag,
    RegressionToMean,
    ReleaseNote,
    Results,
    SchemaError,
    StaleResults,
)
from evaluation.services.exports import report_document, report_html
from evaluation.statistics import TOO_FEW, RegressionToMeanCheck, regression_to_mean_check
from tests.evaluation.samples import hotspot, sample_measure, sample_results, with_measure
from tests.evaluation.test_api import build_world, finished


def results(**changes) -> Results:
    """The sample results with values replaced by path in their JSON (a__b__c=value)."""
    data = sample_results().to_json()
    for path, value in changes.items():
        target = data
        *parents, last = path.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return Results.from_json(data)


def test_headline_in_the_commanders_form():
    text = report.headline(results())
    assert text.startswith(
        "ASB in the 20 hotspot areas down 25% on average on the same months last year "
        "(down 18% in total), the largest fall 45% (Market Place); all crime down 12% against "
        "a 2% fall force-wide, from 9,000 patrol hours, 111 arrests and 30,000 people spoken to."
    )
    # A fall beyond the 8–16% research range is named as a warning, not celebrated.
    assert text.endswith("Read it with the warning below: ASB fall beyond the research range.")


def test_headline_today_without_visit_logs_and_with_rises():
    data = results(
        dose__basis="planned", dose__delivered_hours=0.0, dose__planned_hours=320.0,
        activity__visits_logged=0, activity__arrests=None, activity__people_engaged=None,
        activity__note="no visits logged", meta__comparison="rest",
        measures__crime__totals__treated__percent_change=3.4,
        measures__crime__totals__comparison__percent_change=0.2,
    )  # fmt: skip
    text = report.headline(data)
    assert "all crime up 3% against no change in the rest of the force" in text
    assert "from 320 planned patrol hours (none yet delivered)" in text
    assert "(arrests and people spoken to: no visits logged)" in text


def test_largest_fall_is_named_only_among_hotspots_with_the_minimum_count():
    """28 → 2 is a 93% fall on 30 incidents: under a minimum of 40 (before + after, the one
    rule) it is greyed and never leads; 60 → 40 (a 33% fall on 100) does."""
    rows = (hotspot(7, 60, 40, minimum=40), hotspot(8, 28, 2, minimum=40))
    measure = sample_measure("asb", "Anti-social behaviour", mean=-25, total=-18, hotspots=rows)
    data = with_measure(results(meta__minimum_count=40.0), measure)
    data = replace(data, hotspots=(*data.hotspots, Place(8, 2, "Back Lane", 0, 0, "treated", 3)))
    assert rows[1].flag == TOO_FEW and rows[1].percent_change == pytest.approx(-92.86, abs=0.01)
    text = report.headline(data)
    assert "the largest fall 33% (Market Place)" in text and "Back Lane" not in text
    # With a minimum of 30 both count, and the bigger fall leads.
    rows = (hotspot(7, 60, 40, minimum=30), hotspot(8, 28, 2, minimum=30))
    data = with_measure(data, replace(measure, hotspots=rows))
    assert "the largest fall 93% (Back Lane)" in report.headline(data)


def test_too_few_incidents_are_shown_but_not_claimed():
    measure = sample_measure("asb", "Anti-social behaviour", mean=-60, total=-50, flag=TOO_FEW,
                             hotspots=(hotspot(7, 6, 3),))  # fmt: skip
    data = with_measure(results(), measure)
    found = {w.kind: w for w in report.warnings(data)}
    assert "too few incidents to claim a change" in report.headline(data)
    assert "largest fall" not in report.headline(data)
    assert found["too_few"].level == "warning"
    assert found["small"].level == "note" and "not claimed" in found["small"].text


def test_quality_and_regression_to_the_mean_warnings():
    flag = {"category": "anti-social-behaviour", "name": "Anti-social behaviour",
            "month": "2024-02", "paired_month": "2025-02", "period": "before",
            "rule": "duplicates", "reason": "ASB 2024-02: published twice", "score": 9,
            "excluded": False, "measures": ["asb"]}  # fmt: skip
    data = results(
        quality=[flag, {**flag, "reason": "50% duplicates", "score": 3}],
        measures__asb__sensitivity={"before": 900, "after": 846, "percent_change": -6.0,
                                    "months_excluded": 1},
    )  # fmt: skip
    check = regression_to_mean_check([20.0], [15.0])
    rtm = RegressionToMean(("2024-01", "2024-12"), ("2024-01",), 12, ("2022-01", "2023-12"),
                           check, RegressionToMean.fall_of(check))  # fmt: skip
    data = replace(data, rtm=rtm)
    found = {w.kind: w for w in report.warnings(data)}
    quality = found["quality"]
    assert quality.title == "data-quality flags on Anti-social behaviour Feb 2024"
    assert quality.text.startswith("Anti-social behaviour: 1 month (2024-02; ")
    assert quality.details == ("ASB 2024-02: published twice (1 more check agree).",)
    assert "without them ASB in the hotspots would be down 6% rather than down 18%" in (
        quality.text
    )
    assert "expect about 25% fewer anyway" in found["rtm"].text
    assert found["rtm"].title == "hotspots picked on the before period"


def test_regression_to_the_mean_is_shown_when_picked_earlier_too():
    def rtm(selection: float, long_run: float) -> Results:
        check = regression_to_mean_check([selection], [long_run])
        found = RegressionToMean(("2022-01", "2022-12"), (), 30, ("2021-01", "2023-12"), check,
                                 RegressionToMean.fall_of(check))  # fmt: skip
        return replace(results(), rtm=found)

    above = {w.kind: w for w in report.warnings(rtm(20.0, 16.0))}["rtm"]
    assert above.level == "warning" and "expect about 20% fewer anyway" in above.text
    assert "regression to the mean" in report.headline(rtm(20.0, 16.0))
    slightly = {w.kind: w for w in report.warnings(rtm(20.0, 19.0))}["rtm"]
    assert slightly.level == "note" and "expect about 5% fewer anyway" in slightly.text
    # 14% below the long-run level: not "close to it", and no fall expected.
    below = {w.kind: w for w in report.warnings(rtm(12.9, 15.0))}["rtm"]
    assert "14% below their long-run level" in below.text and "no fall" in below.text
    assert rtm(12.9, 15.0).rtm.expected_fall is None
    assert "below the long-run level" in regression_to_mean_check([12.9], [15.0]).message


def test_nice_ticks():
    assert nice_ticks(78, 112) == [80, 90, 100, 110]
    assert nice_ticks(0, 1.05) == [0, 0.5, 1.0]
    assert nice_ticks(-3, 47) == [0, 20, 40]


def test_trend_chart_marks_flagged_months_and_splits_periods():
    data = results()
    monthly = Monthly(("2024-01", "2024-02", "2025-01", "2025-02"), (100, 300, 75, 75),
                      (1000, 1000, 950, 950), (900, 900, 880, 880), ("2024-02",))  # fmt: skip
    measure = replace(data.measures["asb"], monthly=monthly)
    chart = trend_chart(measure, data)
    hotspots = chart.lines[0]
    assert [p.title.split(": ")[1] for p in hotspots.points] == ["50", "150", "38", "38"]
    assert len(chart.lines) == 2  # the comparison is the force itself here
    assert [m.label for m in chart.flagged] == ["Feb 2024"]
    assert hotspots.points[1].x < chart.divider < hotspots.points[2].x
    assert [label.text for label in chart.labels] == ["Jan–Feb 2024", "Jan–Feb 2025"]


def test_forest_chart_draws_the_busiest_hotspots_and_clamps_unbounded_intervals():
    data = results()
    rows = tuple(
        replace(hotspot(i, i, 0 if i == 1 else i),
                rate_ratio=Interval(0.0 if i == 1 else 1.0, 0.0, None, None))
        for i in range(1, 60)
    )  # fmt: skip
    places = tuple(Place(i, i, f"H{i}", 0, 0, "treated", 1) for i in range(1, 60))
    data = replace(data, hotspots=places)
    measure = replace(data.measures["asb"], hotspots=rows)
    chart = forest_chart(measure, data)
    assert (chart.shown, chart.total) == (40, 59)
    assert chart.items[0].label.startswith("#59")
    assert all(chart.left <= item.lo <= item.hi <= chart.right for item in chart.items)


def test_results_round_trip_through_json():
    data = sample_results()
    assert Results.from_json(data.to_json()) == data
    check = RegressionToMeanCheck(20.0, 15.0, 0.25, True, "selected at a peak")
    stored = replace(data, rtm=replace(data.rtm, check=check, expected_fall=25.0)).to_json()
    assert stored["schema_version"] == 3 and stored["rtm"]["expected_fall"] == 25.0
    assert Results.from_json(stored).rtm.check == check
    # NaN and infinity are stored as null, and read back as NaN where a number is required.
    wdd = replace(data.measures["asb"].wdd, variance=math.inf)
    measure = replace(data.measures["asb"], wdd=wdd)
    stored = replace(data, measures={**data.measures, "asb": measure}).to_json()
    assert stored["measures"]["asb"]["wdd"]["variance"] is None
    assert math.isnan(Results.from_json(stored).measures["asb"].wdd.variance)


def test_unknown_fields_and_wrong_kinds_are_schema_errors():
    stored = sample_results().to_json()
    with pytest.raises(SchemaError, match=r"results\.meta: unknown fields \['colour'\]"):
        Results.from_json({**stored, "meta": {**stored["meta"], "colour": "red"}})
    with pytest.raises(SchemaError, match=r"results\.meta\.treated: expected"):
        Results.from_json({**stored, "meta": {**stored["meta"], "treated": "20"}})
    with pytest.raises(StaleResults):
        Results.from_json({**stored, "schema_version": 1})
    # Version 2 had no category history and excluded flagged months per category only.
    old = {k: v for k, v in stored.items() if k not in ("categories", "releases")}
    with pytest.raises(StaleResults):
        Results.from_json({**old, "schema_version": 2})
    with pytest.raises(SchemaError, match=r"results: missing field 'categories'"):
        Results.from_json({k: v for k, v in stored.items() if k != "categories"})


def test_category_history_releases_and_whole_month_flags_round_trip():
    history = CategoryHistory(
        before_schemes=("eleven",), after_schemes=("fourteen",),
        not_comparable=("Possession of weapons",),
        measures={"chosen": CategoryChange(
            groups=(ComparedGroup("Public order and weapons", ("Public disorder and weapons",
                                  "Public order", "Possession of weapons"), False),),
            added=("Public disorder and weapons", "Public order"), dropped=(),
        )},
    )  # fmt: skip
    whole = QualityFlag(None, "All categories", "2024-03", "before", "2025-03", "force_month",
                        "every category fell", 4.0, True, ("asb", "crime"))  # fmt: skip
    note = ReleaseNote("no_crime_ids", ("2011-06", "2011-07"), "no Crime IDs")
    data = replace(sample_results(), categories=history, releases=(note,), quality=(whole,))
    stored = data.to_json()
    assert stored["quality"][0]["category"] is None
    assert stored["categories"]["measures"]["chosen"]["groups"][0]["approximate"] is False
    assert Results.from_json(stored) == data


@pytest.mark.django_db
def test_pdf_holds_the_charts_the_map_and_the_licence():
    from weasyprint.images import SVGImage

    _, plan = build_world()
    done = finished(plan=plan, comparison="control")
    typed = Results.from_json(done.results)
    html = report_html(done, typed, for_pdf=True)
    assert "<script" not in html and "leaflet" not in html  # no Leaflet in print
    assert "Regression to the mean" in html
    document = report_document(done, typed)
    boxes = [box for page in document.pages for box in page._page_box.descendants()]
    svgs = [b for b in boxes if isinstance(getattr(b, "replacement", None), SVGImage)]
    assert len(svgs) == 5  # two monthly trends, dose, per-hotspot change, map
    text = " ".join(getattr(b, "text", "") for b in boxes)
    assert "Open Government Licence" in text and done.headline[:40] in text
