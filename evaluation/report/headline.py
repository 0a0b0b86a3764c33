"""The headline sentence in the commanders' own form, and the warnings it must be read with."""

from __future__ import annotations

from dataclasses import dataclass

from evaluation.report.format import (
    PLACES,
    change_noun,
    change_words,
    hours,
    labels_of,
    month_label,
    name_of,
    number,
    pct,
    period_label,
)
from hotspots.quality_summary import month_ranges


@dataclass(frozen=True)
class Warning:
    """A safeguard the commander must read: `level` "warning" (named in the headline) or
    "note"."""

    kind: str
    level: str
    title: str
    text: str
    details: tuple[str, ...] = ()  # shown on demand (e.g. every flag's reason)


def headline(evaluation) -> str:
    """The opening sentence in the commanders' own form, computed from the data and the patrol
    records, followed by the warnings it must be read with."""
    results = evaluation.results
    measures = list(results["measures"].values())
    if not measures:
        return "No incidents of the chosen measures could be counted."
    parts = [_lead(measures[0], results)]
    parts += [_versus(m, results) for m in measures[1:]]
    sentence = "; ".join(parts) + ", " + _dose_phrase(results) + "."
    return sentence[0].upper() + sentence[1:] + _caveat(warnings(evaluation))


def _period_phrase(results: dict) -> str:
    meta = results["meta"]
    if meta["year_on_year"]:
        return "on the same months last year"
    return f"on {period_label(meta['before'])}"


def _lead(measure: dict, results: dict) -> str:
    summary, n = measure["summary"], results["meta"]["treated"]
    places = f"the {n} hotspot area{'s' if n != 1 else ''}"
    if summary["mean_percent_change"] is None:
        return f"{name_of(measure)} in {places} had no incidents before to compare with"
    text = (
        f"{name_of(measure)} in {places} {change_words(summary['mean_percent_change'])} on "
        f"average {_period_phrase(results)} ({change_words(summary['aggregate_percent_change'])}"
        " in total)"
    )
    largest = summary["largest_reduction"]
    if largest:
        label = labels_of(results).get(int(largest["area_id"]), "")
        text += f", the largest fall {pct(largest['percent_change'], False)} ({label})"
    return text + (", too few incidents to claim a change" if summary["flag"] else "")


def _versus(measure: dict, results: dict) -> str:
    totals = measure["totals"]
    place = PLACES[results["meta"]["comparison"]]
    text = (
        f"{name_of(measure)} {change_words(totals['treated']['percent_change'])} against "
        f"{change_noun(totals['comparison']['percent_change'])} {place}"
    )
    return text + (" (too few to claim)" if measure["summary"]["flag"] else "")


def _dose_phrase(results: dict) -> str:
    dose, activity = results["dose"], results["activity"]
    if dose["basis"] == "delivered":
        text = f"from {hours(dose['delivered_hours'])} patrol hours"
    elif dose["basis"] == "planned":
        text = f"from {hours(dose['planned_hours'])} planned patrol hours (none yet marked done)"
    else:
        text = "with no patrol assignments recorded at these hotspots"
    if activity.get("visits_logged"):
        return (
            f"{text}, {number(activity['arrests'])} arrests and "
            f"{number(activity['people_engaged'])} people spoken to"
        )
    return f"{text} (arrests and people spoken to: {activity['note']})"


def _caveat(found: list[Warning]) -> str:
    serious = [w.title for w in found if w.level == "warning"]
    if not serious:
        return ""
    plural = "s" if len(serious) > 1 else ""
    return f" Read it with the warning{plural} below: {'; '.join(serious)}."


def warnings(evaluation) -> list[Warning]:
    from evaluation.report import history  # it builds on this module's Warning

    results = evaluation.results
    found = history.quality_warnings(results, _quality_effect(results))
    found += history.category_warnings(results) + _rtm_warnings(results)
    for measure in results["measures"].values():
        found += _measure_warnings(measure, results)
    return found + history.release_warnings(results)


def flagged_cells(results: dict) -> list[dict]:
    """One entry per flagged (category, month), with its strongest reason: several checks
    often agree on one month."""
    cells: dict[tuple[str, str], dict] = {}
    for flag in sorted(results["quality"], key=lambda f: -(f.get("score") or 0)):
        cell = cells.setdefault((flag["name"], flag["month"]), {**flag, "checks": 0})
        cell["checks"] += 1
    return sorted(cells.values(), key=lambda c: (c["month"], c["name"]))


def _quality_effect(results: dict) -> str:
    if results["meta"]["flagged_months"] == "exclude":
        pairs = sorted({(f["month"], f["paired_month"]) for f in results["quality"]})
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
    for measure in results["measures"].values():
        other = measure.get("sensitivity")
        if other and other["percent_change"] is not None:
            shown = measure["totals"]["treated"]["percent_change"]
            effects.append(
                f"without them {name_of(measure)} in the hotspots would be "
                f"{change_words(other['percent_change'])} rather than {change_words(shown)}"
            )
    kept = "They are kept in the figures"
    return f"{kept}: {'; '.join(effects)}." if effects else f"{kept}."


def _rtm_warnings(results: dict) -> list[Warning]:
    rtm = results["rtm"]
    if not rtm["overlap_months"]:
        return []
    text = (
        f"The hotspots were picked on {period_label(rtm['selection'])}, which overlaps the "
        f"before period ({len(rtm['overlap_months'])} months). Places picked at a peak fall "
        "back towards their usual level with no patrols at all (regression to the mean), so "
        "part of any fall would have happened anyway. "
    )
    check = rtm["check"]
    if check and check["expected_fall_back"] is not None:
        text += (
            f"In {rtm['history_months']} other months they averaged "
            f"{check['long_run_mean']:.1f} incidents a month against "
            f"{check['selection_mean']:.1f} when picked: "
            f"{_fall_back(check['expected_fall_back'])}. "
        )
    else:
        text += "There are no other months of data to size the effect. "
    text += "Control hotspots picked the same way, or a run on earlier months, avoid it."
    return [Warning("rtm", "warning", "hotspots picked on the before period", text)]


def _fall_back(fall_back: float | None) -> str:
    """The share by which places picked at a peak are expected to fall with no patrols."""
    if fall_back is None or fall_back <= 0:
        return "no fall-back is expected from the selection alone"
    return f"expect about {round(100 * fall_back)}% fewer anyway"


def _measure_warnings(measure: dict, results: dict) -> list[Warning]:
    found, name, summary = [], name_of(measure), measure["summary"]
    check = measure["research_range"]
    if check and check["for_scrutiny"]:
        found.append(Warning("scrutiny", "warning", f"{name} fall beyond the research range",
            f"{name} in the hotspots is {change_words(check['percent_change'])}: "
            f"{check['message']}. Reviews of hot-spot policing find falls of about 8–16%; a "
            "bigger one is more often regression to the mean, a recording change or small "
            "numbers than a bigger effect, so it is for scrutiny before celebration."))  # fmt: skip
    if summary["flag"]:
        total = measure["totals"]["treated"]
        found.append(Warning("too_few", "warning", f"too few {name} incidents to claim",
            f"{number(total['before'] + total['after'])} {name} incidents in the hotspots in "
            f"both periods together, under the minimum of {summary['minimum_count']:.0f}: the "
            "change is shown but not claimed."))  # fmt: skip
    small = sum(1 for h in measure["hotspots"] if h["flag"])
    if small:
        found.append(Warning("small", "note", f"{small} hotspots with few {name} incidents",
            f"{small} of {len(measure['hotspots'])} hotspots have fewer than "
            f"{summary['minimum_count']:.0f} {name} incidents in the two periods together: "
            "their changes are shown in grey and not claimed, and none of them can be the "
            "'largest fall'."))  # fmt: skip
    return found
