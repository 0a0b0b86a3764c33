import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Count, Max, Q, Sum

from hotspots.models import (
    Category,
    Force,
    HotspotRun,
    ImportBatch,
    Incident,
    MonthlyStat,
    QualityFlag,
)
from hotspots.quality_summary import summarise


def category_lookup() -> dict[str, int]:
    """Lower-cased category names and aliases to category ids, for the importers."""
    lookup: dict[str, int] = {}
    for category in Category.objects.all():
        for name in [category.name, *category.aliases]:
            lookup[name.strip().lower()] = category.pk
    return lookup


def force_list():
    return Force.objects.annotate(
        incident_count=Sum("monthly_stats__count"),
    ).order_by("name")


def batch_list(*, force: Force | None = None):
    batches = ImportBatch.objects.select_related("force", "created_by")
    return batches.filter(force=force) if force else batches


def quality_flag_list(*, force: Force | None = None):
    flags = QualityFlag.objects.select_related("force", "category")
    return flags.filter(force=force) if force else flags


def quality_flag_summaries(*, force: Force | None = None) -> list[tuple[str, list]]:
    """Per force, its flags summarised (counts and month ranges per category and kind)."""
    rows = quality_flag_list(force=force).values_list(
        "force__slug", "category__name", "month", "rule", "kind"
    )
    by_force: dict[str, list] = {}
    for slug, category, month, rule, kind in rows:
        by_force.setdefault(slug, []).append((category, f"{month:%Y-%m}", rule, kind))
    return [(slug, summarise(flags)) for slug, flags in sorted(by_force.items())]


def monthly_counts(*, force: Force, source: str | None = None) -> list[dict]:
    """Incidents per month and category, with how many are unlocated or outside the area."""
    incidents = Incident.objects.filter(force=force)
    if source:
        incidents = incidents.filter(source=source)
    rows = (
        incidents.values("month", "category__slug", "category__name")
        .annotate(
            count=Count("id"),
            no_location=Count("id", filter=Q(has_location=False)),
            outside=Count("id", filter=Q(has_location=True, in_force_area=False)),
        )
        .order_by("month", "category__name")
    )
    return list(rows)


def monthly_stat_frame(*, force: Force, source: str):
    stats = MonthlyStat.objects.filter(force=force, source=source).values(
        "category_id", "month", "count", "duplicate_rows", "distinct_rows", "copy_factor",
        "distinct_points", "no_location",
    )  # fmt: skip
    return pd.DataFrame.from_records(list(stats))


@dataclass(frozen=True)
class IncidentArrays:
    """Located, in-area incidents as arrays: x/y in projected metres (settings.PROJECTED_CRS),
    months as 'YYYY-MM', occurred_at as UTC datetime64 (NaT where the source has no time)."""

    x: np.ndarray
    y: np.ndarray
    category_id: np.ndarray
    month: np.ndarray
    occurred_at: np.ndarray
    location: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    @property
    def has_times(self) -> bool:
        return bool(len(self) and (~np.isnat(self.occurred_at)).any())


def incident_arrays(
    *, force: Force, first: dt.date, last: dt.date, category_ids: list[int], source: str
) -> IncidentArrays:
    """The incidents a hotspot run or evaluation works on, read in one query."""
    rows = (
        Incident.objects.mappable()
        .filter(force=force, source=source, category_id__in=category_ids)
        .in_months(first, last)
        .values_list("x", "y", "category_id", "month", "occurred_at", "location")
    )
    columns = list(zip(*rows, strict=True)) or [()] * 6
    return IncidentArrays(
        x=np.asarray(columns[0], dtype=float),
        y=np.asarray(columns[1], dtype=float),
        category_id=np.asarray(columns[2], dtype=np.int64),
        month=np.array([f"{m:%Y-%m}" for m in columns[3]], dtype=object),
        occurred_at=_utc_datetimes(columns[4]),
        location=np.asarray(columns[5], dtype=object),
    )


def _utc_datetimes(values) -> np.ndarray:
    series = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
    return series.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def category_ids_for(selection: str, chosen: list[int] | None = None) -> list[int]:
    """Category ids for a run's selection: ASB, all crime, everything or a chosen list."""
    if selection == "chosen":
        return list(chosen or [])
    categories = Category.objects.all()
    if selection in (Category.Group.ASB, Category.Group.CRIME):
        categories = categories.filter(group=selection)
    return list(categories.values_list("id", flat=True))


def harm_weights() -> dict[int, float]:
    return dict(Category.objects.values_list("id", "harm_weight"))


def hotspot_run_list():
    return HotspotRun.objects.with_job().prefetch_related("categories")


def hotspot_list(*, run: HotspotRun):
    return run.hotspots.order_by("rank")


def latest_month() -> dt.date | None:
    """The last month any force has data for: the forms' periods default to end there."""
    return MonthlyStat.objects.aggregate(last=Max("month"))["last"]
