"""Detect monthly police.uk counts that look like publication artefacts rather than crime.

police.uk occasionally publishes a month in which one category is capped at a round number,
randomly thinned, truncated or published twice. A before/after evaluation that trusts such a
month reports a large fake change, so the importer runs these checks and shows the flags.

Two entry points, both pure (numpy/pandas only):

* :func:`monthly_stats` condenses raw rows into one row per (force, category, month).
* :func:`detect_anomalies` flags cells of that table, one row per (cell, rule).

Rules (thresholds live in :class:`QualityConfig`, the reasoning in ``docs/data-quality.md``):

* ``copied_records``: every distinct record of the cell appears k >= 2 times.
* ``duplicate_excess`` / ``duplicate_deficit``: the share of exact-duplicate rows is far above /
  far below what is usual for that force and category. Stacked map points make duplicates
  normal, so a sharp *deficit* is the fingerprint of a random sample of the real records.
* ``collapse`` / ``truncated`` / ``multiplied``: the count is a small fraction, a fraction or a
  multiple of the median of neighbouring months (same contiguous run), judged on a log scale
  with Poisson plus estimated extra-Poisson noise so that small categories are not flagged.
* ``round_cap``: an exact multiple of 100 that is also clearly below the neighbouring months
  and not above the same calendar month of other years.
* ``force_month``: most categories of a force moved together (one flag for the force-month,
  category None); per-category count flags that only repeat that move are withdrawn.

The publication's history (:mod:`hotspots.publication`) shapes the series: each category is
judged within a category scheme (a category a scheme did not publish is absent, not
collapsed), months without Crime IDs are compared only with each other for duplicates, and
both facts are recorded once per force-month as notes of kind ``release``, never as artefacts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspots import publication
from hotspots.formats import POLICE_UK_COLUMNS

__all__ = ["FLAG_COLUMNS", "QualityConfig", "detect_anomalies", "monthly_stats"]

KEY: list[str] = ["force", "category", "month"]
FLAG_COLUMNS: list[str] = [*KEY, "rule", "reason", "score", "count", "expected", "kind"]
SERIES: list[str] = ["force", "category", "series"]
_MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class QualityConfig:
    """Thresholds of the artefact rules; the defaults were set on the two real forces.

    Attributes:
        window: months either side (inside a contiguous run) whose median is the expected count.
        z_min: minimum |z| of the log-ratio count/expected for the count rules; z includes
            Poisson noise, the estimated extra-Poisson noise and the noise of the median itself.
        min_volume: count rules need count or expected of at least this many records.
        cv_default: extra-Poisson coefficient of variation when a series is too short to
            estimate it (fewer than ``cv_min_cells`` usable months).
        cv_min: lower clip of the estimated extra-Poisson coefficient of variation.
        cv_max: upper clip, so that a series full of artefacts cannot hide them by looking noisy.
        cv_min_cells: months needed to estimate the coefficient of variation.
        confirm_ratio: months this far (either way) from both the neighbours and other years'
            level are set aside first, before months that only disagree with the neighbours;
            when half of a run is capped, the capped months would otherwise outvote the real ones.
        multiple_ratio: count/expected at or above this is ``multiplied`` (published ~2x).
        fraction_ratio: count/expected at or below this is ``truncated``.
        collapse_ratio: count/expected at or below this is ``collapse`` (vanished or near zero).
        round_base: counts that are exact multiples of this are "round".
        round_min_count: smaller round counts are ignored (10, 20, ... arise by chance).
        round_max_ratio: a round count is a ``round_cap`` when count/expected is at most this.
        dup_z: minimum z of the duplicate-share rules (binomial plus month-to-month spread).
        dup_min_count: the duplicate-share rules ignore cells with fewer records.
        dup_share_floor: lower floor of the usual share in the binomial noise term.
        dup_min_excess: ``duplicate_excess`` needs the share to exceed the usual share by this.
        dup_min_usual: ``duplicate_deficit`` only applies where the usual share is at least this.
        dup_deficit_ratio: ``duplicate_deficit`` needs share/usual share at or below this.
        copy_min_distinct: ``copied_records`` needs at least this many distinct records.
        crime_ids_from: first month ('YYYY-MM') whose releases carry Crime IDs.
        force_ratio: a ``force_month`` needs the month's total at or below this fraction of
            expected (or at or above its inverse).
        force_share: ... and this share of the categories moving the same way by at least
            half as much.
        force_min_categories: ... among at least this many categories of enough volume.
        force_sd_min: lower bound of the force's month-to-month spread (log scale) in the z.
    """

    window: int = 3
    z_min: float = 4.0
    min_volume: int = 10
    cv_default: float = 0.15
    cv_min: float = 0.05
    cv_max: float = 0.25
    cv_min_cells: int = 6
    confirm_ratio: float = 2.0
    multiple_ratio: float = 1.6
    fraction_ratio: float = 0.65
    collapse_ratio: float = 0.25
    round_base: int = 100
    round_min_count: int = 100
    round_max_ratio: float = 0.9
    dup_z: float = 3.5
    dup_min_count: int = 30
    dup_share_floor: float = 0.01
    dup_min_excess: float = 0.15
    dup_min_usual: float = 0.10
    dup_deficit_ratio: float = 0.5
    copy_min_distinct: int = 10
    crime_ids_from: str = publication.CRIME_IDS_FROM
    force_ratio: float = 0.8
    force_share: float = 0.6
    force_min_categories: int = 4
    force_sd_min: float = 0.05


# ---------------------------------------------------------------------------------------------
# monthly_stats
# ---------------------------------------------------------------------------------------------


def monthly_stats(rows: pd.DataFrame) -> pd.DataFrame:
    """Condense raw police.uk rows into one row per (force, category, month).

    Args:
        rows: police.uk columns (at least ``Month``, ``Crime type``, ``Longitude``,
            ``Latitude``) plus ``force``; one or several forces and months.

    Returns:
        Columns ``force, category, month`` ('YYYY-MM') and ``count``, ``duplicate_rows`` (rows
        repeating an earlier row identical in every police.uk column, within force and month),
        ``distinct_rows``, ``copy_factor`` (gcd of how often each distinct row occurs: k when
        the whole cell was published k times, else 1), ``distinct_points`` (distinct lon/lat)
        and ``no_location`` (rows without coordinates).
    """
    cell, cells = _cells([rows["force"], rows["Crime type"], _month_strings(rows["Month"])])
    stats = pd.DataFrame(_multiplicity_stats(cell, _row_hashes(rows)), index=cells)
    lon = pd.to_numeric(rows["Longitude"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(rows["Latitude"], errors="coerce").to_numpy(float)
    located = ~(np.isnan(lon) | np.isnan(lat))
    stats["distinct_points"] = _distinct_per_cell(
        cell[located], [lon[located], lat[located]], len(cells)
    )
    stats["no_location"] = np.bincount(cell[~located], minlength=len(cells))
    return stats.sort_index().reset_index()


def _cells(keys: list[pd.Series]) -> tuple[np.ndarray, pd.MultiIndex]:
    """A code per row for its combination of keys, and the combinations (named KEY)."""
    codes, uniques = zip(*(pd.factorize(key) for key in keys), strict=True)
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for code, unique in zip(codes, uniques, strict=True):
        combined = combined * len(unique) + code
    cell, combinations = pd.factorize(combined)
    parts = []
    for unique in reversed(uniques):
        combinations, part = np.divmod(combinations, len(unique))
        parts.append(np.asarray(unique, dtype=object)[part])
    return cell, pd.MultiIndex.from_arrays(parts[::-1], names=KEY)


def _month_strings(months: pd.Series) -> pd.Series:
    """'YYYY-MM' strings from strings, datetimes or periods."""
    if pd.api.types.is_datetime64_any_dtype(months) or isinstance(months.dtype, pd.PeriodDtype):
        return months.dt.strftime("%Y-%m")
    codes, uniques = pd.factorize(months)
    return pd.Series(np.asarray([str(m)[:7] for m in uniques], dtype=object)[codes])


def _row_hashes(rows: pd.DataFrame) -> np.ndarray:
    """64-bit hash of every police.uk column plus force: equal hash means identical row.
    A reader that kept a hash of each raw line passes it as ``row_hash`` (much faster)."""
    if "row_hash" in rows.columns:
        return rows["row_hash"].to_numpy()
    columns = ["force", *(c for c in POLICE_UK_COLUMNS if c in rows.columns)]
    # Empty strings and NaN both mean "no value", depending on how the CSV was read.
    values = rows[columns].astype(object).where(rows[columns].notna(), "")
    return pd.util.hash_pandas_object(values, index=False).to_numpy()


def _runs(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sort rows by `columns` (the first is the major key): the order, and a mask of the
    sorted rows that start a run of equal rows."""
    order = np.lexsort(columns[::-1])
    starts = np.ones(len(order), dtype=bool)
    if len(order):
        starts[1:] = False
        for column in columns:
            ordered = column[order]
            starts[1:] |= ordered[1:] != ordered[:-1]
    return order, starts


def _distinct_per_cell(cell: np.ndarray, values: list[np.ndarray], cells: int) -> np.ndarray:
    order, starts = _runs([cell, *values])
    return np.bincount(cell[order][starts], minlength=cells)


def _multiplicity_stats(cell: np.ndarray, row: np.ndarray) -> dict[str, np.ndarray]:
    """count, duplicate_rows, distinct_rows and copy_factor per cell code."""
    order, starts = _runs([cell, row])
    first = np.flatnonzero(starts)
    owner = cell[order][first]  # the cell of each distinct row
    times = np.diff(np.r_[first, len(order)])  # how often each distinct row occurs
    cells = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    count = np.add.reduceat(times, cells)
    distinct = np.diff(np.r_[cells, len(times)])
    return {
        "count": count,
        "duplicate_rows": count - distinct,
        "distinct_rows": distinct,
        "copy_factor": np.gcd.reduceat(times, cells),
    }


# ---------------------------------------------------------------------------------------------
# detect_anomalies
# ---------------------------------------------------------------------------------------------


def detect_anomalies(
    stats: pd.DataFrame, *, config: QualityConfig = QualityConfig()
) -> pd.DataFrame:
    """Flag (force, category, month) cells whose counts look like publication artefacts.

    A category missing from a month in which its force has other data counts as 0 records, so
    a vanished category is flagged too. Only ``force, category, month, count`` are required;
    the duplicate rules run when ``duplicate_rows`` (and ``copy_factor``) are present.

    Args:
        stats: output of :func:`monthly_stats` (or any table with the same columns).
        config: thresholds.

    Returns:
        One row per flag with columns ``force, category, month, rule, reason, score, count,
        expected, kind``. ``score`` in [0.5, 1] grows with the evidence (0.5 at the threshold,
        0.75 at twice it); ``expected`` is the median of clean neighbouring months (NaN if
        none). ``kind`` is "artefact", or "release" for notes on the publication (score 0);
        flags of a whole force-month have no category (None).
    """
    if stats.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    grid = _complete_grid(stats)
    structural = [_copy_flags(grid, config), *_duplicate_flags(grid, config)]
    masked = np.zeros(len(grid), dtype=bool)
    for flags in structural:
        masked[flags.index.to_numpy()] = True
    grid = _count_model(grid, masked, config)
    whole, moved = publication.force_month_flags(
        grid, z_min=config.z_min, min_volume=config.min_volume, ratio=config.force_ratio,
        share=config.force_share, min_categories=config.force_min_categories,
        sd_min=config.force_sd_min,
    )  # fmt: skip
    counted = [*_count_flags(grid, config), _round_flags(grid, config)]
    flags = [*structural, *(_beyond_force_move(grid, f, moved, config) for f in counted)]
    notes = publication.release_notes(grid, config.crime_ids_from)
    return _with_force_rows(_assemble(grid, flags), [whole, notes])


def _beyond_force_move(
    grid: pd.DataFrame, flags: pd.DataFrame, moved: dict, cfg: QualityConfig
) -> pd.DataFrame:
    """Withdraw count flags in a flagged force-month unless the category moved well beyond
    the force as a whole (e.g. vanished in a month when everything fell by a third)."""
    if not moved or flags.empty:
        return flags
    cells = grid.loc[flags.index]
    factor = np.array(
        [moved.get(key, np.nan) for key in zip(cells["force"], cells["month"], strict=True)]
    )
    relative = (cells["count"] + 0.5) / ((cells["expected"] + 0.5) * factor)
    inside = (relative > cfg.fraction_ratio) & (relative < cfg.multiple_ratio)
    return flags[~(np.isfinite(factor) & inside).to_numpy()]


def _with_force_rows(flags: pd.DataFrame, extra: list[pd.DataFrame]) -> pd.DataFrame:
    found = [f for f in (flags, *extra) if len(f)]
    if not found:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    out = pd.concat([f[FLAG_COLUMNS] for f in found], ignore_index=True)
    out["category"] = out["category"].astype(object).where(out["category"].notna(), None)
    order = out.assign(_whole=out["category"].isna(), _cat=out["category"].fillna(""))
    order = order.sort_values(["force", "_whole", "_cat", "month", "rule"], kind="stable")
    return out.loc[order.index].reset_index(drop=True)


def _complete_grid(stats: pd.DataFrame) -> pd.DataFrame:
    """Every category of a force in every month of that force (absent = 0), sorted."""
    parts = []
    for force, part in stats.groupby("force", sort=True):
        full = pd.MultiIndex.from_product(
            [[force], sorted(part["category"].unique()), sorted(part["month"].unique())],
            names=KEY,
        )
        parts.append(part.set_index(KEY).reindex(full).reset_index())
    grid = pd.concat(parts, ignore_index=True)
    numeric = grid.columns.difference(KEY)
    grid[numeric] = grid[numeric].fillna(0)
    grid["count"] = grid["count"].astype(int)
    # A category that the month's scheme did not publish is absent, not empty.
    grid["series"], listed = publication.series_keys(grid["category"], grid["month"])
    grid = grid[listed | (grid["count"] > 0)]
    grid["period"] = _month_number(grid["month"])
    return grid.sort_values(KEY, ignore_index=True)


def _month_number(months: pd.Series) -> np.ndarray:
    """Months since year 0, so that consecutive months differ by exactly 1."""
    parts = months.str.split("-", n=1, expand=True).astype(int)
    return (parts[0] * 12 + parts[1] - 1).to_numpy()


def _run_ids(periods: np.ndarray) -> np.ndarray:
    """Number the contiguous runs of a sorted array of month numbers."""
    return np.cumsum(np.diff(periods, prepend=periods[0] - 2) != 1)


def _score(evidence: np.ndarray | pd.Series | float) -> np.ndarray:
    """Map evidence (1.0 = exactly at the threshold) to a score in [0.5, 1)."""
    return 1.0 - 0.5 ** np.maximum(np.asarray(evidence, dtype=float), 1.0)


# -- structural rules (need no neighbouring months) -------------------------------------------


def _copy_flags(grid: pd.DataFrame, cfg: QualityConfig) -> pd.DataFrame:
    """``copied_records``: each distinct record occurs a multiple of k >= 2 times."""
    if "copy_factor" not in grid:
        return _empty_flags()
    factor = grid["copy_factor"].astype(int)
    distinct = grid["count"] // factor.clip(lower=1)
    hit = grid[(factor >= 2) & (distinct >= cfg.copy_min_distinct)]
    k, n = factor[hit.index], distinct[hit.index]
    reason = [
        f"every one of {d:,} distinct records appears a multiple of {f} times: "
        f"the month looks published {f}x"
        for d, f in zip(n, k, strict=True)
    ]
    evidence = np.log2(n) / math.log2(cfg.copy_min_distinct)
    return _flags(hit, "copied_records", reason, _score(evidence))


def _duplicate_flags(grid: pd.DataFrame, cfg: QualityConfig) -> list[pd.DataFrame]:
    """``duplicate_excess`` and ``duplicate_deficit`` against the series' usual share."""
    if "duplicate_rows" not in grid:
        return []
    share = (grid["duplicate_rows"] / grid["count"].where(grid["count"] > 0)).astype(float)
    # Months without Crime IDs have far more exact duplicates: they are their own reference.
    no_ids = publication.without_ids(grid["month"], cfg.crime_ids_from)
    by_series = share.groupby([grid[c] for c in SERIES] + [pd.Series(no_ids, index=grid.index)])
    usual = by_series.transform("median")
    spread = by_series.transform(_mad) * _MAD_TO_SD
    # A floor on the binomial p keeps "1 duplicate in 3 rows" of a duplicate-free category quiet.
    p = usual.clip(lower=cfg.dup_share_floor)
    sd = np.sqrt(p * (1 - p) / grid["count"].clip(lower=1) + spread**2)
    z = (share - usual) / sd
    enough = grid["count"] >= cfg.dup_min_count
    excess = enough & (share - usual >= cfg.dup_min_excess) & (z >= cfg.dup_z) & ~no_ids
    deficit = (
        enough
        & (usual >= cfg.dup_min_usual)
        & (share <= cfg.dup_deficit_ratio * usual)
        & (-z >= cfg.dup_z)
    )
    return [
        _share_flags(grid[excess], "duplicate_excess", share, usual, z / cfg.dup_z),
        _share_flags(grid[deficit], "duplicate_deficit", share, usual, -z / cfg.dup_z),
    ]


def _mad(values: pd.Series) -> float:
    """Median absolute deviation, ignoring NaN."""
    clean = values.dropna().to_numpy()
    return float(np.median(np.abs(clean - np.median(clean)))) if len(clean) else 0.0


def _share_flags(
    hit: pd.DataFrame, rule: str, share: pd.Series, usual: pd.Series, evidence: pd.Series
) -> pd.DataFrame:
    """Flag rows for a duplicate-share rule with a readable reason."""
    if rule == "duplicate_excess":
        text = "{s:.0%} of rows are exact duplicates, usual for this category is {u:.0%}"
    else:
        text = (
            "only {s:.1%} of rows are exact duplicates where {u:.0%} is usual for this "
            "category: looks like a sample of the real records"
        )
    reason = [text.format(s=share[i], u=usual[i]) for i in hit.index]
    return _flags(hit, rule, reason, _score(evidence[hit.index]))


# -- count model --------------------------------------------------------------------------------


def _count_model(grid: pd.DataFrame, masked: np.ndarray, cfg: QualityConfig) -> pd.DataFrame:
    """Add ``expected``, ``neighbours``, ``z``, ``broad``, ``ratio`` and ``others``."""
    columns = {name: np.full(len(grid), np.nan) for name in ("expected", "neighbours", "z")}
    columns["broad"] = np.full(len(grid), np.nan)
    for idx in grid.groupby(SERIES, sort=False).indices.values():
        model = _SeriesModel(
            grid["count"].to_numpy(float)[idx], grid["period"].to_numpy()[idx], cfg
        )
        clean = model.settle(~masked[idx])
        expected, neighbours = model.local(clean)
        columns["expected"][idx], columns["neighbours"][idx] = expected, neighbours
        columns["z"][idx], columns["broad"][idx] = model.z(expected, neighbours), model.broad(clean)
    grid = grid.assign(**columns)
    grid["ratio"] = grid["count"] / grid["expected"].where(grid["expected"] > 0)
    grid["others"] = _others_ratio(grid)
    return grid


def _others_ratio(grid: pd.DataFrame) -> np.ndarray:
    """Median count/expected of the force's *other* categories in the same month.

    Near 1 means the flagged category moved alone (an artefact of that category); far from 1
    means the whole month moved (a truncated file, or a real force-wide change).
    """
    log_ratio = np.log(grid["ratio"].where(grid["ratio"] > 0))
    wide = grid.assign(log_ratio=log_ratio).pivot(
        index=["force", "month"], columns="category", values="log_ratio"
    )
    others = {category: _row_median(wide.drop(columns=category).to_numpy()) for category in wide}
    table = pd.DataFrame(others, index=wide.index).stack(future_stack=True)
    keys = pd.MultiIndex.from_frame(grid[["force", "month", "category"]])
    return np.exp(table.reindex(keys).to_numpy())


class _SeriesModel:
    """Expected counts of one (force, category) series from its clean neighbouring months."""

    def __init__(self, counts: np.ndarray, periods: np.ndarray, cfg: QualityConfig) -> None:
        """Precompute which months are local neighbours / same calendar month of each other."""
        self.counts, self.cfg = counts, cfg
        gap = np.abs(periods[:, None] - periods[None, :])
        runs = _run_ids(periods)
        not_self = ~np.eye(len(counts), dtype=bool)
        self.near = (runs[:, None] == runs[None, :]) & (gap <= cfg.window) & not_self
        self.same_month = (gap % 12 == 0) & not_self
        self.far = (gap > cfg.window) & not_self
        self.cv = cfg.cv_default

    def local(self, clean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Median count of the clean neighbours of every month, and how many there were."""
        return _masked_median(self.counts, self.near & clean), (self.near & clean).sum(axis=1)

    def broad(self, clean: np.ndarray) -> np.ndarray:
        """Median of the same calendar month in other years, else of all months further away."""
        same = _masked_median(self.counts, self.same_month & clean)
        return np.where(np.isnan(same), _masked_median(self.counts, self.far & clean), same)

    def z(self, expected: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
        """Log-scale z of count vs expected: Poisson, extra-Poisson and median noise."""
        inflation = 1.0 + np.pi / (2.0 * np.maximum(neighbours, 1))
        variance = (1.0 / (expected + 0.5) + self.cv**2) * inflation
        return np.log((self.counts + 0.5) / (expected + 0.5)) / np.sqrt(variance)

    def outliers(self, clean: np.ndarray, *, confirm: bool) -> np.ndarray:
        """Priority of the clean months failing the count rules (0 for the others).

        Without ``confirm`` the priority is |z| against the neighbours. With it, a month must
        also lie ``confirm_ratio`` away from other years, on the same side, and the priority is
        the smaller of the two |log-ratios|: what is clearly wrong under both goes first.
        """
        expected, neighbours = self.local(clean)
        z = self.z(expected, neighbours)
        fails = clean & _ratio_fails(self.counts, expected, self.cfg)
        fails &= np.abs(z) >= self.cfg.z_min
        fails &= np.fmax(self.counts, expected) >= self.cfg.min_volume
        if not confirm:
            return np.where(fails, np.abs(z), 0.0)
        near, far = _log_ratio(self.counts, expected), _log_ratio(self.counts, self.broad(clean))
        agreed = (np.abs(far) >= math.log(self.cfg.confirm_ratio)) & (near * far > 0)
        agreed |= np.isnan(far)
        return np.where(fails & agreed, np.fmin(np.abs(near), np.abs(far)), 0.0)

    def settle(self, clean: np.ndarray) -> np.ndarray:
        """Drop outliers from the references one at a time, worst first, until none is left.

        Months that also disagree with other years go first: when half of a run is capped,
        the capped months outvote the real ones locally but not against other years.
        """
        clean = clean.copy()
        self.cv = self._estimate_cv(clean)
        for confirm in (True, False):
            while (worst := self.outliers(clean, confirm=confirm)).max() > 0:
                clean[int(np.argmax(worst))] = False
        return clean

    def _estimate_cv(self, clean: np.ndarray) -> float:
        """Extra-Poisson CV from the robust spread of log(count/expected) over clean months."""
        expected, neighbours = self.local(clean)
        usable = clean & (expected > 0) & (self.counts > 0)
        if usable.sum() < self.cfg.cv_min_cells:
            return self.cfg.cv_default
        residual = np.log(self.counts[usable] / expected[usable])
        spread = _MAD_TO_SD * np.median(np.abs(residual - np.median(residual)))
        inflation = 1.0 + np.pi / (2.0 * np.median(neighbours[usable]))
        cv2 = spread**2 / inflation - np.median(1.0 / expected[usable])
        return float(np.clip(math.sqrt(max(cv2, 0.0)), self.cfg.cv_min, self.cfg.cv_max))


def _masked_median(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Row-wise median of ``values`` where ``mask`` is true; NaN for empty rows."""
    return _row_median(np.where(mask, values[None, :], np.nan))


def _row_median(table: np.ndarray) -> np.ndarray:
    """Row-wise median ignoring NaN (NaN for empty rows); np.nanmedian is slow on small rows."""
    if table.shape[1] == 0:
        return np.full(len(table), np.nan)
    ordered = np.sort(table, axis=1)  # NaN sorts last
    valid = (~np.isnan(table)).sum(axis=1)
    low = np.take_along_axis(ordered, np.maximum(valid - 1, 0)[:, None] // 2, axis=1)[:, 0]
    high = np.take_along_axis(ordered, np.minimum(valid // 2, table.shape[1] - 1)[:, None], 1)
    return np.where(valid > 0, (low + high[:, 0]) / 2.0, np.nan)


def _log_ratio(counts: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """log(count/reference), kept finite for empty months; NaN where there is no reference."""
    return np.log((counts + 0.5) / (reference + 0.5))


def _ratio_fails(counts: np.ndarray, reference: np.ndarray, cfg: QualityConfig) -> np.ndarray:
    """True where count/reference is a multiple or a fraction beyond the thresholds."""
    # +0.5 keeps the ratio finite for empty months; NaN references compare False.
    ratio = (counts + 0.5) / (reference + 0.5)
    return (ratio >= cfg.multiple_ratio) | (ratio <= cfg.fraction_ratio)


# -- count rules --------------------------------------------------------------------------------


def _count_flags(grid: pd.DataFrame, cfg: QualityConfig) -> list[pd.DataFrame]:
    """``collapse``, ``truncated`` and ``multiplied`` from the settled count model."""
    ratio = (grid["count"] + 0.5) / (grid["expected"] + 0.5)
    volume = np.fmax(grid["count"], grid["expected"]) >= cfg.min_volume
    significant = volume & (grid["z"].abs() >= cfg.z_min)
    bands = (
        ("collapse", 0.0, cfg.collapse_ratio, cfg.collapse_ratio),
        ("truncated", cfg.collapse_ratio, cfg.fraction_ratio, cfg.fraction_ratio),
        ("multiplied", cfg.multiple_ratio, math.inf, cfg.multiple_ratio),
    )
    out = []
    for rule, low, high, threshold in bands:
        in_band = (ratio > low) & (ratio <= high) if rule != "multiplied" else ratio >= low
        rows = grid[significant & in_band]
        size = np.abs(np.log(ratio[rows.index])) / abs(math.log(threshold))
        evidence = np.minimum(size, rows["z"].abs() / cfg.z_min)
        reason = [_count_reason(rule, row, cfg) for row in rows.itertuples()]
        out.append(_flags(rows, rule, reason, _score(evidence)))
    return out


def _count_reason(rule: str, row: Any, cfg: QualityConfig) -> str:
    """Readable explanation of a count flag (``row`` is a grid row from ``itertuples``)."""
    count, expected = int(row.count), float(row.expected)
    round_note = "exactly round and " if _is_round(count, cfg) else ""
    if rule == "collapse" and count == 0:
        text = f"no records at all where neighbouring months have a median of {expected:,.0f}"
    elif rule == "multiplied" and expected == 0:
        text = f"{round_note}records where neighbouring months have none"
    else:
        kind = {"collapse": "collapsed to ", "truncated": "only ", "multiplied": ""}[rule]
        ratio = count / expected
        text = (
            f"{round_note}{kind}{ratio:.2f}x the median of neighbouring months "
            f"({expected:,.0f}){_multiple_note(ratio)}"
        )
    return text + _context_note(count, float(row.broad), float(row.others))


def _context_note(count: int, broad: float, others: float) -> str:
    """How the cell compares with other years and how the force's other categories moved."""
    note = ""
    if broad > 0:
        note += f"; {count / broad:.2f}x other years' level ({broad:,.0f})"
    if not math.isnan(others):
        note += f"; the force's other categories this month: {others:.2f}x"
    return note


def _multiple_note(ratio: float) -> str:
    """Name the simple fraction or multiple a ratio is close to (1/2, 2x, 3x, ...)."""
    for value, name in ((0.5, "1/2"), (1 / 3, "1/3"), (2.0, "2x"), (3.0, "3x"), (4.0, "4x")):
        if ratio > 0 and abs(math.log(ratio / value)) < 0.1:
            return f", about {name}"
    return ""


def _is_round(count: Any, cfg: QualityConfig) -> Any:
    """Whether counts (scalar or array) are exact multiples of the round base and not tiny."""
    return (count >= cfg.round_min_count) & (count % cfg.round_base == 0)


def _round_flags(grid: pd.DataFrame, cfg: QualityConfig) -> pd.DataFrame:
    """``round_cap``: a round count clearly below the neighbouring months and other years."""
    is_round = _is_round(grid["count"], cfg)
    # Other years must agree, else every round count in a seasonal trough (which the local
    # median lags behind) would look capped.
    broad_ratio = grid["count"] / grid["broad"].where(grid["broad"] > 0)
    below = (grid["ratio"] <= cfg.round_max_ratio) & ~(broad_ratio > cfg.round_max_ratio)
    hit = grid[is_round & below]
    repeats = grid[is_round].groupby(["force", "category", "count"])["month"].transform("size")
    reason = []
    for row in hit.itertuples():
        text = (
            f"exactly round and {1 - row.ratio:.0%} below the median of neighbouring months "
            f"({row.expected:,.0f}): looks capped"
        )
        if repeats[row.Index] > 1:
            text += f"; the same count occurs in {repeats[row.Index]} months"
        reason.append(text + _context_note(int(row.count), float(row.broad), float(row.others)))
    shortfall = (1.0 - hit["ratio"]) / (1.0 - cfg.round_max_ratio)
    return _flags(hit, "round_cap", reason, _score(shortfall))


# -- assembling -----------------------------------------------------------------------------


def _empty_flags() -> pd.DataFrame:
    """An empty flag table."""
    return pd.DataFrame(columns=["rule", "detail", "score"], dtype=object)


def _flags(
    hit: pd.DataFrame, rule: str, detail: list[str], score: np.ndarray | pd.Series
) -> pd.DataFrame:
    """Flags indexed like the grid: rule, detail text (without the cell prefix) and score."""
    return pd.DataFrame(
        {"rule": rule, "detail": detail, "score": np.asarray(score, dtype=float)},
        index=hit.index,
    )


def _assemble(grid: pd.DataFrame, flags: list[pd.DataFrame]) -> pd.DataFrame:
    """Join flags to their cells, prefix reasons with category, month and count."""
    found = [f for f in flags if len(f)]
    if not found:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    flag = pd.concat(found)
    out = grid.loc[flag.index, [*KEY, "count", "expected"]].reset_index(drop=True)
    out[["rule", "detail", "score"]] = flag[["rule", "detail", "score"]].to_numpy()
    prefix = out["category"] + " " + out["month"] + ": " + out["count"].map("{:,} records, ".format)
    out["reason"] = prefix + out["detail"]
    out["score"] = out["score"].astype(float).round(3)
    out["kind"] = "artefact"
    return out.sort_values([*KEY, "rule"], ignore_index=True)[FLAG_COLUMNS]
