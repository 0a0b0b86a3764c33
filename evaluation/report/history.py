"""Report warnings on police.uk's history: flags summarised, category changes, releases.

The data-quality flags are summarised in a sentence (counts and month ranges per category,
whole-force months first) with every reason among the details; a comparison across a
category change says which groups it compared and which categories it could not compare on
their own; properties of a release (no Crime IDs) are notes, not warnings.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.months import month_ranges, month_runs
from evaluation.results import ComparedGroup, Results
from hotspots.quality_summary import sentence, summarise

from .format import period_label
from .headline import Warning, flagged_cells

SCHEME_NAMES = {
    "six": "six categories (2010-12…2011-08)",
    "eleven": "eleven categories (2011-09…2013-04)",
    "fourteen": "fourteen categories (from 2013-05)",
}


def quality_warnings(results: Results, effect: str) -> list[Warning]:
    """One warning for every data-quality flag of the months compared, summarised."""
    cells = flagged_cells(results)
    if not cells:
        return []
    summaries = summarise(
        (f.name if f.category else None, f.month, f.rule, "artefact") for f in results.quality
    )
    months = {c.month for c in cells}
    if len(summaries) <= 2:
        named = "; ".join(f"{s.subject} {_labels(s.months)}" for s in summaries)
        title = f"data-quality flags on {named}"
    else:
        title = (
            f"data-quality flags on {len(cells)} category-months in {len(months)} months "
            f"({_labels(months)})"
        )
    details = tuple(f"{c.reason}{_agreeing(c.checks)}." for c in cells)
    return [Warning("quality", "warning", title, f"{sentence(summaries)}. {effect}", details)]


def _labels(months: Iterable[str]) -> str:
    """'Jan–Feb 2024, Jun 2024' for the runs of consecutive months."""
    return ", ".join(period_label([a, b]) for a, b in month_runs(months))


def _agreeing(checks: int) -> str:
    return f" ({checks - 1} more check{'s' if checks > 2 else ''} agree)" if checks > 1 else ""


def category_warnings(results: Results) -> list[Warning]:
    """A comparison across police.uk's category changes: what was compared with what."""
    history = results.categories
    if history is None:
        return []
    before = " and ".join(SCHEME_NAMES.get(s, s) for s in history.before_schemes)
    after = " and ".join(SCHEME_NAMES.get(s, s) for s in history.after_schemes)
    parts = [
        f"police.uk published the before period in {before} and the after period in {after}. "
        "Each measure compares only groups that mean the same in both periods"
    ]
    level = "note"
    for key, change in history.measures.items():
        measure = results.measures.get(key)
        label = measure.label if measure else key
        groups = [_group_text(g) for g in change.groups]
        if groups:
            parts.append(f"{label}: " + "; ".join(groups))
        if change.added and key == "chosen":
            level = "warning"
            parts.append(
                "the chosen categories did not exist in both periods, so "
                f"{', '.join(change.added)} are counted with them"
            )
    if history.not_comparable:
        parts.append(
            "no % change is given for "
            + ", ".join(history.not_comparable)
            + " on their own: they exist in one scheme only"
        )
    text = ". ".join(parts) + ". Harm weights are equal within each group. See docs/categories.md."
    return [Warning("categories", level, "categories changed between the periods", text)]


def _group_text(group: ComparedGroup) -> str:
    text = f"{group.name} = {' + '.join(group.categories)}"
    if group.approximate:
        text += " (approximately: police.uk moved sexual offences from Other crime in 2013-05)"
    return text


def release_warnings(results: Results) -> list[Warning]:
    """Properties of the releases compared (e.g. no Crime IDs): notes, once each."""
    found = []
    for note in results.releases:
        if note.rule != "no_crime_ids":
            continue  # category changes have their own warning
        found.append(
            Warning(
                "release",
                "note",
                f"no Crime IDs in {month_ranges(note.months)}",
                "police.uk published no Crime IDs before 2011-12, so incidents at one map point "
                "give identical rows: many exact duplicates in these months are real incidents "
                "and a property of the release, not an artefact; they are counted.",
            )  # fmt: skip
        )
    return found
