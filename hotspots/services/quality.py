"""Keeping monthly statistics and data-quality flags in step with the imported incidents."""

import datetime as dt

import pandas as pd

from hotspots import quality
from hotspots.models import Category, Force, ImportBatch, MonthlyStat, QualityFlag
from hotspots.selectors import monthly_stat_frame


def monthly_stats_build(*, force: Force, source: str, rows: pd.DataFrame) -> list[MonthlyStat]:
    """The monthly statistics of `rows` (unsaved)."""
    if rows.empty:
        return []
    stats = quality.monthly_stats(_police_uk_columns(force, rows))
    return [
        MonthlyStat(
            force=force,
            source=source,
            category_id=int(row.category),
            month=_date(row.month),
            count=row.count,
            duplicate_rows=row.duplicate_rows,
            distinct_rows=row.distinct_rows,
            copy_factor=row.copy_factor,
            distinct_points=row.distinct_points,
            no_location=row.no_location,
        )  # fmt: skip
        for row in stats.itertuples(index=False)
    ]


def monthly_stats_replace(
    *, force: Force, source: str, months: list[str], stats: list[MonthlyStat]
) -> None:
    """Replace the stored monthly statistics of these months with `stats`."""
    MonthlyStat.objects.filter(force=force, source=source, month__in=_dates(months)).delete()
    MonthlyStat.objects.bulk_create(stats)


def _police_uk_columns(force: Force, rows: pd.DataFrame) -> pd.DataFrame:
    """The columns monthly_stats reads; the whole record only when no line hash was kept."""
    columns = {
        "force": force.slug,
        "Month": rows["month"],
        "Longitude": rows["longitude"],
        "Latitude": rows["latitude"],
        "Crime type": rows["category_id"],
    }
    if "row_hash" in rows.columns:
        return pd.DataFrame({**columns, "row_hash": rows["row_hash"]})
    return pd.DataFrame(
        {
            **columns,
            "Crime ID": rows["reference"],
            "Location": rows["location"],
            "LSOA code": rows["lsoa_code"],
            "LSOA name": rows["lsoa_name"],
            "Last outcome category": rows["outcome"],
            "Context": rows["context"],
        }
    )


def quality_flags_refresh(*, force: Force) -> int:
    """Recompute the force's data-quality flags over all its police.uk months."""
    QualityFlag.objects.filter(force=force).delete()
    stats = monthly_stat_frame(force=force, source=ImportBatch.Source.POLICE_UK)
    if stats.empty:
        return 0
    names = dict(Category.objects.values_list("id", "name"))
    ids = {name: pk for pk, name in names.items()}
    stats = stats.assign(
        force=force.slug,
        category=stats["category_id"].map(names),
        month=pd.to_datetime(stats["month"]).dt.strftime("%Y-%m"),
    )
    flags = quality.detect_anomalies(stats)
    QualityFlag.objects.bulk_create(
        QualityFlag(
            force=force,
            category_id=None if flag.category is None else ids[flag.category],
            month=_date(flag.month),
            kind=flag.kind,
            rule=flag.rule,
            reason=flag.reason,
            score=float(flag.score),
            count=int(flag.count),
            expected=None if pd.isna(flag.expected) else float(flag.expected),
        )  # fmt: skip
        for flag in flags.itertuples(index=False)
    )
    return len(flags)


def _date(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def _dates(months: list[str]) -> list[dt.date]:
    return [_date(m) for m in months]
