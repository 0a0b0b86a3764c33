"""Calls for service as an incident source for hotspot runs and monitoring: the freshest data
a force has (police.uk lags by months). Calls go through the hotspots app's own force-export
importer, so they are validated, placed and counted exactly like any force export, and
re-importing is idempotent on (force, reference)."""

import csv
import datetime as dt
import tempfile
from pathlib import Path

from django.utils import timezone

from calls.models import Call, IncidentTypeMapping
from hotspots.ingest.force_export import ExportMapping
from hotspots.models import Force
from hotspots.services.imports import ImportSummary, incidents_import_force_export

COLUMNS = ["reference", "occurred_at", "category", "longitude", "latitude", "priority", "status"]
MAPPING = ExportMapping(
    reference="reference", occurred_at="occurred_at", category="category",
    longitude="longitude", latitude="latitude", priority="priority", status="status",
)  # fmt: skip


def calls_import_as_incidents(
    *, force: Force, since: dt.datetime, until: dt.datetime, user=None
) -> ImportSummary | None:
    """Import the located, not cancelled calls received in [since, until) whose incident type
    maps to an incident category; None when there are none."""
    categories = dict(
        IncidentTypeMapping.objects.filter(
            force=force, incident_category__isnull=False
        ).values_list("incident_type", "incident_category__name")
    )
    calls = (
        Call.objects.filter(
            force=force,
            received_at__gte=since,
            received_at__lt=until,
            incident_type__in=list(categories),
            x__isnull=False,
        )  # fmt: skip
        .exclude(status="cancelled")
        .values_list(
            "reference",
            "received_at",
            "incident_type",
            "longitude",
            "latitude",
            "priority",
            "status",
        )  # fmt: skip
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"calls-{force.slug}-{since:%Y%m%d%H%M}-{until:%Y%m%d%H%M}.csv"
        rows = 0
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for reference, received, code, lon, lat, priority, status in calls.iterator():
                writer.writerow([reference, received.isoformat(), categories[code], lon, lat,
                                 priority, status])  # fmt: skip
                rows += 1
        if not rows:
            return None
        return incidents_import_force_export(
            path=path, mapping=MAPPING, force_slug=force.slug, on_error="skip", user=user
        )


def calls_import_recent_all(*, days: int) -> int:
    """Import the last `days` days of calls of every force that maps a type to a category."""
    until = timezone.now()
    forces = Force.objects.filter(call_type_mappings__incident_category__isnull=False).distinct()
    imported = 0
    for force in forces:
        summary = calls_import_as_incidents(
            force=force, since=until - dt.timedelta(days=days), until=until
        )
        imported += summary.rows_imported if summary else 0
    return imported
