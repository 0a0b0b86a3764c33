"""The headline sentence in the commanders' own form, and the warnings it must be read with."""

from __future__ import annotations

from dataclasses import dataclass

from core.months import month_ranges
from evaluation.report.format import (
    PLACES,
    change_noun,
    change_words,
    hours,
    month_label,
    name_of,
    number,
    pct,
    period_label,
)
from evaluation.results import HotspotChange, MeasureResult, Results


@dataclass(frozen=True)
class Warning:
    """A safeguard the commander must read: `level` "warning" (named in the headline) or
    "note"."""

    kind: str
    level: str
    title: str
    text: str
    details: tuple[str, ...] = ()  # shown on demand (e.g. every flag's reason)


def headline(results: Results) -> str:
    """The opening sentence in the commanders' own form, computed from the data and the patrol
    records, followed by the warnings it must be read with."""
    measures = results.measure_list
    if not measures:
        return "No incidents of the chosen measures could be counted."
    parts = [_lead(measures[0], results)]
    parts += [_versus(m, results) for m in measures[1:]]
    sentence = "; ".join(parts) + ", " + _dose_phrase(results) + "."
    return sentence[0].upper() + sentence[1:] + _caveat(warnings(results))


def _period_phrase(results: Results) -> str:
    meta = results.meta
    if meta.year_on_year:
        return "on the same months last year"
    return f"on {period_label(meta.before)}"


def largest_claimable_fall(measure: MeasureResult) -> HotspotChange | None:
    """The hotspot with the biggest % fall among those with at least the minimum count
    before + after (the one rule, statistics.before_after's flag): a fall from 28 to 2 under
    a minimum of 40 is not a result and never leads."""
    claimable = [
        h for h in measure.hotspots
        if h.claimable and h.percent_change is not None and h.percent_change < 0
    ]  # fmt: skip
    return min(claimable, key=lambda h: h.percent_change or 0.0, default=None)


def _lead(measure: MeasureResult, results: Results) -> str:
    summary, n = measure.summary, results.meta.treated
    places = f"the {n} hotspot area{'s' if n != 1 else ''}"
    if summary.mean_percent_change is None:
        return f"{name_of(measure)} in {places} had no incidents before to compare with"
    text = (
        f"{name_of(measure)} in {places} {change_words(summary.mean_percent_change)} on "
        f"average {_period_phrase(results)} ({change_words(summary.aggregate_percent_change)}"
        " in total)"
    )
    largest = largest_claimable_fall(measure)
    if largest:
        label = results.labels().get(largest.id, "")
        text += f", the largest fall {pct(largest.percent_change, False)} ({label})"
    return text + (", too few incidents to claim a change" if summary.flag else "")


def _versus(measure: MeasureResult, results: Results) -> str:
    totals = measure.totals
    place = PLACES[results.meta.comparison]
    text = (
        f"{name_of(measure)} {change_words(totals.treated.percent_change)} against "
        f"{change_noun(totals.comparison.percent_change)} {place}"
    )
    return text + (" (too few to claim)" if measure.summary.flag else "")


def _dose_phrase(results: Results) -> str:
    dose, activity = results.dose, results.activity
    if dose.basis == "delivered":
        text = f"from {hours(dose.delivered_hours)} patrol hours"
    elif dose.basis == "planned":
        text = f"from {hours(dose.planned_hours)} planned patrol hours (none yet delivered)"
    else:
        text = "with no patrol assignments recorded at these hotspots"
    if activity.visits_logged:
        return (
            f"{text}, {number(activity.arrests)} arrests and "
            f"{number(activity.people_engaged)} people spoken to"
        )
    return f"{text} (arrests and people spoken to: {activity.note})"


def _caveat(found: list[Warning]) -> str:
    serious = [w.title for w in found if w.level == "warning"]
    if not serious:
        return ""
    plural = "s" if len(serious) > 1 else ""
    return f" Read it with the warning{plural} below: {'; '.join(serious)}."


def warnings(results: Results) -> list[Warning]:
    from evaluation.report import history  # it builds on this module's Warning

    found = history.quality_warnings(results, _quality_effect(results))
    found += history.category_warnings(results) + _rtm_warnings(results)
    for measure in results.measure_list:
        found += _measure_warnings(measure, results)
    return found + history.release_warnings(results)


@dataclass(frozen=True)
class FlaggedCell:
    """One flagged (category, month) with its strongest reason and how many checks agree."""

    name: str
    month: str
    reason: str
    checks: int


def flagged_cells(results: Results) -> list[FlaggedCell]:
    """One entry per flagged (category, month), with its strongest reason: several checks
    often agree on one month."""
    cells: dict[tuple[str, str], FlaggedCell] = {}
    for flag in sorted(results.quality, key=lambda f: -(f.score or 0)):
        key = (flag.name, flag.month)
        found = cells.get(key)
        checks = 1 if found is None else found.checks + 1
        reason = flag.reason if found is None else found.reason
        cells[key] = FlaggedCell(flag.name, flag.month, reason, checks)
    return sorted(cells.values(), key=lambda c: (c.month, c.name))


def _quality_effect(results: Results) -> str:
    if results.meta.flagged_months == "exclude":
        pairs = sorted({(f.month, f.paired_month) for f in results.quality})
        if len(pairs) <= 3:
            listed = ", ".join(f"{month_label(a)} with {month_label(b)}" for a, b in pairs)
        else:
            before = [min(p) for p in pairs]
            listed = f"{len(pairs)} pairs: {month_ranges(before)} with their partners"
        return (
            f"These months are excluded from both periods, each with its partner month "
            f"({listed}), for every category and area, so that whole months are compared."
        )
    effects = []
    for measure in results.measure_list:
        other = measure.sensitivity
        if other and other.percent_change is not None:
            shown = measure.totals.treated.percent_change
            effects.append(
                f"without them {name_of(measure)} in the hotspots would be "
                f"{change_words(other.percent_change)} rather than {change_words(shown)}"
            )
    kept = "They are kept in the figures"
    return f"{kept}: {'; '.join(effects)}." if effects else f"{kept}."


OVERLAP_TITLE = "hotspots picked on the before period"


def _rtm_warnings(results: Results) -> list[Warning]:
    """Regression to the mean, for every evaluation: the selection period against the same
    hotspots' long-run level, the expected fall whenever the selection was above it, and
    the overlap with the before period, where such a fall reads as a patrol effect (always
    a warning, as it was before the level could be sized)."""
    rtm = results.rtm
    check, overlap = rtm.check, rtm.overlap_months
    picked = f"The hotspots were picked on {period_label(rtm.selection)}"
    if overlap:
        picked += f", which overlaps the before period ({len(overlap)} months)"
    if check is None or check.expected_fall_back is None:
        if not overlap:
            return []
        text = (
            f"{picked}. Places picked at a peak fall back towards their usual level with no "
            "patrols at all (regression to the mean). There are no other months of data to "
            f"size the effect. {_AVOID}"
        )
        return [Warning("rtm", "warning", OVERLAP_TITLE, text)]
    text = f"{picked}. {_rtm_level(results)}"
    fall = rtm.expected_fall
    if fall is None:
        below = 100 * (1 - check.selection_mean / check.long_run_mean)
        text += (
            f": the selection period was {below:.0f}% below their long-run level, so no fall "
            "is expected from the selection alone (a return to the usual level would be a "
            "rise)."
        )
        title = OVERLAP_TITLE if overlap else "selection period below the long-run level"
    else:
        text += (
            ": places picked above their usual level fall back towards it with no patrols at "
            f"all (regression to the mean), so expect about {fall:.0f}% fewer anyway; set the "
            "change against that, not against no change."
        )
        title = (
            OVERLAP_TITLE if overlap
            else f"regression to the mean: about {fall:.0f}% fewer expected anyway"
        )  # fmt: skip
    text += _season_caveat(results) + (f" {_AVOID}" if overlap else "")
    serious = bool(overlap) or check.warning
    return [Warning("rtm", "warning" if serious else "note", title, text)]


_AVOID = "Control hotspots picked the same way, or a run on earlier months, avoid it."


def _rtm_level(results: Results) -> str:
    rtm, check = results.rtm, results.rtm.check
    assert check is not None
    return (
        f"In the {rtm.history_months} other months held before the after period they averaged "
        f"{check.long_run_mean:.1f} incidents a month against {check.selection_mean:.1f} when "
        "picked"
    )


def _season_caveat(results: Results) -> str:
    """A selection shorter than a year is compared with months of every season."""
    first, last = results.rtm.selection
    months = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7]) + 1
    if months >= 12:
        return ""
    return (
        f" The selection covers {months} months and the long run every season, so part of "
        "the difference may be seasonal."
    )


def _measure_warnings(measure: MeasureResult, results: Results) -> list[Warning]:
    found, name, summary = [], name_of(measure), measure.summary
    check = measure.research_range
    if check and check.for_scrutiny:
        found.append(Warning("scrutiny", "warning", f"{name} fall beyond the research range",
            f"{name} in the hotspots is {change_words(check.percent_change)}: "
            f"{check.message}. Reviews of hot-spot policing find falls of about 8–16%; a "
            "bigger one is more often regression to the mean, a recording change or small "
            "numbers than a bigger effect, so it is for scrutiny before celebration."))  # fmt: skip
    if summary.flag:
        total = measure.totals.treated
        found.append(Warning("too_few", "warning", f"too few {name} incidents to claim",
            f"{number(total.before + total.after)} {name} incidents in the hotspots in "
            f"both periods together, under the minimum of {summary.minimum_count:.0f}: the "
            "change is shown but not claimed."))  # fmt: skip
    small = sum(1 for h in measure.hotspots if not h.claimable)
    if small:
        found.append(Warning("small", "note", f"{small} hotspots with few {name} incidents",
            f"{small} of {len(measure.hotspots)} hotspots have fewer than "
            f"{summary.minimum_count:.0f} {name} incidents in the two periods together: "
            "their changes are shown in grey and not claimed, and none of them can be the "
            "'largest fall'."))  # fmt: skip
    return found
