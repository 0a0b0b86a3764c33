"""Data-quality flags summarised for a sentence: counts and month ranges, details apart.

A sentence that lists every flagged month ("ASB 2022-01, ASB 2022-06, ...") cannot be read
once a force has dozens; pages and reports show :func:`summarise` and keep the full list one
click away. Pure Python: flags are (category name or None, 'YYYY-MM', rule, kind).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.months import month_ranges

WHOLE_FORCE = "All categories"
RULE_NAMES = {
    "copied_records": "published more than once",
    "duplicate_excess": "excess exact duplicates",
    "duplicate_deficit": "too few exact duplicates (a sample)",
    "collapse": "collapsed",
    "truncated": "cut short",
    "multiplied": "multiplied",
    "round_cap": "capped at a round number",
    "force_month": "whole force moved together",
    "no_crime_ids": "no Crime IDs (release property)",
    "scheme_change": "police.uk category change",
}


@dataclass(frozen=True)
class FlagSummary:
    """The flags of one category (or of whole force-months) and one kind."""

    subject: str
    kind: str
    months: tuple[str, ...]
    rules: tuple[str, ...]

    @property
    def ranges(self) -> str:
        return month_ranges(self.months)

    @property
    def rule_text(self) -> str:
        return ", ".join(RULE_NAMES.get(r, r.replace("_", " ")) for r in self.rules)

    @property
    def text(self) -> str:
        n = len(self.months)
        return f"{self.subject}: {n} month{'s' if n != 1 else ''} ({self.ranges}; {self.rule_text})"


def summarise(flags: Iterable[tuple[str | None, str, str, str]]) -> list[FlagSummary]:
    """One summary per (subject, kind): artefacts first, whole-force months before
    categories, then by number of months."""
    grouped: dict[tuple[str, str], tuple[set[str], list[str]]] = {}
    for category, month, rule, kind in flags:
        months, rules = grouped.setdefault((category or WHOLE_FORCE, kind), (set(), []))
        months.add(month)
        if rule not in rules:
            rules.append(rule)
    found = [
        FlagSummary(subject, kind, tuple(sorted(months)), tuple(rules))
        for (subject, kind), (months, rules) in grouped.items()
    ]
    return sorted(
        found,
        key=lambda s: (s.kind != "artefact", s.subject != WHOLE_FORCE, -len(s.months), s.subject),
    )


def sentence(summaries: list[FlagSummary], limit: int = 3) -> str:
    """The first few summaries in one sentence, with how many more there are."""
    shown = "; ".join(s.text for s in summaries[:limit])
    more = len(summaries) - limit
    return shown + (f"; and {more} more categor{'ies' if more > 1 else 'y'}" if more > 0 else "")
