"""The report: the headline in the commanders' form, warnings, charts, and what the PDF holds."""

import copy
from types import SimpleNamespace

import pytest

from evaluation import report
from evaluation.report.charts import forest_chart, nice_ticks, trend_chart
from evaluation.services.exports import report_document, report_html
from tests.evaluation.test_api import build_world, finished


def results(**changes) -> dict:
    """Results as the service stores them, trimmed to what the headline and warnings read:
    20 hotspots, ASB down 25% on average (18% in total), the largest fall 45%; all crime
    down 12% against 2% force-wide; 9,000 patrol hours; 111 arrests; 30,000 people."""
    base = {
        "meta": {"treated": 20, "comparison": "force", "year_on_year": True,
                 "before": ["2024-01", "2024-12"], "after": ["2025-01", "2025-12"],
                 "flagged_months": "warn"},
        "hotspots": [{"id": 7, "rank": 1, "label": "Market Place", "role": "treated"}],
        "measures": {
            "asb": _measure("asb", "Anti-social behaviour", mean=-25, total=-18, largest=-45),
            "crime": _measure("crime", "All crime", mean=-10, total=-12, comparison=-2),
        },
        "quality": [],
        "rtm": {"overlap_months": [], "selection": ["2023-01", "2023-12"], "check": None,
                "history_months": 0},
        "dose": {"basis": "delivered", "delivered_hours": 9000.0, "planned_hours": 9500.0},
        "activity": {"visits_logged": 4000, "arrests": 111, "stop_searches": 40,
                     "dispersals": 12, "people_engaged": 30000, "note": ""},
    }  # fmt: skip
    for path, value in changes.items():
        target = base
        *parents, last = path.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return base


def _measure(key, label, *, mean, total, largest=None, comparison=-4.0, flag=None) -> dict:
    return {
        "key": key, "label": label,
        "summary": {"mean_percent_change": mean, "aggregate_percent_change": total,
                    "largest_reduction": {"area_id": "7", "percent_change": largest}
                    if largest else None, "flag": flag, "minimum_count": 20.0},
        "totals": {"treated": {"before": 1000.0, "after": 1000.0 * (1 + total / 100),
                               "percent_change": total},
                   "comparison": {"percent_change": comparison}},
        "research_range": {"percent_change": total, "for_scrutiny": total < -16,
                           "message": f"a {-total}% fall exceeds the ~16% research range"},
        "hotspots": [{"id": 7, "flag": None}],
        "sensitivity": None,
    }  # fmt: skip


def evaluation(data: dict) -> SimpleNamespace:
    return SimpleNamespace(results=data)


def test_headline_in_the_commanders_form():
    text = report.headline(evaluation(results()))
    assert text.startswith(
        "ASB in the 20 hotspot areas down 25% on average on the same months last year "
        "(down 18% in total), the largest fall 45% (Market Place); all crime down 12% against "
        "a 2% fall force-wide, from 9,000 patrol hours, 111 arrests and 30,000 people spoken to."
    )
    # A fall beyond the 8–16% research range is named as a warning, not celebrated.
    assert text.endswith("Read it with the warning below: ASB fall beyond the research range.")


def test_headline_today_without_visit_logs_and_with_rises():
    data = results(
        dose={"basis": "planned", "delivered_hours": 0.0, "planned_hours": 320.0},
        activity={"visits_logged": 0, "arrests": None, "people_engaged": None,
                  "note": "no visits logged"},
    )  # fmt: skip
    data["measures"]["crime"]["totals"]["treated"]["percent_change"] = 3.4
    data["measures"]["crime"]["totals"]["comparison"]["percent_change"] = 0.2
    data["meta"]["comparison"] = "rest"
    text = report.headline(evaluation(data))
    assert "all crime up 3% against no change in the rest of the force" in text
    assert "from 320 planned patrol hours (none yet marked done)" in text
    assert "(arrests and people spoken to: no visits logged)" in text


def test_too_few_incidents_are_shown_but_not_claimed():
    data = results()
    data["measures"]["asb"] = _measure("asb", "Anti-social behaviour", mean=-60, total=-50,
                                       flag="too few to claim")  # fmt: skip
    data["measures"]["asb"]["hotspots"] = [{"id": 7, "flag": "too few to claim"}]
    found = {w.kind: w for w in report.warnings(evaluation(data))}
    assert "too few incidents to claim a change" in report.headline(evaluation(data))
    assert found["too_few"].level == "warning"
    assert found["small"].level == "note" and "not claimed" in found["small"].text


def test_quality_and_regression_to_the_mean_warnings():
    flag = {"category": "anti-social-behaviour", "name": "Anti-social behaviour",
            "month": "2024-02", "paired_month": "2025-02", "period": "before",
            "reason": "ASB 2024-02: published twice", "score": 9, "excluded": False,
            "measures": ["asb"]}  # fmt: skip
    data = results(quality=[flag, {**flag, "reason": "50% duplicates", "score": 3}])
    data["measures"]["asb"]["sensitivity"] = {"percent_change": -6.0}
    data["rtm"] = {"overlap_months": ["2024-01"], "selection": ["2024-01", "2024-12"],
                   "history_months": 12, "check": {"selection_mean": 20.0,
                   "long_run_mean": 15.0, "expected_fall_back": 0.25}}  # fmt: skip
    found = {w.kind: w for w in report.warnings(evaluation(data))}
    quality = found["quality"]
    assert quality.title == "data-quality flags on Anti-social behaviour Feb 2024"
    assert quality.text.startswith("Anti-social behaviour: 1 month (2024-02; ")
    assert quality.details == ("ASB 2024-02: published twice (1 more check agree).",)
    assert "without them ASB in the hotspots would be down 6% rather than down 18%" in (
        quality.text
    )
    assert "expect about 25% fewer anyway" in found["rtm"].text


def test_nice_ticks():
    assert nice_ticks(78, 112) == [80, 90, 100, 110]
    assert nice_ticks(0, 1.05) == [0, 0.5, 1.0]
    assert nice_ticks(-3, 47) == [0, 20, 40]


def test_trend_chart_marks_flagged_months_and_splits_periods():
    data = results()
    monthly = {"months": ["2024-01", "2024-02", "2025-01", "2025-02"],
               "treated": [100, 300, 75, 75], "force": [1000, 1000, 950, 950],
               "comparison": [900, 900, 880, 880], "flagged": ["2024-02"]}  # fmt: skip
    measure = {**data["measures"]["asb"], "monthly": monthly}
    chart = trend_chart(measure, data)
    hotspots = chart.lines[0]
    assert [p.title.split(": ")[1] for p in hotspots.points] == ["50", "150", "38", "38"]
    assert len(chart.lines) == 2  # the comparison is the force itself here
    assert [m.label for m in chart.flagged] == ["Feb 2024"]
    assert hotspots.points[1].x < chart.divider < hotspots.points[2].x
    assert [label.text for label in chart.labels] == ["Jan–Feb 2024", "Jan–Feb 2025"]


def test_forest_chart_draws_the_busiest_hotspots_and_clamps_unbounded_intervals():
    data = results()
    rows = [{"id": i, "before": i, "after": 0 if i == 1 else i, "percent_change": 0.0,
             "flag": None, "rate_ratio": {"ratio": 0.0 if i == 1 else 1.0, "lower": 0.0,
                                           "upper": None}} for i in range(1, 60)]  # fmt: skip
    data["hotspots"] = [{"id": i, "rank": i, "label": f"H{i}"} for i in range(1, 60)]
    measure = copy.deepcopy(data["measures"]["asb"])
    measure.update(hotspots=rows, pooled={"recommended": {"ratio": 0.8}})
    chart = forest_chart(measure, data)
    assert (chart.shown, chart.total) == (40, 59)
    assert chart.items[0].label.startswith("#59")
    assert all(chart.left <= item.lo <= item.hi <= chart.right for item in chart.items)


@pytest.mark.django_db
def test_pdf_holds_the_charts_the_map_and_the_licence():
    from weasyprint.images import SVGImage

    _, plan = build_world()
    done = finished(plan=plan, comparison="control")
    html = report_html(done, for_pdf=True)
    assert "<script" not in html and "leaflet" not in html  # no Leaflet in print
    document = report_document(done)
    boxes = [box for page in document.pages for box in page._page_box.descendants()]
    svgs = [b for b in boxes if isinstance(getattr(b, "replacement", None), SVGImage)]
    assert len(svgs) == 5  # two monthly trends, dose, per-hotspot change, map
    text = " ".join(getattr(b, "text", "") for b in boxes)
    assert "Open Government Licence" in text and done.headline[:40] in text
