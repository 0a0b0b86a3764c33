"""Small pure helpers that turn hotspots into things a patrol plan can show.

Geometry is in the grid's projected CRS (metres; EPSG:27700 by default). Timestamps are
local clock time: naive values are taken as UK local time, tz-aware ones are converted to
Europe/London. Weekdays are numbered Monday = 0 ... Sunday = 6.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from .clusters import Hotspot
from .grid import Grid

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
UK_TZ = "Europe/London"


def cells_to_polygon(grid: Grid, cells: ArrayLike) -> shapely.Geometry:
    """Union of the cell squares (metres, grid CRS); a Polygon or MultiPolygon."""
    boxes = grid.cell_boxes(np.asarray(cells, dtype=np.intp))
    # The squares never overlap, so the cheaper coverage union is exact.
    return shapely.coverage_union_all(boxes)


def polygon_centroid(geometry: shapely.Geometry) -> tuple[float, float]:
    """Area centroid ``(x, y)`` in metres."""
    c = shapely.centroid(geometry)
    return float(shapely.get_x(c)), float(shapely.get_y(c))


def _local_index(timestamps: ArrayLike) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(timestamps)
    if idx.tz is not None:
        idx = idx.tz_convert(UK_TZ).tz_localize(None)
    return idx[~idx.isna()]


def _week_hour(idx: pd.DatetimeIndex) -> NDArray[np.int64]:
    return np.asarray(idx.day_of_week, dtype=np.int64) * 24 + np.asarray(idx.hour, dtype=np.int64)


def hour_weekday_profile(timestamps: ArrayLike) -> NDArray[np.int64]:
    """Incident counts by weekday (rows, Monday first) and hour of day: shape (7, 24)."""
    wh = _week_hour(_local_index(timestamps))
    return np.bincount(wh, minlength=168).reshape(7, 24)


@dataclass(frozen=True)
class PatrolWindow:
    """A block of consecutive days and hours; ``end_hour`` is exclusive (may wrap)."""

    first_day: int
    n_days: int
    start_hour: int
    n_hours: int
    count: int
    share: float

    @property
    def end_hour(self) -> int:
        return (self.start_hour + self.n_hours) % 24

    @property
    def label(self) -> str:
        """E.g. ``"Thu–Sat 18:00–22:00"``."""
        last_day = (self.first_day + self.n_days - 1) % 7
        if self.n_days >= 7:
            days = "Mon–Sun"
        elif self.n_days == 1:
            days = DAY_NAMES[self.first_day]
        else:
            days = f"{DAY_NAMES[self.first_day]}–{DAY_NAMES[last_day]}"
        hours = (
            "00:00–24:00"
            if self.n_hours >= 24
            else (f"{self.start_hour:02d}:00–{self.end_hour:02d}:00")
        )
        return f"{days} {hours}"


def suggest_patrol_window(
    profile: ArrayLike, n_days: int = 3, n_hours: int = 4
) -> PatrolWindow | None:
    """The ``n_days`` x ``n_hours`` block of a (7, 24) profile holding the most incidents.

    Rule: days are consecutive and wrap from Sunday to Monday; hours are consecutive and a
    window running past midnight continues into the early hours of the following day
    (so "Fri–Sat 22:00–02:00" covers Friday and Saturday nights). Ties go to the earliest
    first day (Monday first), then the earliest start hour. None if the profile is empty.
    """
    week = np.asarray(profile, dtype=np.int64).ravel()
    total = int(week.sum())
    if total == 0:
        return None
    n_days, n_hours = min(n_days, 7), min(n_hours, 24)
    by_start_hour = _circular_window_sum(week, n_hours).reshape(7, 24)
    by_block = _circular_window_sum(by_start_hour, n_days)
    best = int(np.argmax(by_block))
    count = int(by_block.ravel()[best])
    return PatrolWindow(best // 24, n_days, best % 24, n_hours, count, count / total)


def _circular_window_sum(a: NDArray[np.int64], length: int) -> NDArray[np.int64]:
    # Sum of `length` consecutive entries along axis 0, starting at each entry, wrapping.
    ext = np.concatenate([a, a[: length - 1]], axis=0)
    cs = np.concatenate([np.zeros_like(a[:1]), np.cumsum(ext, axis=0)], axis=0)
    return cs[length : length + a.shape[0]] - cs[: a.shape[0]]


def monthly_trend(
    timestamps: ArrayLike, start: str | pd.Period | None = None, end: str | pd.Period | None = None
) -> pd.Series:
    """Incidents per calendar month, zero-filled from ``start`` to ``end`` (inclusive).

    Defaults to the first and last month present. Index is a monthly ``PeriodIndex``.
    """
    idx = _local_index(timestamps)
    months = pd.PeriodIndex(idx, freq="M")
    if start is None and end is None and months.empty:
        return pd.Series([], index=pd.PeriodIndex([], freq="M"), dtype=np.int64, name="count")
    first = pd.Period(start, freq="M") if start is not None else months.min()
    last = pd.Period(end, freq="M") if end is not None else months.max()
    full = pd.period_range(first, last, freq="M")
    counts = pd.Series(1, index=months).groupby(level=0).sum()
    return counts.reindex(full, fill_value=0).astype(np.int64).rename("count")


@dataclass(frozen=True)
class HotspotRecord:
    """A ranked hotspot with its geometry (metres, grid CRS) and temporal profile.

    ``profile`` (7x24 counts), ``patrol_window`` and ``monthly`` are None without
    timestamps. ``peak_score`` is the peak Gi* z (or density for KDE hotspots).
    """

    rank: int
    cells: NDArray[np.intp]
    n_cells: int
    area_m2: float
    count: float
    harm: float
    peak_score: float
    centroid_x: float
    centroid_y: float
    geometry: shapely.Geometry
    profile: NDArray[np.int64] | None
    patrol_window: PatrolWindow | None
    monthly: pd.Series | None


def describe_hotspots(
    grid: Grid,
    hotspots: Sequence[Hotspot],
    *,
    point_cells: ArrayLike | None = None,
    x: ArrayLike | None = None,
    y: ArrayLike | None = None,
    timestamps: ArrayLike | None = None,
    n_days: int = 3,
    n_hours: int = 4,
) -> tuple[HotspotRecord, ...]:
    """Polygons, centroids and (with timestamps) temporal profiles of ranked hotspots.

    Incidents are located by ``point_cells`` (flat cell per incident, -1 off grid) or by
    ``x, y`` in metres. Monthly series share one zero-filled month range: that of all
    the timestamps given.
    """
    profiles: list[NDArray[np.int64] | None] = [None] * len(hotspots)
    monthly: list[pd.Series | None] = [None] * len(hotspots)
    if timestamps is not None and hotspots:
        if point_cells is None:
            if x is None or y is None:
                raise ValueError("timestamps need point_cells or x and y")
            point_cells = grid.cell_of(x, y)
        profiles, monthly = _temporal(grid, hotspots, np.asarray(point_cells), timestamps)
    records = []
    for i, h in enumerate(hotspots):
        geom = cells_to_polygon(grid, h.cells)
        cx, cy = polygon_centroid(geom)
        prof = profiles[i]
        records.append(
            HotspotRecord(
                rank=h.rank,
                cells=h.cells,
                n_cells=h.n_cells,
                area_m2=h.n_cells * grid.cell_area_m2,
                count=h.count,
                harm=h.harm,
                peak_score=h.peak_score,
                centroid_x=cx,
                centroid_y=cy,
                geometry=geom,
                profile=prof,
                patrol_window=None
                if prof is None
                else suggest_patrol_window(prof, n_days, n_hours),
                monthly=monthly[i],
            )
        )
    return tuple(records)


def _temporal(
    grid: Grid, hotspots: Sequence[Hotspot], point_cells: NDArray[np.intp], timestamps: ArrayLike
) -> tuple[list[NDArray[np.int64] | None], list[pd.Series | None]]:
    # One pass over all incidents: label each by its hotspot, then bincount per hotspot.
    owner = np.full(grid.n_cells + 1, -1, dtype=np.int32)
    for i, h in enumerate(hotspots):
        owner[h.cells] = i
    hid = owner[point_cells]  # point_cells == -1 reads the sentinel slot at the end
    ns = _local_ns(timestamps)
    if ns.size != hid.size:
        raise ValueError("timestamps and incident locations differ in length")
    valid = ns != _NAT
    if not valid.any():
        return [None] * len(hotspots), [None] * len(hotspots)
    # Index arrays instead of boolean masks: most incidents are outside every hotspot.
    take = np.flatnonzero((hid >= 0) & valid)
    hours, owner_of = ns[take] // _NS_PER_HOUR, hid[take]
    k = len(hotspots)
    # 1970-01-01 00:00 was a Thursday: shifting by 72 h makes hour 0 a Monday midnight.
    week_hour = (hours + 72) % 168
    profile = np.bincount(owner_of * 168 + week_hour, minlength=k * 168)
    # The month range spans all incidents; each day's month comes from a small lookup table.
    lo, hi = (ns.min(), ns.max()) if valid.all() else (ns[valid].min(), ns[valid].max())
    lo_day, hi_day = lo // _NS_PER_DAY, hi // _NS_PER_DAY
    day_months = np.arange(lo_day, hi_day + 1).astype("datetime64[D]").astype("datetime64[M]")
    day_month = day_months.astype(np.int64) + 1970 * 12
    first, last = int(day_month[0]), int(day_month[-1])
    n_months = last - first + 1
    month = day_month[hours // 24 - lo_day] - first
    per_month = np.bincount(owner_of * n_months + month, minlength=k * n_months)
    start = pd.Period(year=first // 12, month=first % 12 + 1, freq="M")
    months = pd.period_range(start, periods=n_months, freq="M")
    profiles: list[NDArray[np.int64] | None] = list(profile.reshape(k, 7, 24))
    series: list[pd.Series | None] = [
        pd.Series(row, index=months, name="count") for row in per_month.reshape(k, n_months)
    ]
    return profiles, series


_NAT = np.iinfo(np.int64).min
_NS_PER_HOUR = 3_600 * 10**9
_NS_PER_DAY = 24 * _NS_PER_HOUR


def _local_ns(timestamps: ArrayLike) -> NDArray[np.int64]:
    """Local wall-clock time as int64 nanoseconds since 1970 (NaT as int64 min)."""
    if isinstance(timestamps, np.ndarray) and timestamps.dtype.kind == "M":
        return timestamps.astype("datetime64[ns]", copy=False).view(np.int64)
    idx = pd.DatetimeIndex(timestamps)
    if idx.tz is not None:
        idx = idx.tz_convert(UK_TZ).tz_localize(None)
    return np.asarray(idx.as_unit("ns").asi8, dtype=np.int64)


def records_to_frame(records: Sequence[HotspotRecord]) -> pd.DataFrame:
    """One row per hotspot; ``geometry`` holds shapely polygons in the grid CRS (metres)."""
    return pd.DataFrame(
        {
            "rank": [r.rank for r in records],
            "n_cells": [r.n_cells for r in records],
            "area_m2": [r.area_m2 for r in records],
            "count": [r.count for r in records],
            "harm": [r.harm for r in records],
            "peak_score": [r.peak_score for r in records],
            "centroid_x": [r.centroid_x for r in records],
            "centroid_y": [r.centroid_y for r in records],
            "patrol_window": [r.patrol_window.label if r.patrol_window else None for r in records],
            "geometry": [r.geometry for r in records],
        }
    )
