"""Everything the report template shows, assembled from an evaluation's stored results."""

from __future__ import annotations

import math
from types import SimpleNamespace as NS

from evaluation.report.charts import dose_chart, forest_chart, trend_chart
from evaluation.report.format import (
    COMPARISON_NAMES,
    change_colour,
    hours,
    number,
    p_text,
    pct,
    percent_interval,
    period_label,
    ratio_text,
    signed,
)
from evaluation.report.headline import headline, largest_claimable_fall, warnings
from evaluation.report.maps import map_data, print_map
from evaluation.results import HotspotChange, MeasureResult, Results
from evaluation.statistics import DoseResponse, RateRatio
from hotspots.models import Hotspot

ATTRIBUTION = (
    "Incident data: contains public sector information licensed under the Open Government "
    "Licence v3.0 (data.police.uk)."
)
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def build(evaluation, results: Results) -> NS:
    """Everything the report template shows."""
    measures = results.measure_list
    geometry = {h.pk: h for h in Hotspot.objects.filter(pk__in=[h.id for h in results.hotspots])}
    primary = measures[0] if measures else None
    return NS(
        evaluation=evaluation, results=results, headline=headline(results),
        warnings=warnings(results), parameters=_parameters(evaluation, results),
        before=period_label(results.meta.before),
        after=period_label(results.meta.after),
        comparison_name=COMPARISON_NAMES[results.meta.comparison],
        overview=[_overview(m, results) for m in measures],
        uncertainty=[_uncertainty(m) for m in measures],
        displacement=[_displacement(m) for m in measures],
        harm=[_harm(m) for m in measures],
        rtm=_rtm(results),
        dose=_dose(results, measures), crossover=_crossover(results),
        table=_table(results, measures), primary=primary,
        trend_charts=[trend_chart(m, results) for m in measures],
        forest=forest_chart(primary, results) if primary else None,
        dose_chart=dose_chart(primary, results) if primary else None,
        map_data=map_data(evaluation, results, primary, geometry),
        print_map=print_map(evaluation, results, primary, geometry),
        ogl_url=OGL_URL,
    )  # fmt: skip


def _parameters(evaluation, results: Results) -> list[tuple[str, str]]:
    meta = results.meta
    subject = f"plan “{evaluation.plan.name}”" if evaluation.plan_id else "every hotspot"
    return [
        ("Force", meta.force),
        ("Hotspots", f"{meta.treated} ({subject} of run #{evaluation.run_id})"),
        ("Before", period_label(meta.before)),
        ("After", period_label(meta.after)),
        ("Comparison", COMPARISON_NAMES[meta.comparison]),
        ("Control hotspots", str(meta.controls) if meta.controls else "none"),
        ("Buffer ring", f"{meta.buffer_m} m (grid cells of {meta.cell_m:g} m)"),
        ("Data", "police.uk" if meta.source == "police_uk" else "force export"),
        ("Flagged months", "excluded" if meta.flagged_months == "exclude" else "kept, warned"),
        ("Minimum to claim", f"{meta.minimum_count:.0f} incidents (before + after)"),
    ]


def _overview(measure: MeasureResult, results: Results) -> NS:
    summary, totals = measure.summary, measure.totals
    largest = largest_claimable_fall(measure)
    return NS(
        label=measure.label, before=number(totals.treated.before),
        after=number(totals.treated.after),
        change=pct(totals.treated.percent_change),
        mean=pct(summary.mean_percent_change),
        largest=(f"{pct(largest.percent_change)} "
                 f"{results.labels().get(largest.id, '')}" if largest else "—"),
        comparison=pct(totals.comparison.percent_change),
        force=pct(totals.force.percent_change),
        did=ratio_text(measure.did.ratio_of_rate_ratios),
        claim="too few to claim" if summary.flag else "",
    )  # fmt: skip


def _rtm(results: Results) -> NS:
    """The regression-to-the-mean check, shown for every evaluation."""
    rtm = results.rtm
    check = rtm.check
    if check is None:
        return NS(available=False, selection=period_label(rtm.selection))
    return NS(
        available=True, selection=period_label(rtm.selection),
        long_run=period_label(rtm.long_run) if rtm.long_run else "—",
        months=rtm.history_months, selection_mean=f"{check.selection_mean:.1f}",
        long_run_mean=f"{check.long_run_mean:.1f}",
        expected=("—" if rtm.expected_fall is None else f"about {rtm.expected_fall:.0f}% fewer"),
        message=check.message, overlap=len(rtm.overlap_months),
    )  # fmt: skip


def _uncertainty(measure: MeasureResult) -> NS:
    """The exact ratio of the totals, the month-pooled ratio (negative binomial when months
    vary more than chance allows) and the difference-in-differences."""
    pooled, did = measure.pooled, measure.did.ratio_of_rate_ratios
    recommended = pooled.recommended if pooled else measure.exact
    dispersion = pooled.dispersion if pooled else None
    negative_binomial = recommended.method.startswith("negative")
    return NS(
        label=measure.label, exact=ratio_text(measure.exact),
        exact_p=p_text(measure.exact.p_value),
        recommended=ratio_text(recommended),
        recommended_range=percent_interval(recommended),
        method=("negative binomial: months vary more than chance allows" if negative_binomial
                else "Poisson" if pooled else "exact, on the totals"),
        dispersion=(f"{dispersion.dispersion:.1f}" if dispersion else "—"),
        did=ratio_text(did), did_range=percent_interval(did), did_p=p_text(did.p_value),
        reading=_reading(recommended, did),
    )  # fmt: skip


def _reading(recommended: RateRatio, did: RateRatio) -> str:
    """One plain sentence on what the intervals allow a commander to say."""
    if recommended.upper is None or recommended.lower is None:
        return "There are too few incidents for an interval."
    beat_trend = did.upper is not None and did.upper < 1
    if recommended.upper < 1 and beat_trend:
        return "The fall is larger than chance and than the comparison's trend would explain."
    if recommended.upper < 1:
        return ("The fall is larger than chance, but not clearly larger than the "
                "comparison's own trend.")  # fmt: skip
    if recommended.lower > 1:
        return "Incidents rose by more than chance would explain."
    if beat_trend:
        return "The hotspots did better than the comparison, but their own change could be chance."
    return "The interval includes no change: this could be chance."


def _displacement(measure: MeasureResult) -> NS:
    wdd, wdq, buffers = measure.wdd, measure.wdq, measure.totals.buffers
    return NS(
        label=measure.label, buffer_before=number(buffers.before),
        buffer_after=number(buffers.after), buffer_change=pct(buffers.percent_change),
        wdq="—" if wdq.wdq is None else signed(wdq.wdq, 2),
        wdq_reading=wdq.interpretation or wdq.reason,
        wdd=signed(wdd.wdd, 1), wdd_range=f"{signed(wdd.lower, 1)} to "
        f"{signed(wdd.upper, 1)}", wdd_p=p_text(wdd.p_value),
        reading=_wdd_reading(measure), scaled=measure.wdd_scaled,
    )  # fmt: skip


def _wdd_reading(measure: MeasureResult) -> str:
    """The WDD in words: incidents prevented (or added), hotspots and buffers together."""
    wdd = measure.wdd
    if round(wdd.wdd) == 0:
        return "about as many incidents as the comparison's trend implies."
    side = "fewer" if wdd.wdd < 0 else "more"
    text = (
        f"about {number(abs(wdd.wdd))} {side} incidents in the hotspots and buffers than "
        f"the comparison's trend implies ({signed(wdd.local)} in the hotspots, "
        f"{signed(wdd.displacement)} in the buffers)"
    )
    clear = wdd.upper < 0 or wdd.lower > 0
    return text + ("." if clear else "; the interval includes none, so this could be chance.")


def _harm(measure: MeasureResult) -> NS:
    harm = measure.harm
    summary, wdd = harm.summary, harm.wdd
    return NS(
        label=measure.label, before=number(summary.total_before),
        after=number(summary.total_after), change=pct(summary.aggregate_percent_change),
        comparison=pct(harm.comparison.percent_change), wdd=signed(wdd.wdd),
        wdd_range=f"{signed(wdd.lower)} to {signed(wdd.upper)}",
        claim="too few to claim" if summary.flag else "",
    )  # fmt: skip


def _dose(results: Results, measures: list[MeasureResult]) -> NS:
    dose, activity = results.dose, results.activity
    basis = {"delivered": "hours delivered (inside the hotspots by GPS, else logged)",
             "planned": "planned hours (none delivered yet)",
             "none": "no assignments"}[dose.basis]  # fmt: skip
    responses = [NS(label=m.label, **_response(m.dose_response)) for m in measures]
    rows = [("Visits logged", number(activity.visits_logged))] + [
        (name.replace("_", " ").capitalize(), number(getattr(activity, name)))
        for name in ("arrests", "stop_searches", "dispersals", "people_engaged")
    ]
    return NS(
        planned=hours(dose.planned_hours), delivered=hours(dose.delivered_hours),
        assignments=number(dose.assignments), done=number(dose.done),
        missed=number(dose.missed), verified=hours(dose.verified_hours), basis=basis,
        responses=responses,
        activity=rows, activity_note=activity.note,
    )  # fmt: skip


def _response(result: DoseResponse | None) -> dict:
    if not result:
        return {"slope": "—", "range": "", "rho": "—", "note": "no patrol dose recorded"}
    if result.slope is None or result.lower is None or result.upper is None:
        return {"slope": "—", "range": "", "rho": "—", "note": result.note}
    per_hour = 100 * math.expm1(result.slope)
    rng = f"{pct(100 * math.expm1(result.lower))} to {pct(100 * math.expm1(result.upper))}"
    rho = "—" if result.spearman_rho is None else f"{result.spearman_rho:.2f}"
    return {"slope": f"{per_hour:+.2f}% per hour", "range": rng, "rho": rho, "note": ""}


def _crossover(results: Results) -> NS:
    crossover = results.crossover
    if not crossover.available:
        return NS(available=False, reason=crossover.reason, rows=[])
    rows = []
    for key, found in crossover.measures.items():
        label = results.measures[key].label
        if found.result is None:
            rows.append(NS(label=label, ratio="—", range="", note=found.reason))
            continue
        mh = found.result.mantel_haenszel
        rows.append(NS(label=label, ratio=ratio_text(mh), range=percent_interval(mh),
                       note=f"{found.hotspots} hotspots"))  # fmt: skip
    return NS(available=True, reason="", rows=rows, incidents=number(crossover.incidents))


def _table(results: Results, measures: list[MeasureResult]) -> list[NS]:
    """One row per treated hotspot, the measures side by side."""
    by_measure = [{h.id: h for h in m.hotspots} for m in measures]
    dose = results.dose.hotspots
    rows = []
    for hotspot in results.hotspots:
        if hotspot.role != "treated":
            continue
        cells = [_cell(found[hotspot.id]) for found in by_measure]
        first = by_measure[0][hotspot.id] if by_measure else None
        patrol = dose.get(str(hotspot.id))
        rows.append(NS(
            rank=hotspot.rank, label=hotspot.label, cells=cells,
            buffer=pct(first.buffer.percent_change) if first else "—",
            wdq="—" if not first or first.wdq is None else signed(first.wdq, 2),
            planned=hours(patrol.planned_hours if patrol else 0.0),
            delivered=hours(patrol.delivered_hours if patrol else 0.0),
            colour=change_colour(first) if first else "#999",
        ))  # fmt: skip
    return rows


def _cell(row: HotspotChange) -> NS:
    return NS(before=number(row.before), after=number(row.after),
              change=pct(row.percent_change), range=percent_interval(row.rate_ratio),
              few=not row.claimable)  # fmt: skip
