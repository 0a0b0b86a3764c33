"""What police.uk's publication history means for the data-quality check (pure pandas).

:mod:`hotspots.quality` judges each monthly count against its neighbours. Three facts of the
publication would otherwise read as artefacts (see ``docs/data-quality.md``):

* **Category schemes.** A category that a month's scheme did not publish is absent, not
  collapsed; a category whose meaning changed (the early "Other crime" held nine of today's
  categories) starts a new series at the change. :func:`series_keys` gives every cell the
  series it belongs to; cells of categories a scheme did not list are dropped when empty.
* **No Crime IDs before 2011-12.** Without an ID two incidents at one map point give
  identical rows, so exact duplicates are far more common. Those months are compared only
  with each other, and :func:`release_notes` records the property once per force-month.
* **Whole-force months.** A file cut short or a force-wide recording change moves most
  categories together; :func:`force_month_flags` flags the force-month once, and the
  per-category count flags that only repeat that move are withdrawn.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hotspots.schemes import load_schemes, scheme_of

CRIME_IDS_FROM = "2011-12"  # police.uk's first month with Crime IDs
_MAD_TO_SD = 1.4826


def series_keys(categories: pd.Series, months: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """For cells (harmonised category name, 'YYYY-MM'): the series each belongs to and
    whether the month's scheme lists the category. Categories the crosswalk does not know (a
    force's own) are one series, always listed."""
    known = {row.harmonised for s in load_schemes() for row in s.categories}
    pairs = pd.DataFrame({"category": categories.to_numpy(), "month": months.to_numpy()})
    distinct = pairs.drop_duplicates()
    lookup = {}
    for category, month in distinct.itertuples(index=False):
        if category not in known:
            lookup[category, month] = ("", True)
            continue
        scheme = scheme_of(month)
        row = next((r for r in scheme.categories if r.harmonised == category), None)
        if row is None:
            lookup[category, month] = ("unlisted", False)
        else:
            covers = "|".join(sorted(row.covers))
            lookup[category, month] = (f"{row.published}:{covers}:{row.approximate}", True)
    found = [lookup[key] for key in zip(pairs["category"], pairs["month"], strict=True)]
    series = np.array([f[0] for f in found], dtype=object)
    listed = np.array([f[1] for f in found], dtype=bool)
    return series, listed


def without_ids(months: pd.Series, first_with_ids: str = CRIME_IDS_FROM) -> np.ndarray:
    """Months published before police.uk had Crime IDs."""
    return (months < first_with_ids).to_numpy()


def release_notes(grid: pd.DataFrame, first_with_ids: str = CRIME_IDS_FROM) -> pd.DataFrame:
    """One note per force-month without Crime IDs (with its share of exact duplicates against
    the force's months with IDs), and one per force at each scheme change its data cross."""
    notes = []
    if "duplicate_rows" in grid:
        by_month = grid.groupby(["force", "month"])[["count", "duplicate_rows"]].sum()
        share = by_month["duplicate_rows"] / by_month["count"].where(by_month["count"] > 0)
        for (force, month), value in share.items():
            if month >= first_with_ids or np.isnan(value):
                continue
            later = share[force][share[force].index >= first_with_ids]
            usual = f" ({later.median():.0%} in months with IDs)" if len(later) else ""
            reason = (
                f"all categories {month}: police.uk published no Crime IDs before "
                f"{first_with_ids}, so incidents at one map point give identical rows; "
                f"{value:.0%} of rows are exact duplicates{usual}. A property of the release, "
                "not an artefact"
            )
            notes.append((force, month, "no_crime_ids", reason, by_month.loc[(force, month)]))
    for force, part in grid.groupby("force"):
        months = sorted(part["month"].unique())
        for before, after in zip(months, months[1:], strict=False):
            old, new = scheme_of(before), scheme_of(after)
            if old.key != new.key:
                reason = (
                    f"all categories {after}: police.uk's categories changed from "
                    f"{old.label} to {new.label}; series are compared within each scheme"
                )
                counts = part[part["month"] == after][["count"]].sum()
                notes.append((force, after, "scheme_change", reason, counts))
    return pd.DataFrame(
        [
            {
                "force": f,
                "category": None,
                "month": m,
                "rule": rule,
                "reason": reason,
                "score": 0.0,
                "count": int(c["count"]),
                "expected": np.nan,
                "kind": "release",
            }
            for f, m, rule, reason, c in notes
        ]  # fmt: skip
    )


def force_month_flags(
    grid: pd.DataFrame, *, z_min: float, min_volume: int, ratio: float, share: float,
    min_categories: int, sd_min: float,
) -> tuple[pd.DataFrame, dict[tuple[str, str], float]]:  # fmt: skip
    """Force-months in which most categories moved together, far beyond the force's usual
    month-to-month spread. ``grid`` needs ``force, category, month, count, expected`` and
    ``neighbours`` (clean neighbouring months behind ``expected``).

    Returns the flags (category None) and {(force, month): count/expected of the month}
    so that per-category flags repeating the same move can be withdrawn."""
    # A month needs two clean neighbours to say which side moved (with two months, either).
    cells = grid[(grid["expected"] >= min_volume) & (grid["neighbours"] >= 2)]
    if cells.empty:
        return pd.DataFrame(), {}
    log_cell = np.log((cells["count"] + 0.5) / (cells["expected"] + 0.5))
    month = cells.assign(log_cell=log_cell).groupby(["force", "month"])
    totals = month[["count", "expected"]].sum()
    log_total = np.log((totals["count"] + 0.5) / (totals["expected"] + 0.5))
    together = month["log_cell"].apply(list)
    rows, moved = [], {}
    for force in totals.index.get_level_values(0).unique():
        series = log_total[force]
        centre = float(series.median())
        spread = max(_MAD_TO_SD * float((series - centre).abs().median()), sd_min)
        for month_key, value in series.items():
            logs = np.asarray(together[force, month_key])
            same = (np.sign(logs) == np.sign(value)) & (np.abs(logs) >= abs(value) / 2)
            z = (value - centre) / spread
            if (
                len(logs) >= min_categories
                and abs(value) >= math.log(1 / ratio)
                and same.mean() >= share
                and abs(z) >= z_min
            ):
                moved[force, month_key] = math.exp(value)
                rows.append(_force_row(force, month_key, totals.loc[(force, month_key)],
                                       math.exp(value), same, z / z_min))  # fmt: skip
    return pd.DataFrame(rows), moved


def _force_row(force, month, total, factor, same, evidence) -> dict:
    direction = "fell" if factor < 1 else "rose"
    reason = (
        f"all categories {month}: {int(total['count']):,} records, {factor:.2f}x the median "
        f"of neighbouring months ({total['expected']:,.0f}); {int(same.sum())} of {len(same)} "
        f"categories {direction} together: one artefact of the force's whole month (a file "
        "cut short or a recording change), not of any one category"
    )
    return {
        "force": force, "category": None, "month": month, "rule": "force_month",
        "reason": reason, "score": round(1.0 - 0.5 ** max(abs(evidence), 1.0), 3),
        "count": int(total["count"]), "expected": float(total["expected"]), "kind": "artefact",
    }  # fmt: skip
