"""Like-for-like comparisons across police.uk's category changes and flagged months.

police.uk published six categories until 2011-08, eleven until 2013-04 and fourteen since
(hotspots/schemes.py, docs/categories.md). When an evaluation's periods straddle a change, a
measure counts whole comparison groups, so that both periods mean the same: a chosen
"Possession of weapons" is compared as "Public order and weapons", and a category no period
published is left out; harm weights are made equal within a group. With flagged months
excluded, each flagged month leaves both periods with its partner month, for every category
and every area (hotspots and comparison alike), so that no period is compared with a part of
a month. A comparison that cannot be made like for like is refused with the reason.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from core.jobs import JobError
from evaluation import selectors
from evaluation.results import (
    CategoryChange,
    CategoryHistory,
    ComparedGroup,
    QualityFlag,
    ReleaseNote,
)
from hotspots.models import ImportBatch
from hotspots.schemes import Comparability, comparison_groups


def keep_mask(shape: tuple[int, int], cells: list[tuple[int, int]]) -> np.ndarray:
    """(categories, month pairs): False for every category of a pair with a flagged month
    (a category of -1 is a flag on the force's whole month)."""
    keep = np.ones(shape, dtype=bool)
    for _, pair in cells:
        keep[:, pair] = False
    return keep


def check_something_left(setup, keep: np.ndarray, flags: list[QualityFlag]) -> None:
    """Refuse an exclusion that leaves no month pair to compare."""
    if keep.any():
        return
    months = ", ".join(sorted({f.month for f in flags}))
    raise JobError(
        "Nothing is left to compare: every month pair of the before and after periods has a "
        f"month flagged by the data-quality check ({months}), and flagged months are "
        "excluded with their partner month. Keep them with a warning, or choose other periods."
    )


def kept_months(setup, keep: np.ndarray) -> tuple[list[dt.date], list[dt.date]]:
    """The before and after months left once flagged pairs are excluded."""
    pairs = [i for i in range(len(setup.before)) if keep[:, i].any()]
    return [setup.months[setup.before[i]] for i in pairs], [
        setup.months[setup.after[i]] for i in pairs
    ]


def comparability(setup, keep: np.ndarray) -> Comparability | None:
    """The comparison groups of the months compared (police.uk data only)."""
    if setup.evaluation.source != ImportBatch.Source.POLICE_UK:
        return None
    return comparison_groups(*kept_months(setup, keep))


def harmonise_measures(
    setup, keep: np.ndarray, chosen: dict[str, tuple[str, list[int]]]
) -> tuple[dict[str, tuple[str, list[int]]], CategoryHistory | None]:
    """Each measure's label and category positions, compared like with like; and what was
    changed, for the report (None when the periods share one scheme). A measure none of
    whose categories either period published is refused."""
    groups = comparability(setup, keep)
    if groups is None:
        return chosen, None
    names = [c.name for c in setup.categories]
    harmonised: dict[str, tuple[str, list[int]]] = {}
    changes: dict[str, CategoryChange] = {}
    for key, (label, cats) in chosen.items():
        wanted = [names[i] for i in cats]
        touched = groups.groups_for(wanted)
        if not touched:
            raise JobError(
                f"{label} cannot be compared like for like: police.uk published none of it in "
                f"the months compared ({_schemes_text(groups)}). Choose categories both "
                "periods have."
            )
        members = {c for g in touched for c in g.categories}
        added = [n for n in names if n in members and n not in wanted]
        if key == "chosen" and added:
            label = ", ".join(g.name for g in touched)
        harmonised[key] = (label, [i for i, name in enumerate(names) if name in members])
        changes[key] = CategoryChange(
            groups=tuple(
                ComparedGroup(g.name, tuple(g.categories), g.approximate)
                for g in touched
                if not g.single or len(g.published) > 1
            ),
            added=tuple(added),
            dropped=tuple(n for n in wanted if n not in members),
        )
    if not groups.straddles:
        return chosen, None
    return harmonised, CategoryHistory(
        before_schemes=tuple(groups.first_schemes),
        after_schemes=tuple(groups.second_schemes),
        not_comparable=tuple(groups.not_comparable),
        measures=changes,
    )


def _schemes_text(groups: Comparability) -> str:
    return (
        "police.uk's "
        + " and ".join(groups.schemes)
        + "-category scheme"
        + ("s" if groups.straddles else "")
    )


def harm_weights(setup, counts, cats: list[int]) -> list[float]:
    """Harm weights of the measure's categories; across a scheme change every category of a
    comparison group takes the group's mean weight (weighted by its incidents force-wide in
    the months compared), so that harm moves only with the group's count."""
    weights = [setup.categories[i].harm_weight for i in cats]
    groups = comparability(setup, counts.keep)
    if groups is None or not groups.straddles:
        return weights
    names = [setup.categories[i].name for i in cats]
    pairs = counts.keep.any(0)
    months = [setup.before[i] for i in np.flatnonzero(pairs)]
    months += [setup.after[i] for i in np.flatnonzero(pairs)]
    volume = counts.force[cats][:, months].sum(1)
    for group in groups.groups:
        inside = [j for j, name in enumerate(names) if name in group.categories]
        if len(inside) < 2:
            continue
        w, n = np.asarray(weights)[inside], volume[inside]
        common = float(w @ n / n.sum()) if n.sum() else float(w.mean())
        for j in inside:
            weights[j] = common
    return weights


def harm_groups(setup, counts, cats: list[int]) -> list[str]:
    """Per category of the measure, the name of the comparison group it is pooled in for the
    harm WDD across a scheme change, else its own slug (see harm_weights)."""
    slugs = [setup.categories[i].slug for i in cats]
    groups = comparability(setup, counts.keep)
    if groups is None or not groups.straddles:
        return slugs
    names = [setup.categories[i].name for i in cats]
    for group in groups.groups:
        inside = [j for j, name in enumerate(names) if name in group.categories]
        if len(inside) >= 2:
            for j in inside:
                slugs[j] = f"group:{group.name}"
    return slugs


def release_notes(setup) -> tuple[ReleaseNote, ...]:
    """Properties of police.uk's releases in the months compared (no Crime IDs, a category
    change), one entry per kind with its months: shown as notes, never excluded."""
    ev = setup.evaluation
    if ev.source != ImportBatch.Source.POLICE_UK:
        return ()
    months = [setup.months[i] for i in setup.before + setup.after]
    held: dict[str, set[str]] = {}
    reasons: dict[str, str] = {}
    for flag in selectors.quality_flags(force=ev.force, months=months).filter(kind="release"):
        held.setdefault(flag.rule, set()).add(f"{flag.month:%Y-%m}")
        reasons[flag.rule] = reasons.get(flag.rule) or flag.reason.split(": ", 1)[-1]
    return tuple(
        ReleaseNote(rule=rule, months=tuple(sorted(found)), reason=reasons[rule])
        for rule, found in held.items()
    )
