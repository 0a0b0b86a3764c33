from django.db.models import Count, Q, Sum

from hotspots.models import Category, Force, ImportBatch, Incident, MonthlyStat, QualityFlag


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
    import pandas as pd

    stats = MonthlyStat.objects.filter(force=force, source=source).values(
        "category_id", "month", "count", "duplicate_rows", "distinct_rows", "copy_factor",
        "distinct_points", "no_location",
    )  # fmt: skip
    return pd.DataFrame.from_records(list(stats))
