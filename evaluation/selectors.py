"""Reads for evaluations: incidents by month, force totals, quality flags, patrol dose and
patrol activity. Coordinates are projected metres (settings.PROJECTED_CRS)."""

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Count, DurationField, ExpressionWrapper, F, IntegerField, Sum
from django.db.models.functions import Cast, Floor
from django.utils import timezone

from evaluation.models import Evaluation
from hotspots.analysis import Grid
from hotspots.models import (
    Category,
    Force,
    Hotspot,
    ImportBatch,
    Incident,
    MonthlyStat,
    QualityFlag,
)
from hotspots.services.columns import read_columns
from patrols.models import PatrolAssignment, PatrolPlan, PatrolVisit

Period = tuple[dt.date, dt.date]


def evaluation_list():
    return Evaluation.objects.with_details().prefetch_related("categories")


@dataclass(frozen=True)
class MonthlyIncidents:
    """Located, in-area incidents: x/y in metres, category ids and month indices into
    `months` (the months asked for, in order)."""

    x: np.ndarray
    y: np.ndarray
    category_id: np.ndarray
    month: np.ndarray


def located_incidents(*, force: Force, source: str, months: list[dt.date]) -> MonthlyIncidents:
    """Every mappable incident of the force in these months, in one query. Only the four
    columns the counts need are read, straight into arrays (hotspots/services/columns.py):
    this is the evaluation's one big read."""
    rows = Incident.objects.mappable().filter(force=force, source=source, month__in=months)
    columns = read_columns(rows, ["x", "y", "category_id", "month"])
    asked = np.array([np.datetime64(m, "M") for m in months], dtype="datetime64[M]")
    order = np.argsort(asked)
    read = columns["month"].astype("datetime64[M]")
    return MonthlyIncidents(
        x=columns["x"],
        y=columns["y"],
        category_id=columns["category_id"],
        month=order[np.searchsorted(asked, read, sorter=order)].astype(np.int64),
    )


def cell_month_counts(
    *, force: Force, source: str, months: list[dt.date], grid: Grid, cells: list[int]
) -> list[tuple[int, int, dt.date, int]]:
    """(cell, category id, month, incidents) of the located incidents in these cells of the
    grid, counted by the database: for months where only a few places matter (the
    regression-to-the-mean check reads every month held), so that no row is sent here.
    The cell is Grid.cell_of's: row·nx + column with column = ⌊(x − x0)/cell_m⌋."""
    if not months or not cells:
        return []
    column = Floor((F("x") - grid.x0) / grid.cell_m)
    row = Floor((F("y") - grid.y0) / grid.cell_m)
    rows = (
        Incident.objects.mappable()
        .filter(force=force, source=source, month__in=months)
        .annotate(column=column, row=row)
        .filter(column__gte=0, column__lt=grid.nx, row__gte=0, row__lt=grid.ny)
        .annotate(cell=Cast(F("row") * grid.nx + F("column"), IntegerField()))
        .filter(cell__in=cells)
        .values_list("cell", "category_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(int(c), k, m, n) for c, k, m, n in rows]


def force_month_totals(*, force: Force, source: str, months: list[dt.date]) -> list[tuple]:
    """(category id, month, count) of every incident of the force, located or not: the
    force-wide figures count rows without a location too."""
    return list(
        MonthlyStat.objects.filter(force=force, source=source, month__in=months).values_list(
            "category_id", "month", "count"
        )
    )


def months_with_data(*, force: Force, source: str, first: dt.date, last: dt.date) -> list[dt.date]:
    stats = MonthlyStat.objects.filter(force=force, source=source, month__range=(first, last))
    return sorted(set(stats.values_list("month", flat=True)))


def quality_flags(*, force: Force, months: list[dt.date]):
    return QualityFlag.objects.filter(force=force, month__in=months).select_related("category")


def categories() -> list[Category]:
    return list(Category.objects.order_by("group", "name"))


def evaluated_hotspots(*, run_id: int, plan: PatrolPlan | None) -> tuple[list, list]:
    """(treated, control) hotspots in rank order: a plan's hotspots against the rest of its
    run, or every hotspot of a run and no controls."""
    hotspots = list(Hotspot.objects.filter(run_id=run_id).order_by("rank"))
    if plan is None:
        return hotspots, []
    chosen = set(plan.plan_hotspots.values_list("hotspot_id", flat=True))
    return [h for h in hotspots if h.pk in chosen], [h for h in hotspots if h.pk not in chosen]


def _day_bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight at the start of the first day and after the last day."""
    zone = timezone.get_default_timezone()
    first, last = period
    start = dt.datetime.combine(first, dt.time.min, zone)
    return start, dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, zone)


def patrol_dose(*, hotspot_ids: list[int], period: Period) -> dict[int, dict]:
    """Patrol minutes per hotspot from the assignments starting in the period (local days):
    planned (every assignment not cancelled) and delivered (status done), with counts."""
    start, end = _day_bounds(period)
    length = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    rows = (
        PatrolAssignment.objects.filter(hotspot_id__in=hotspot_ids, start__gte=start, start__lt=end)
        .exclude(status=PatrolAssignment.Status.CANCELLED)
        .values("hotspot_id", "status")
        .annotate(minutes=Sum(length), n=Count("id"))
    )
    dose: dict[int, dict] = {}
    for row in rows:
        item = dose.setdefault(row["hotspot_id"], _empty_dose())
        minutes = row["minutes"].total_seconds() / 60 if row["minutes"] else 0.0
        item["planned_minutes"] += minutes
        item["assignments"] += row["n"]
        if row["status"] == PatrolAssignment.Status.DONE:
            item["delivered_minutes"] += minutes
            item["done"] += row["n"]
        elif row["status"] == PatrolAssignment.Status.MISSED:
            item["missed"] += row["n"]
    return dose


def _empty_dose() -> dict:
    return {"planned_minutes": 0.0, "delivered_minutes": 0.0, "assignments": 0, "done": 0,
            "missed": 0}  # fmt: skip


ACTIVITY_COUNTS = ("arrests", "stop_searches", "dispersals", "people_engaged")


def patrol_activity(plan_or_hotspots, period: Period) -> dict:
    """What officers did on their visits to these hotspots (a PatrolPlan or hotspot ids) in
    the period, from the visits logged on tablets: visits, hours on visits, minutes inside
    the hotspots and totals of arrests, stop-searches, dispersals and people engaged."""
    start, end = _day_bounds(period)
    visits = PatrolVisit.objects.filter(started_at__gte=start, started_at__lt=end)
    if isinstance(plan_or_hotspots, PatrolPlan):
        hotspots = plan_or_hotspots.plan_hotspots.values("hotspot_id")
    else:
        hotspots = list(plan_or_hotspots)
    visits = visits.filter(hotspot_id__in=hotspots)
    totals = visits.aggregate(
        visits_logged=Count("id"), minutes_inside=Sum("minutes_inside"),
        **{name: Sum(name) for name in ACTIVITY_COUNTS},
    )  # fmt: skip
    if not totals["visits_logged"]:
        return {"visits_logged": 0, **dict.fromkeys(ACTIVITY_COUNTS), "minutes_inside": None,
                "note": "no visits logged"}  # fmt: skip
    return {**totals, "note": ""}


@dataclass(frozen=True)
class TimedIncidents:
    """Force-export incidents with times: x/y metres, category ids, local calendar days."""

    x: np.ndarray
    y: np.ndarray
    category_id: np.ndarray
    day: np.ndarray


def timed_incidents(*, force: Force, period: Period) -> TimedIncidents:
    """Force-export incidents that occurred in the period (local days). police.uk publishes
    months only, so a daily comparison needs these."""
    start, end = _day_bounds(period)
    rows = (
        Incident.objects.mappable()
        .filter(force=force, source=ImportBatch.Source.FORCE_EXPORT)
        .filter(occurred_at__gte=start, occurred_at__lt=end)
    )
    columns = read_columns(rows, ["x", "y", "category_id", "occurred_at"])
    local = pd.DatetimeIndex(columns["occurred_at"]).tz_localize("UTC")
    local = local.tz_convert(timezone.get_default_timezone()).tz_localize(None)
    days = np.datetime_as_string(local.to_numpy().astype("datetime64[D]"))
    return TimedIncidents(
        x=columns["x"],
        y=columns["y"],
        category_id=columns["category_id"],
        day=days.astype(object),
    )
