"""Monitoring: after new months are imported, re-score the hotspots that are in use.

What is "in use" is asked of registered selection sources, each a function from a force to
a list of :class:`Selection`. This app registers the latest finished run of each force; the
patrols app registers its published plans (``patrols/monitoring.py``). Sources are looked up
at run time, so this app never imports the ones above it. Each selection is re-scored on its
run's grid from the start of the run's period to the latest month held
(:func:`hotspots.analysis.monitoring.review_selection`) and stored as a HotspotReview.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse

from core.jobs import JobError, job_start
from core.months import add_months, months_between
from hotspots.jobs import MONITOR_JOB
from hotspots.models import Force, Hotspot, HotspotReview, HotspotRun, MonthlyStat

if TYPE_CHECKING:
    import numpy as np

    from hotspots.analysis import Grid
    from hotspots.analysis.monitoring import SelectionReview

# The patrols app registers its source at start-up (PatrolsConfig.ready), so the re-scoring
# below imports the numerical libraries when it runs, not with this module.

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Selection:
    """Hotspots in use: all of one run's grid. ``kind`` is a HotspotReview.Kind."""

    kind: str
    object_id: int
    label: str
    url: str
    run: HotspotRun
    hotspots: tuple[Hotspot, ...]


SelectionSource = Callable[[Force], list[Selection]]
_SOURCES: dict[str, SelectionSource] = {}


def selection_source(name: str) -> Callable[[SelectionSource], SelectionSource]:
    """Register a function listing a force's selections to monitor (once per name)."""

    def register(source: SelectionSource) -> SelectionSource:
        _SOURCES[name] = source
        return source

    return register


@selection_source("hotspots.latest_run")
def latest_run(force: Force) -> list[Selection]:
    """The force's most recent finished run with hotspots."""
    run = (
        HotspotRun.objects.finished().filter(force=force, hotspots__isnull=False).distinct().first()
    )
    if run is None:
        return []
    url = reverse("hotspot-run-detail", args=[run.pk])
    hotspots = tuple(run.hotspots.order_by("rank"))
    return [Selection(HotspotReview.Kind.RUN, run.pk, f"Run: {run}", url, run, hotspots)]


def monitoring_after_import(*, months: dict[str, list[str]], user=None) -> list[Force]:
    """Start a monitoring job for each force an import brought months for, if it has
    finished runs to monitor; returns those forces. Nothing starts unless the import
    commits. On Celery the job is queued; in-process it runs right after the commit in the
    importing thread, since a command's process would end before a background thread did."""
    forces = Force.objects.filter(slug__in=[slug for slug, m in months.items() if m])
    watched = list(forces.filter(hotspot_runs__job__status="succeeded").distinct())
    for force in watched:
        if settings.JOBS_USE_CELERY:
            monitoring_start(force=force, user=user)
        else:
            transaction.on_commit(partial(monitoring_start, force=force, user=user, sync=True))
    return watched


def monitoring_start(*, force: Force, user=None, sync: bool = False, listener=None):
    """Record a monitoring job for the force and run it (see core.jobs.job_start)."""
    return job_start(
        kind=MONITOR_JOB, params={"force": force.slug}, user=user, sync=sync, listener=listener
    )


def hotspots_monitor(*, force: Force, job=None, progress: Progress | None = None) -> dict:
    """Review every selection of the force; returns what the job stores as its result."""
    report = progress or (lambda percent, message="": None)
    selections = [s for source in list(_SOURCES.values()) for s in source(force)]
    _drop_stale_reviews(force, selections)
    if not selections:
        return {"force": force.slug, "reviews": 0, "skipped": []}
    reviewed, skipped = [], []
    for i, selection in enumerate(selections):
        report(100 * i / len(selections), f"reviewing {selection.label}")
        try:
            review = hotspot_review_build(selection=selection, job=job)
        except JobError as reason:
            skipped.append({"label": selection.label, "reason": str(reason)})
            continue
        reviewed.append(review)
    return {
        "force": force.slug,
        "reviews": len(reviewed),
        "cooled": sum(r.cooled for r in reviewed),
        "emerging_outside": sum(r.emerging_outside for r in reviewed),
        "skipped": skipped,
    }


def _drop_stale_reviews(force: Force, selections: list[Selection]) -> None:
    """Reviews of selections no longer in use (a superseded run, an unpublished plan) go."""
    current = {(s.kind, s.object_id) for s in selections}
    stale = [
        pk
        for pk, kind, object_id in force.hotspot_reviews.values_list("pk", "kind", "object_id")
        if (kind, object_id) not in current
    ]
    HotspotReview.objects.filter(pk__in=stale).delete()


@transaction.atomic
def hotspot_review_build(*, selection: Selection, job=None) -> HotspotReview:
    """Re-score one selection and store it, replacing its previous review."""

    from hotspots import selectors
    from hotspots.analysis import Grid
    from hotspots.analysis.emerging import MIN_TIME_STEPS, monthly_cube
    from hotspots.analysis.monitoring import review_selection
    from hotspots.services.runs import method_options, run_weights

    run = selection.run
    if not run.grid:
        raise JobError(f"{run} has no grid recorded; run it again.")
    grid = Grid(**{k: v for k, v in run.grid.items() if k != "study_cells"})
    first, last = run.period_start, _latest_month(run)
    n_months = months_between(first, last) + 1
    if n_months < MIN_TIME_STEPS:
        raise JobError(f"{run} covers fewer than {MIN_TIME_STEPS} months up to {last:%Y-%m}.")
    recent = min(settings.HOTSPOT_MONITOR_RECENT_MONTHS, n_months)
    data = selectors.incident_arrays(
        force=run.force, first=first, last=last, source=run.source,
        category_ids=selectors.category_ids_for(
            run.selection, list(run.categories.values_list("id", flat=True))
        ),
    )  # fmt: skip
    months = data.month_offsets(first)
    cube = monthly_cube(
        grid.shape, grid.cell_of(data.x, data.y), months, n_months,
        run_weights(run, data),
    )  # fmt: skip
    options = method_options(run.options, min_incidents=1, max_hotspots=1)
    review = review_selection(
        cube, [h.cells for h in selection.hotspots], recent_months=recent,
        centres=grid.centres(), neighbourhood=options.neighbourhood, cell_m=grid.cell_m,
        mask=_mask(run, grid), alpha=float(run.options.get("alpha", 0.05)),
        min_recent=_min_recent(run, recent),
    )  # fmt: skip
    recent_start = add_months(last, 1 - recent)
    places = _place_labels(review, data, grid)
    return _store(selection, review, first, last, recent_start, job, places)


def _store(
    selection: Selection,
    review: "SelectionReview",
    first: dt.date,
    last: dt.date,
    recent_start: dt.date,
    job,
    places: list[str],
) -> HotspotReview:
    review_row, _ = HotspotReview.objects.update_or_create(
        kind=selection.kind,
        object_id=selection.object_id,
        defaults={
            "force": selection.run.force, "label": selection.label[:255],
            "url": selection.url, "run": selection.run,
            "selection_start": selection.run.period_start,
            "selection_end": selection.run.period_end,
            "recent_start": recent_start, "recent_end": last,
            "hotspots": len(selection.hotspots), "cooled": len(review.cooled),
            "emerging_outside": len(review.emerging_outside), "jaccard": review.jaccard,
            "result": _result_json(review, selection.hotspots, first, places), "job": job,
        },
    )  # fmt: skip
    return review_row


def _place_labels(review: "SelectionReview", data, grid: "Grid") -> list[str]:
    """'Street, town' of each emerging place outside the selection, as hotspots are named."""
    import numpy as np

    from hotspots.analysis.labels import Place, unique_labels

    cells = grid.cell_of(data.x, data.y)
    places = []
    for place in review.emerging_outside:
        location, lsoa = data.places(np.isin(cells, place.cells))
        places.append(Place.from_rows(location, lsoa, place.x, place.y))
    return unique_labels(places, fallback="Place {n}")


def _result_json(
    review: "SelectionReview", hotspots: Iterable[Hotspot], first: dt.date, places: list[str]
) -> dict:
    """The review plus what a reader needs without the grid: hotspot ids, ranks and labels,
    months as 'YYYY-MM' and the places in lon/lat with their street and town."""
    from hotspots.services.geometry import point_to_lonlat

    listed = list(hotspots)
    data = review.to_json()
    for check in data["hotspots"]:
        hotspot = listed[check["position"]]
        check.update(hotspot_id=hotspot.pk, rank=hotspot.rank, label=hotspot.label)
        if check["last_hot"] is not None:
            last_hot = add_months(first, check["last_hot"])
            check["last_hot_month"] = f"{last_hot:%Y-%m}"
    for place, label in zip(data["emerging_outside"], places, strict=True):
        place["lon"], place["lat"] = point_to_lonlat(place["x"], place["y"])
        place["label"] = label
    return data


def _min_recent(run: HotspotRun, recent_months: int) -> float:
    """A run's minimum incidents a hotspot, at the same monthly rate over the latest months."""
    selection_months = months_between(run.period_start, run.period_end) + 1
    return run.min_incidents * recent_months / selection_months


def _latest_month(run: HotspotRun) -> dt.date:
    latest = MonthlyStat.objects.filter(force=run.force, source=run.source).aggregate(
        last=Max("month")
    )["last"]
    return max(latest or run.period_end, run.period_end)


def _mask(run: HotspotRun, grid: "Grid") -> "np.ndarray | None":
    import shapely

    from hotspots.analysis import mask_from_polygon
    from hotspots.services.geometry import to_projected

    if not (run.clip_to_boundary and run.force.boundary):
        return None
    polygon = to_projected(shapely.geometry.shape(run.force.boundary))
    return mask_from_polygon(grid, polygon)
