import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db.models import Count, Max, Q, Sum

from core.months import latest_unbroken, month_span
from hotspots.models import (
    Category,
    Force,
    HotspotReview,
    HotspotRun,
    ImportBatch,
    Incident,
    MonthlyStat,
    QualityFlag,
)
from hotspots.quality_summary import summarise
from hotspots.services.columns import RowTexts, read_columns


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


@dataclass
class IncidentArrays:
    """Located, in-area incidents as arrays: primary keys, x/y in projected metres
    (settings.PROJECTED_CRS), months as datetime64[M], occurred_at as UTC datetime64 (NaT where
    the source has no time). Their streets and LSOA names are read only for the rows asked for
    (`places`)."""

    id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    category_id: np.ndarray
    month: np.ndarray
    occurred_at: np.ndarray
    texts: RowTexts = field(repr=False)

    def __len__(self) -> int:
        return len(self.x)

    @property
    def has_times(self) -> bool:
        return bool(len(self) and (~np.isnat(self.occurred_at)).any())

    def month_offsets(self, first: dt.date) -> np.ndarray:
        """Each incident's month as months after `first` (0 for `first` itself)."""
        return (self.month - np.datetime64(first, "M")).astype(np.int64)

    def places(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(location, LSOA name) of the incidents in `rows` (a mask or indices)."""
        texts = self.texts(rows)
        return texts["location"], texts["lsoa_name"]


def incident_arrays(
    *, force: Force, first: dt.date, last: dt.date, category_ids: list[int], source: str
) -> IncidentArrays:
    """The incidents a hotspot run or evaluation works on, read in one query, columns
    straight into arrays (hotspots/services/columns.py)."""
    rows = (
        Incident.objects.mappable()
        .filter(force=force, source=source, category_id__in=category_ids)
        .in_months(first, last)
    )
    columns = read_columns(rows, ["id", "x", "y", "category_id", "month", "occurred_at"])
    return IncidentArrays(
        id=columns["id"],
        x=columns["x"],
        y=columns["y"],
        category_id=columns["category_id"],
        month=columns["month"].astype("datetime64[M]"),
        occurred_at=columns["occurred_at"].astype("datetime64[ns]"),
        texts=RowTexts(Incident, columns["id"], ["location", "lsoa_name"]),
    )


@dataclass(frozen=True)
class Localities:
    """Located police.uk incidents that carry an LSOA name: x/y in metres, and the names,
    read only for the rows asked for."""

    x: np.ndarray
    y: np.ndarray
    texts: RowTexts = field(repr=False)

    def names(self, rows: np.ndarray) -> np.ndarray:
        return self.texts(rows)["lsoa_name"]


def localities_near(*, force: Force, bounds: tuple[float, float, float, float]) -> Localities:
    """The force's police.uk incidents with an LSOA name inside ``bounds`` (xmin, ymin, xmax,
    ymax), x/y in metres: localities for runs on data that has none (force exports)."""
    xmin, ymin, xmax, ymax = bounds
    rows = (
        Incident.objects.mappable()
        .filter(force=force, source=ImportBatch.Source.POLICE_UK)
        .exclude(lsoa_name="")
        .filter(x__gte=xmin, x__lte=xmax, y__gte=ymin, y__lte=ymax)
    )
    columns = read_columns(rows, ["id", "x", "y"])
    return Localities(
        x=columns["x"], y=columns["y"], texts=RowTexts(Incident, columns["id"], ["lsoa_name"])
    )


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
    return run.hotspots.select_related("area").order_by("rank")


def hotspot_area_list(*, run: HotspotRun):
    return run.areas.order_by("number")


def latest_month() -> dt.date | None:
    """The last month any force has data for: the forms' periods default to end there."""
    return MonthlyStat.objects.aggregate(last=Max("month"))["last"]


# The months a force has: one home, read from the monthly statistics every import keeps (a few
# hundred rows per force, where the incidents are millions).

SOURCE_NAMES = {
    ImportBatch.Source.POLICE_UK: "police.uk",
    ImportBatch.Source.FORCE_EXPORT: "force export",
}
DEFAULT_PERIOD_MONTHS = 12


def months_held_by_force(
    *, force_ids: list[int] | None = None
) -> dict[tuple[int, str], set[dt.date]]:
    """{(force id, source): months with at least one incident}, in one query."""
    stats = MonthlyStat.objects.order_by()
    if force_ids is not None:
        stats = stats.filter(force_id__in=force_ids)
    held: dict[tuple[int, str], set[dt.date]] = defaultdict(set)
    for force_id, source, month in stats.values_list("force_id", "source", "month").distinct():
        held[(force_id, source)].add(month)
    return dict(held)


def months_held(*, force: Force, source: str) -> list[dt.date]:
    """The months the force has data for from `source`, oldest first."""
    return sorted(months_held_by_force(force_ids=[force.pk]).get((force.pk, source), ()))


def missing_months(*, force: Force, source: str, first: dt.date, last: dt.date) -> list[dt.date]:
    """The months from `first` to `last` (inclusive) the force has no `source` data for."""
    held = set(months_held(force=force, source=source))
    return [month for month in month_span(first, last) if month not in held]


def default_period(
    *, force: Force, source: str, months: int = DEFAULT_PERIOD_MONTHS
) -> tuple[dt.date, dt.date] | None:
    """The force's latest `months` months held without a gap: what run forms, the API and
    find_hotspots use when no period is given."""
    return latest_unbroken(months_held(force=force, source=source), months)


def flagged_months(
    *, force: Force, first: dt.date, last: dt.date, category_ids: list[int] | None = None
) -> dict[dt.date, list[str]]:
    """{month: names of the flagged categories} for the force's data-quality flags in the
    period, limited to `category_ids` when given. Flags are computed on police.uk data."""
    flags = QualityFlag.objects.for_months(force, first, last)
    if category_ids is not None:
        flags = flags.filter(category_id__in=category_ids)
    months: dict[dt.date, list[str]] = defaultdict(list)
    for month, name in flags.order_by("month", "category__name").values_list(
        "month", "category__name"
    ):
        if name not in months[month]:
            months[month].append(name)
    return dict(months)


def flagged_month_list() -> dict[int, list[dt.date]]:
    """{force id: months with any data-quality flag}, for every force in one query."""
    months: dict[int, list[dt.date]] = defaultdict(list)
    rows = QualityFlag.objects.order_by("force_id", "month").values_list("force_id", "month")
    for force_id, month in rows.distinct():
        months[force_id].append(month)
    return dict(months)


def hotspot_review_list(*, force: Force | None = None):
    """Monitoring reviews, those needing attention first (most cooled, then most emerging)."""
    reviews = HotspotReview.objects.with_details().order_by(
        "-cooled", "-emerging_outside", "force__name", "kind", "-object_id"
    )
    return reviews.filter(force=force) if force else reviews
