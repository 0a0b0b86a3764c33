"""police.uk's category schemes and which categories can be compared across them.

police.uk changed its categories twice (see ``docs/categories.md``): six categories from
2010-12, eleven from 2011-09 and the current fourteen from 2013-05. The crosswalk
``hotspots/data/category_schemes.csv`` lists, for every scheme, each category as published,
the harmonised category it is stored under (the ``Category`` table) and the current categories
it *covers*: "Public disorder and weapons" (2011-09…2013-04) covers what is now Public order
and Possession of weapons; the early "Other crime" covers nine of today's categories.

Two periods can be compared like with like only in groups that mean the same in every scheme
either period touches: :func:`comparison_groups` joins the categories whose published
predecessors or successors overlap (a union of the ``covers`` sets) and reports the categories
that cannot be compared on their own. Pure Python; months are ``datetime.date`` (first of the
month) or ``'YYYY-MM'`` strings.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = [
    "CROSSWALK",
    "Comparability",
    "ComparisonGroup",
    "PublishedCategory",
    "Scheme",
    "comparison_groups",
    "load_schemes",
    "month_key",
    "published_name",
    "scheme_of",
]

CROSSWALK = Path(__file__).resolve().parent / "data" / "category_schemes.csv"

# Names of the groups that join several of today's categories, by the categories they cover.
GROUP_NAMES: dict[frozenset[str], str] = {
    frozenset({"Public order", "Possession of weapons"}): "Public order and weapons",
    frozenset(
        {"Other theft", "Bicycle theft", "Theft from the person"}
    ): "Theft (other, bicycle, from the person)",
    frozenset(
        {
            "Other crime", "Criminal damage and arson", "Drugs", "Other theft", "Shoplifting",
            "Public order", "Possession of weapons", "Bicycle theft", "Theft from the person",
        }
    ): "Other crime (with damage, drugs, thefts, shoplifting, public order and weapons)",
    frozenset({"Violence and sexual offences"}): "Violence",
}  # fmt: skip


class SchemeError(ValueError):
    pass


@dataclass(frozen=True)
class PublishedCategory:
    """A category as one scheme published it; `covers` are today's categories it spans."""

    scheme: str
    published: str
    harmonised: str
    covers: frozenset[str]
    approximate: bool


@dataclass(frozen=True)
class Scheme:
    """One of police.uk's category schemes and the months ('YYYY-MM', inclusive) it applied."""

    key: str
    first: str
    last: str | None
    categories: tuple[PublishedCategory, ...]

    def applies_to(self, month: str) -> bool:
        return self.first <= month and (self.last is None or month <= self.last)

    @property
    def published(self) -> tuple[str, ...]:
        return tuple(c.published for c in self.categories)

    @property
    def label(self) -> str:
        until = f"…{self.last}" if self.last else " on"
        return f"{len(self.categories)} categories ({self.first}{until})"


@dataclass(frozen=True)
class ComparisonGroup:
    """Harmonised categories that are counted together so that both periods mean the same;
    `approximate` when police.uk moved some offences in or out (see the crosswalk)."""

    name: str
    categories: tuple[str, ...]
    published: tuple[str, ...]
    approximate: bool

    @property
    def single(self) -> bool:
        return len(self.categories) == 1


@dataclass(frozen=True)
class Comparability:
    """The like-for-like groups of two sets of months, and the harmonised categories that
    cannot be compared on their own (they never get a % change)."""

    schemes: tuple[str, ...]
    first_schemes: tuple[str, ...]
    second_schemes: tuple[str, ...]
    groups: tuple[ComparisonGroup, ...]
    not_comparable: tuple[str, ...]

    @property
    def straddles(self) -> bool:
        """Whether the months span more than one scheme."""
        return len(self.schemes) > 1

    def group_of(self, category: str) -> ComparisonGroup | None:
        return next((g for g in self.groups if category in g.categories), None)

    def groups_for(self, categories: Iterable[str]) -> tuple[ComparisonGroup, ...]:
        """The groups touching any of `categories`, in crosswalk order."""
        wanted = set(categories)
        return tuple(g for g in self.groups if wanted & set(g.categories))

    @property
    def joined(self) -> tuple[ComparisonGroup, ...]:
        """Groups that are not one category published under one name."""
        return tuple(g for g in self.groups if not g.single or len(g.published) > 1)


def month_key(month: dt.date | str) -> str:
    """'YYYY-MM' of a date or a 'YYYY-MM[-DD]' string."""
    if isinstance(month, dt.date):
        return f"{month:%Y-%m}"
    text = str(month)[:7]
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit():
        raise SchemeError(f"{month!r} is not a month YYYY-MM")
    return text


@cache
def load_schemes(path: Path = CROSSWALK) -> tuple[Scheme, ...]:
    """The schemes of a crosswalk file, oldest first; errors name the line."""
    rows: dict[str, list[PublishedCategory]] = {}
    spans: dict[str, tuple[str, str | None]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            key = row["scheme"].strip()
            last = month_key(row["last_month"]) if row["last_month"].strip() else None
            span = (month_key(row["first_month"]), last)
            if spans.setdefault(key, span) != span:
                raise SchemeError(f"{path.name}, line {line}: months differ within scheme {key}")
            covers = frozenset(c.strip() for c in row["covers"].split("|") if c.strip())
            if not covers:
                raise SchemeError(f"{path.name}, line {line}: 'covers' is empty")
            rows.setdefault(key, []).append(
                PublishedCategory(
                    key,
                    row["published"].strip(),
                    row["harmonised"].strip(),
                    covers,
                    row.get("approximate", "").strip().lower() in ("yes", "true", "1"),
                )  # fmt: skip
            )
    schemes = sorted(
        (Scheme(key, *spans[key], tuple(rows[key])) for key in rows), key=lambda s: s.first
    )
    _check_coverage(path.name, schemes)
    return tuple(schemes)


def _check_coverage(name: str, schemes: list[Scheme]) -> None:
    """Every scheme must cover the same categories, each exactly once, and follow on."""
    everything = {c for s in schemes for row in s.categories for c in row.covers}
    for scheme in schemes:
        covered = [c for row in scheme.categories for c in row.covers]
        if sorted(covered) != sorted(everything):
            raise SchemeError(f"{name}: scheme {scheme.key} does not cover each category once")
    for earlier, later in zip(schemes, schemes[1:], strict=False):
        if earlier.last is None or earlier.last >= later.first:
            raise SchemeError(f"{name}: schemes {earlier.key} and {later.key} overlap")


def scheme_of(month: dt.date | str, schemes: tuple[Scheme, ...] | None = None) -> Scheme:
    """The scheme a month was published in; months before the first scheme take the first."""
    schemes = schemes or load_schemes()
    key = month_key(month)
    return next((s for s in schemes if s.applies_to(key)), schemes[0])


def published_name(harmonised: str, month: dt.date | str) -> str | None:
    """The name police.uk published a harmonised category under in that month (None when
    the scheme had no category stored under it)."""
    for row in scheme_of(month).categories:
        if row.harmonised == harmonised:
            return row.published
    return None


def comparison_groups(
    first: Iterable[dt.date | str],
    second: Iterable[dt.date | str],
    *,
    schemes: tuple[Scheme, ...] | None = None,
) -> Comparability:
    """The groups in which `first` and `second` months (e.g. an evaluation's before and after
    periods) can be compared like with like.

    Within one scheme every published category is its own group. Across schemes, today's
    categories whose published forms overlap in any scheme involved are joined (connected
    components of the ``covers`` sets), and each group counts every harmonised category
    stored under those published forms. A harmonised category in a group of several cannot be
    compared on its own.
    """
    schemes = schemes or load_schemes()
    first_keys = _keys(first, schemes)
    second_keys = _keys(second, schemes)
    involved = [s for s in schemes if s.key in {*first_keys, *second_keys}]
    rows = [row for s in involved for row in s.categories]
    components = _components([row.covers for row in rows])
    groups = []
    for covered in components:
        members = [row for row in rows if row.covers <= covered]
        groups.append(_group(covered, members, involved))
    groups.sort(key=lambda g: g.name)
    not_comparable = tuple(c for g in groups if not g.single for c in g.categories)
    return Comparability(
        tuple(s.key for s in involved), first_keys, second_keys, tuple(groups), not_comparable
    )


def _keys(months: Iterable[dt.date | str], schemes: tuple[Scheme, ...]) -> tuple[str, ...]:
    found = {scheme_of(m, schemes).key for m in months}
    return tuple(s.key for s in schemes if s.key in found)


def _components(sets: list[frozenset[str]]) -> list[frozenset[str]]:
    """Connected components of overlapping sets, in order of first appearance."""
    components: list[set[str]] = []
    for members in sets:
        touching = [c for c in components if c & members]
        merged = set(members).union(*touching)
        components = [c for c in components if not c & members]
        components.append(merged)
    first_seen = {name: i for i, name in reversed(list(enumerate(n for s in sets for n in s)))}
    return sorted((frozenset(c) for c in components), key=lambda c: min(first_seen[n] for n in c))


def _group(covered: frozenset[str], members: list[PublishedCategory], involved) -> ComparisonGroup:
    harmonised = tuple(dict.fromkeys(row.harmonised for row in members))
    published = tuple(dict.fromkeys(row.published for row in members))
    # The flagged rows held offences that moved at a later change: approximate only when
    # one side of the comparison has such a row and the other has none.
    moved = {any(r.approximate for r in s.categories if r.covers <= covered) for s in involved}
    approximate = len(moved) > 1
    if len(harmonised) == 1 and len(published) == 1:
        name = published[0]
    else:
        name = GROUP_NAMES.get(covered, " + ".join(sorted(covered)))
    return ComparisonGroup(name, harmonised, published, approximate)
