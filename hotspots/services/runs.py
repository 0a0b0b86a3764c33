"""Hotspot runs: from stored incidents to ranked, described hotspots, and method comparison."""

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction

from core.jobs import JobError, job_start
from hotspots import selectors
from hotspots.analysis import Neighbourhood, cells_to_polygon, describe_hotspots
from hotspots.analysis.labels import Place, place_label, unique_labels
from hotspots.analysis.methods import MethodOptions, compare_methods, find_hotspots
from hotspots.models import Category, Force, Hotspot, HotspotArea, HotspotRun, ImportBatch
from hotspots.schemes import comparison_groups
from hotspots.services.geometry import force_study_area, point_to_lonlat, study_area, to_lonlat
from hotspots.services.run_setup import run_setup_notes

Progress = Callable[[float, str], None]
OPTION_NAMES = set(MethodOptions.__dataclass_fields__) - {"neighbourhood"}


def method_options(run_options: dict, *, min_incidents: int, max_hotspots: int) -> MethodOptions:
    """MethodOptions from a run's stored options; the neighbourhood is
    {"kind": "queen", "order": k} or {"kind": "distance", "band_m": metres}. The largest
    hotspot is ``max_area_km2`` (default settings.HOTSPOT_MAX_AREA_KM2)."""
    values = {k: v for k, v in run_options.items() if k in OPTION_NAMES}
    values["max_area_m2"] = max_area_km2(run_options) * 1e6
    hood = run_options.get("neighbourhood") or {"kind": "queen", "order": 1}
    if hood.get("kind") == "distance":
        neighbourhood = Neighbourhood.distance(float(hood["band_m"]))
    else:
        neighbourhood = Neighbourhood.queen(int(hood.get("order", 1)))
    return MethodOptions(
        neighbourhood=neighbourhood, min_incidents=min_incidents, max_hotspots=max_hotspots,
        **values,
    )  # fmt: skip


def max_area_km2(run_options: dict) -> float:
    """The run's largest patrol-scale hotspot in km² (runs made before the option existed
    read the setting)."""
    return float(run_options.get("max_area_km2") or settings.HOTSPOT_MAX_AREA_KM2)


def hotspot_run_start(
    *, force: Force, category_ids: list[int] | None = None, user=None, sync: bool = False,
    listener=None, **fields,
) -> HotspotRun:  # fmt: skip
    """Record a run and start its job: queued when the run is committed, or with `sync` run
    here and now (the management command). `fields` are HotspotRun fields."""
    with transaction.atomic():
        run = HotspotRun.objects.create(force=force, created_by=user, **fields)
        if category_ids:
            run.categories.set(category_ids)
        if not sync:
            run.job = job_start(kind="hotspots.find", params={"run_id": run.pk}, user=user)
            run.save(update_fields=["job"])
    if sync:
        run.job = job_start(
            kind="hotspots.find", params={"run_id": run.pk}, user=user, sync=True, listener=listener
        )
        run.save(update_fields=["job"])
    return run


def hotspot_run_execute(*, run: HotspotRun, progress: Progress) -> dict:
    """Find, rank and describe the run's hotspots, replacing any it had."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    progress(5, "reading incidents")
    data = _incidents(run)
    timings["read_s"] = time.perf_counter() - clock
    if not len(data):
        raise JobError("No located incidents in the force area match this period and selection.")
    progress(30, f"analysing {len(data):,} incidents")
    clock = time.perf_counter()
    area = study_area(run.force, data.x, data.y, run.cell_m, run.clip_to_boundary)
    grid, mask = area.grid, area.mask
    weights = run_weights(run, data)
    options = method_options(
        run.options, min_incidents=run.min_incidents, max_hotspots=run.max_hotspots
    )
    result = find_hotspots(run.method, grid, data.x, data.y, weights, mask=mask, options=options)
    timings["analysis_s"] = time.perf_counter() - clock
    progress(70, f"describing {len(result.hotspots)} hotspots")
    clock = time.perf_counter()
    cells = grid.cell_of(data.x, data.y)
    profile_cells, times = _timed_incidents(run, grid, data, cells)
    records = describe_hotspots(
        grid, result.hotspots, point_cells=profile_cells, timestamps=_local(times)
    )
    study_cells = int(mask.sum()) if mask is not None else grid.n_cells
    in_study = cells >= 0 if mask is None else (cells >= 0) & mask.ravel()[np.maximum(cells, 0)]
    context = _Context(run, data, cells, in_study, study_cells * grid.cell_area_m2, grid)
    context.has_times = times is not None
    # Streets and localities are read once, for the incidents inside hotspots and areas.
    named = [r.cells for r in records] + [a.cells for a in result.areas]
    data.places(np.isin(cells, np.concatenate(named)) if named else np.zeros(len(data), bool))
    places = [_place(r.cells, r.centroid_x, r.centroid_y, context) for r in records]
    labels = unique_labels(places)
    hotspots = [
        _hotspot(run, record, context, label) for record, label in zip(records, labels, strict=True)
    ]
    areas = [_area(run, grid, found, context) for found in result.areas]
    with transaction.atomic():
        run.hotspots.all().delete()
        run.areas.all().delete()
        HotspotArea.objects.bulk_create(areas)
        by_number = {hotspot_area.number: hotspot_area for hotspot_area in areas}
        for hotspot, found in zip(hotspots, result.hotspots, strict=True):
            hotspot.area = by_number.get(found.area)
        Hotspot.objects.bulk_create(hotspots)
        timings["describe_s"] = time.perf_counter() - clock
        run.grid = {**asdict(grid), "study_cells": study_cells}
        run.timings = {k: round(v, 3) for k, v in timings.items()}
        run.summary = {
            **_summary(hotspots, areas, context),
            **run_setup_notes(run=run, area=area, data=data),
        }
        run.save(update_fields=["grid", "timings", "summary"])
    return run.summary


def _incidents(run: HotspotRun) -> selectors.IncidentArrays:
    chosen = list(run.categories.values_list("id", flat=True))
    ids = selectors.category_ids_for(run.selection, chosen)
    return selectors.incident_arrays(
        force=run.force, first=run.period_start, last=run.period_end,
        category_ids=ids + [c for c, _ in _joined_groups(run, ids) if c not in ids],
        source=run.source,
    )  # fmt: skip


def _group_names(run: HotspotRun) -> list[str]:
    chosen = list(run.categories.values_list("id", flat=True))
    return sorted({name for _, name in _joined_groups(run, chosen)})


def _joined_groups(run: HotspotRun, ids: list[int]) -> list[tuple[int, str]]:
    """When a police.uk run's period spans a category change, chosen categories count with
    the categories they were published with (docs/categories.md): (category id, group name)
    of every member of a group that joins categories and touches the chosen ones."""
    if run.selection != HotspotRun.Selection.CHOSEN or run.source != ImportBatch.Source.POLICE_UK:
        return []
    months, month = [], run.period_start
    while month <= run.period_end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    groups = comparison_groups(months, months)
    names = dict(Category.objects.values_list("id", "name"))
    touched = [g for g in groups.groups_for(names[i] for i in ids) if not g.single]
    by_name = {name: pk for pk, name in names.items()}
    return [(by_name[c], g.name) for g in touched for c in g.categories if c in by_name]


def run_weights(run: HotspotRun, data: selectors.IncidentArrays) -> np.ndarray | None:
    """Per-incident harm weights of a run (None: count incidents): runs and their monitoring."""
    return _harm_of(data.category_id) if run.harm_weighted else None


def _harm_of(category_ids: np.ndarray) -> np.ndarray:
    """Each incident's harm weight (days of custody) from its category."""
    harm = selectors.harm_weights()
    lookup = np.zeros(max(harm) + 1)
    lookup[list(harm)] = list(harm.values())
    return lookup[category_ids]


def _timed_incidents(run: HotspotRun, grid, data, cells) -> tuple[np.ndarray, np.ndarray | None]:
    """Incidents with times for the hour-by-weekday profiles: the run's own, or else (police.uk
    has months only) the force export's incidents of the same period and categories."""
    if data.has_times or run.source == ImportBatch.Source.FORCE_EXPORT:
        return cells, data.occurred_at if data.has_times else None
    chosen = list(run.categories.values_list("id", flat=True))
    timed = selectors.incident_arrays(
        force=run.force, first=run.period_start, last=run.period_end,
        category_ids=selectors.category_ids_for(run.selection, chosen),
        source=ImportBatch.Source.FORCE_EXPORT,
    )  # fmt: skip
    if not timed.has_times:
        return cells, None
    return grid.cell_of(timed.x, timed.y), timed.occurred_at


def _local(times: np.ndarray | None) -> pd.DatetimeIndex | None:
    """UTC times as Europe/London wall-clock times: patrol windows are in local hours."""
    if times is None:
        return None
    return pd.DatetimeIndex(times).tz_localize("UTC").tz_convert(settings.TIME_ZONE)


class _Context:
    """What every hotspot of a run is described against."""

    def __init__(self, run, data, cells, in_study, study_area_m2, grid):
        self.run, self.data, self.cells, self.grid = run, data, cells, grid
        self.in_study = in_study
        self.has_times = False
        self.total = int(in_study.sum())
        self.study_area_m2 = study_area_m2
        self.names = dict(Category.objects.values_list("id", "slug"))
        first, last = run.period_start, run.period_end
        self.months = [f"{p:%Y-%m}" for p in pd.period_range(first, last, freq="M")]
        self.month_offsets = data.month_offsets(first)
        self._near: tuple | None = None

    def borrowed_localities(self, cells: np.ndarray) -> np.ndarray:
        """LSOA names of the force's police.uk incidents in ``cells`` (read once per run)."""
        if self._near is None:
            x, y = self.data.x, self.data.y
            bounds = (x.min(), y.min(), x.max(), y.max()) if len(x) else (0, 0, 0, 0)
            near = selectors.localities_near(force=self.run.force, bounds=bounds)
            self._near = (self.grid.cell_of(near.x, near.y), near)
        near_cells, near = self._near
        return near.names(np.isin(near_cells, cells))


def _place(cells: np.ndarray, x: float, y: float, context: _Context) -> Place:
    """The streets and localities of the incidents in ``cells``; where they carry no LSOA
    name (force exports), the localities of the force's police.uk incidents there."""
    location, lsoa = context.data.places(np.isin(context.cells, cells))
    if not any(lsoa):
        lsoa = context.borrowed_localities(cells)
    return Place.from_rows(location, lsoa, x, y)


def _hotspot(run: HotspotRun, record, context: _Context, label: str) -> Hotspot:
    inside = np.isin(context.cells, record.cells) & context.in_study
    share_incidents = int(inside.sum()) / max(context.total, 1)
    share_area = record.area_m2 / context.study_area_m2
    lon, lat = point_to_lonlat(record.centroid_x, record.centroid_y)
    months = np.bincount(context.month_offsets[inside], minlength=len(context.months))
    categories = Counter(context.data.category_id[inside].tolist())
    return Hotspot(
        run=run, rank=record.rank, label=label[:255],
        cells=record.cells.tolist(), geometry=to_lonlat(record.geometry).__geo_interface__,
        centroid_lon=lon, centroid_lat=lat, centroid_x=record.centroid_x,
        centroid_y=record.centroid_y, area_m2=record.area_m2, incident_count=int(inside.sum()),
        harm=record.harm, share_of_incidents=share_incidents, share_of_area=share_area,
        pai=share_incidents / share_area if share_area else 0.0,
        peak_score=record.peak_score if np.isfinite(record.peak_score) else 0.0,
        counts_by_category={context.names[c]: n for c, n in categories.most_common()},
        monthly_trend={m: int(n) for m, n in zip(context.months, months, strict=False)},
        hour_weekday=None if record.profile is None else record.profile.tolist(),
        patrol_window="" if record.patrol_window is None else record.patrol_window.label,
    )  # fmt: skip


def _area(run: HotspotRun, grid, area, context: _Context) -> HotspotArea:
    geometry = cells_to_polygon(grid, area.cells)
    centre = geometry.centroid
    place = _place(area.cells, centre.x, centre.y, context)
    inside = np.isin(context.cells, area.cells) & context.in_study
    return HotspotArea(
        run=run, number=area.number, label=place_label(place, 2, f"Area {area.number}")[:255],
        cells=area.cells.tolist(), geometry=to_lonlat(geometry).__geo_interface__,
        area_m2=area.n_cells * grid.cell_area_m2, incident_count=int(inside.sum()),
        harm=area.harm,
    )  # fmt: skip


def _summary(hotspots: list[Hotspot], areas: list[HotspotArea], context: _Context) -> dict:
    captured = sum(h.incident_count for h in hotspots)
    area = sum(h.area_m2 for h in hotspots)
    share_incidents = captured / max(context.total, 1)
    share_area = area / context.study_area_m2
    return {
        "max_area_km2": max_area_km2(context.run.options),
        "largest_hotspot_km2": max((h.area_m2 for h in hotspots), default=0.0) / 1e6,
        "hotspot_areas": len(areas),
        "largest_area_km2": max((a.area_m2 for a in areas), default=0.0) / 1e6,
        "incidents": context.total,
        "hotspots": len(hotspots),
        "incidents_in_hotspots": captured,
        "share_of_incidents": share_incidents,
        "share_of_area": share_area,
        "pai": share_incidents / share_area if share_area else 0.0,
        "study_area_km2": context.study_area_m2 / 1e6,
        "has_times": context.has_times,
        # Groups the chosen categories were counted in across a police.uk category change.
        "category_groups": _group_names(context.run),
    }


Period = tuple[dt.date, dt.date]


def methods_compare(
    *, force: Force, selection_period: Period, test_period: Period, category_ids: list[int],
    source: str, cell_m: int, options: MethodOptions, harm_weighted: bool,
    clip_to_boundary: bool = True, progress: Progress,
) -> dict:  # fmt: skip
    """PAI, RRI, hit rates and stability of every method, selected on one period and tested
    on a later one, on one grid."""
    progress(5, "reading incidents")
    arrays = [
        selectors.incident_arrays(
            force=force, first=first, last=last, category_ids=category_ids, source=source
        )
        for first, last in (selection_period, test_period)
    ]
    both_x = np.concatenate([a.x for a in arrays])
    both_y = np.concatenate([a.y for a in arrays])
    grid, mask = force_study_area(force, both_x, both_y, cell_m, clip_to_boundary)
    selection, test = (
        (a.x, a.y, _harm_of(a.category_id) if harm_weighted else None) for a in arrays
    )
    progress(20, "comparing methods")
    rows = compare_methods(grid, selection, test, mask=mask, options=options)
    return {
        "incidents": {"selection": len(arrays[0]), "test": len(arrays[1])},
        "rows": [_finite(asdict(row)) for row in rows],
    }


def _finite(row: dict) -> dict:
    """None for measures that are undefined (NaN), e.g. PAI of a method that found nothing."""
    return {k: None if isinstance(v, float) and not np.isfinite(v) else v for k, v in row.items()}


OPTION_FIELDS = ("alpha", "permutations", "bandwidth_m", "kernel", "kde_share", "eps_m",
                 "min_samples", "min_cluster_size", "max_area_km2")  # fmt: skip


def _options(data: dict) -> dict:
    options = {name: data[name] for name in OPTION_FIELDS if name in data}
    options["neighbourhood"] = dict(data.get("neighbourhood") or {"kind": "queen", "order": 1})
    return options


def hotspot_run_request(*, data: dict, user, sync: bool = False, listener=None) -> HotspotRun:
    """Start a run from validated request data (API, form or command)."""
    categories = data.get("categories") or []
    return hotspot_run_start(
        force=data["force"], user=user, category_ids=[c.pk for c in categories],
        sync=sync, listener=listener,
        name=data.get("name", ""), method=data["method"], source=data["source"],
        period_start=data["period_start"], period_end=data["period_end"],
        selection=data["selection"], harm_weighted=data["harm_weighted"],
        cell_m=data.get("cell_m") or settings.GRID_CELL_M, options=_options(data),
        min_incidents=data["min_incidents"], max_hotspots=data["max_hotspots"],
        clip_to_boundary=data["clip_to_boundary"],
    )  # fmt: skip


def comparison_params(data: dict) -> dict:
    """JSON job parameters for a method comparison from validated request data."""
    chosen = [c.pk for c in data.get("categories") or []]
    return {
        "force": data["force"].slug,
        "source": data["source"],
        **{
            k: f"{data[k]:%Y-%m}"
            for k in ("selection_start", "selection_end", "test_start", "test_end")
        },
        "category_ids": selectors.category_ids_for(data["selection"], chosen),
        "cell_m": data.get("cell_m") or settings.GRID_CELL_M,
        "options": _options(data),
        "min_incidents": data["min_incidents"],
        "max_hotspots": data["max_hotspots"],
        "harm_weighted": data["harm_weighted"],
    }
