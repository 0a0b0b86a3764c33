"""Passive location: vehicle or radio location pings imported from a force's export, and the
minutes they put officers inside hotspots, so that patrols not logged on a tablet still count
(delivered minutes of source "passive").

Import: a CSV read through a column mapping of our fields to the force's column names
(``at``, ``lon``, ``lat``, ``accuracy`` and ``unit`` and/or ``officer``; optionally
``at_format``, a strftime format, and ``timezone`` for times without an offset, default
Europe/London). A row names its officer by collar number (``officer``) or by a unit that a
:class:`~patrols.models.UnitAlias` links to an officer. Any bad row rejects the whole file with
its file, line and field; nothing is half-written. A fix already stored (same officer, unit and
time) is not added again, so a re-sent export is harmless.

Dose: :func:`passive_minutes`, by the GPS rules of :mod:`patrols.dosage` (a fix is inside when
its accuracy circle reaches the hotspot buffered by ``DOSE_TOLERANCE_M``; fixes rougher than
100 m are unusable; the time between consecutive fixes counts inside, half or not at all by
whether its ends are inside, and is unknown when longer than ``DOSE_MAX_GAP_S``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotspots.ingest.common import ErrorCollector, check_coordinates, read_table
from hotspots.ingest.errors import FileRejected, RowError
from hotspots.ingest.readers import Source, decode
from hotspots.models import Force, Hotspot
from hotspots.services.geometry import to_projected
from patrols import dosage
from patrols.models import (
    LocationImport,
    LocationPing,
    OfficerProfile,
    PatrolPlan,
    PlanHotspot,
    UnitAlias,
)

FIELDS = ("at", "lon", "lat", "accuracy", "unit", "officer")
OPTIONS = ("at_format", "timezone")
REQUIRED = ("at", "lon", "lat", "accuracy")
LONLAT_BOUNDS = (-180, 180, -90, 90)

Cell = tuple[int, int, dt.date]  # (hotspot id, officer id, local day)


class MappingError(ValueError):
    """A column mapping that cannot be used."""


def parse_mapping(text: str) -> dict[str, str]:
    """``field=Column`` pairs separated by commas (as given on the command line or the form),
    e.g. ``unit=CallSign,at=Timestamp,lon=Long,lat=Lat,accuracy=Accuracy``."""
    mapping: dict[str, str] = {}
    for part in (p for p in text.split(",") if p.strip()):
        key, sep, column = part.partition("=")
        key, column = key.strip(), column.strip()
        if not sep or not column:
            raise MappingError(f"'{part.strip()}' is not field=Column")
        if key not in FIELDS + OPTIONS:
            raise MappingError(f"unknown field '{key}' (use {', '.join(FIELDS + OPTIONS)})")
        if key in mapping:
            raise MappingError(f"field '{key}' is given twice")
        mapping[key] = column
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        raise MappingError(f"the mapping needs {', '.join(missing)}")
    if "unit" not in mapping and "officer" not in mapping:
        raise MappingError("the mapping needs a unit or an officer column")
    return mapping


@dataclass(frozen=True)
class ImportResult:
    batch: LocationImport
    rows: int
    added: int


def import_pings(
    *, force: Force, source: Source, mapping: Mapping[str, str], user=None
) -> ImportResult:
    """Read, check and store one export in one transaction; FileRejected lists every bad row
    (file, line, field) and nothing is stored."""
    mapping = dict(mapping)
    columns = [mapping[f] for f in FIELDS if f in mapping]
    frame, lines, errors_before, _ = read_table(decode(source), source.name)
    if errors_before:
        raise FileRejected(errors_before)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found = ", ".join(repr(c) for c in frame.columns)
        shown = ", ".join(repr(c) for c in missing)
        raise FileRejected([RowError(source.name, 1, None, f"missing {shown} (found {found})")])
    errors = ErrorCollector(source.name, frame, lines)
    at = _times(errors, frame, mapping)
    lon, lat, located = check_coordinates(
        errors, frame, mapping["lon"], mapping["lat"], LONLAT_BOUNDS
    )
    errors.check(~located, mapping["lon"], "is empty; every ping needs a position")
    accuracy = pd.to_numeric(frame[mapping["accuracy"]].str.strip(), errors="coerce").to_numpy()
    with np.errstate(invalid="ignore"):
        errors.check(
            ~np.isfinite(accuracy) | (accuracy < 0), mapping["accuracy"],
            "is not a number of metres (0 or more)",
        )  # fmt: skip
    officers = _officers(errors, frame, mapping, force)
    if errors.errors:
        raise FileRejected(sorted(errors.errors, key=lambda e: (e.line or 0, e.field or "")))
    units = frame[mapping["unit"]].str.strip() if "unit" in mapping else pd.Series("", frame.index)
    points = to_projected(shapely.points(np.column_stack([lon, lat])))
    rows = [
        LocationPing(
            officer_id=int(officers[i]),
            unit=units.iloc[i],
            at=at.iloc[i].to_pydatetime(),
            lon=float(lon[i]),
            lat=float(lat[i]),
            x=float(shapely.get_x(points[i])),
            y=float(shapely.get_y(points[i])),
            accuracy_m=float(accuracy[i]),
        )  # fmt: skip
        for i in range(len(frame))
    ]
    with transaction.atomic():
        batch = LocationImport.objects.create(
            force=force, file_name=source.name, mapping=mapping, rows=len(rows), created_by=user
        )
        before = LocationPing.objects.count()
        for row in rows:
            row.batch = batch
        LocationPing.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        added = LocationPing.objects.count() - before
        batch.added = added
        batch.save(update_fields=["added"])
    return ImportResult(batch, len(rows), added)


def _times(errors: ErrorCollector, frame: pd.DataFrame, mapping: Mapping[str, str]) -> pd.Series:
    """UTC times. A time with an offset (or Z) is read by it; one without is local time in the
    mapping's zone: as with force exports, the autumn's repeated hour is read as the first
    (summer) one, and a spring time that does not exist moves forward."""
    column = mapping["at"]
    raw = frame[column].str.strip()
    fmt = mapping.get("at_format")
    if fmt:
        with_offset = pd.Series("%z" in fmt, index=raw.index)
    else:
        with_offset = raw.str.contains(r"\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d(?::?\d\d)?)$")
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
    parse = {"format": fmt or "ISO8601", "errors": "coerce"}
    if with_offset.any():
        parsed[with_offset] = pd.to_datetime(raw[with_offset], utc=True, **parse)
    if (~with_offset).any():
        local = pd.to_datetime(raw[~with_offset], **parse)
        local = local.dt.tz_localize(
            mapping.get("timezone", "Europe/London"),
            ambiguous=np.ones(len(local), dtype=bool), nonexistent="shift_forward",
        )  # fmt: skip
        parsed[~with_offset] = local.dt.tz_convert("UTC")
    errors.check(parsed.isna().to_numpy(), column, f"is not a time in {fmt or 'ISO 8601'}")
    return parsed


def _officers(errors, frame, mapping, force) -> np.ndarray:
    """Each row's officer id: by collar number when the mapping has an officer column and the
    row gives one, else by the row's unit through the force's unit aliases."""
    collars = dict(OfficerProfile.objects.filter(force=force).values_list("collar_number", "pk"))
    aliases = dict(UnitAlias.objects.filter(force=force).values_list("unit", "officer_id"))
    officer_col, unit_col = mapping.get("officer"), mapping.get("unit")
    given = frame[officer_col].str.strip() if officer_col else pd.Series("", frame.index)
    units = frame[unit_col].str.strip() if unit_col else pd.Series("", frame.index)
    by_collar = given.map(collars).to_numpy(dtype=float)
    by_unit = units.map(aliases).to_numpy(dtype=float)
    ids = np.where(given.to_numpy() != "", by_collar, by_unit)
    if officer_col:
        errors.check(
            (given != "").to_numpy() & np.isnan(by_collar), officer_col,
            f"is not the collar number of an officer of {force.name}",
        )  # fmt: skip
    if unit_col:
        no_officer = (given == "").to_numpy() & np.isnan(by_unit)
        errors.check(
            no_officer & (units != "").to_numpy(), unit_col,
            "is a unit with no officer: add a unit alias for it",
        )  # fmt: skip
        errors.check(
            no_officer & (units == "").to_numpy(), unit_col, "is empty and no officer is given"
        )
    else:
        errors.check((given == "").to_numpy(), officer_col, "is empty")
    return ids


def passive_minutes(
    *,
    first_day: dt.date,
    last_day: dt.date,
    hotspot_ids: Iterable[int] | None = None,
    force_id: int | None = None,
) -> dict[Cell, float]:
    """Minutes inside hotspots from passive location pings, per (hotspot id, officer id, local
    day), for local days `first_day`..`last_day` (settings.TIME_ZONE).

    Hotspots: `hotspot_ids` if given, else those of the published plans running in those days
    (of `force_id` if given). Pings: of officers of the force if given, else of every officer.
    Minutes follow the GPS rules of patrols.dosage (see the module docstring); the time between
    two fixes is split across midnight in proportion. Cells with no minutes are left out.
    """
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(first_day, dt.time.min, zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, zone)
    hotspots = _hotspots(first_day, last_day, hotspot_ids, force_id)
    if not hotspots:
        return {}
    polygons = {h.pk: to_projected(shapely.geometry.shape(h.geometry)) for h in hotspots}
    gap = dt.timedelta(seconds=settings.DOSE_MAX_GAP_S)
    pings = LocationPing.objects.filter(at__gte=start - gap, at__lt=end + gap)
    if force_id is not None:
        pings = pings.filter(officer__force_id=force_id)
    by_officer: dict[int, list[dosage.Ping]] = defaultdict(list)
    for officer_id, at, x, y, accuracy in pings.order_by("officer_id", "at").values_list(
        "officer_id", "at", "x", "y", "accuracy_m"
    ):
        by_officer[officer_id].append(dosage.Ping(at, x, y, accuracy))
    cells: dict[Cell, float] = defaultdict(float)
    for officer_id, fixes in by_officer.items():
        for hotspot_id, polygon in polygons.items():
            for day, seconds in _inside_by_day(fixes, polygon, start, end, zone).items():
                cells[(hotspot_id, officer_id, day)] += seconds / 60
    return {cell: minutes for cell, minutes in sorted(cells.items()) if minutes > 0}


def _hotspots(first_day, last_day, hotspot_ids, force_id) -> list[Hotspot]:
    if hotspot_ids is not None:
        return list(Hotspot.objects.filter(pk__in=list(hotspot_ids)))
    plans = PatrolPlan.objects.filter(
        status=PatrolPlan.Status.PUBLISHED, first_day__lte=last_day, last_day__gte=first_day
    )
    if force_id is not None:
        plans = plans.filter(force_id=force_id)
    running = PlanHotspot.objects.filter(plan__in=plans).values("hotspot_id")
    return list(Hotspot.objects.filter(pk__in=running))


def _inside_by_day(fixes, polygon, start, end, zone) -> dict[dt.date, float]:
    """Seconds inside `polygon` between consecutive fixes, by local day, within [start, end)."""
    states = dosage._fix_states(
        fixes, polygon, float(settings.DOSE_TOLERANCE_M),
        dosage.visit_dose.__kwdefaults__["max_accuracy_m"],
    )  # fmt: skip
    seconds: dict[dt.date, float] = defaultdict(float)
    for i in range(1, len(fixes)):
        if not (states[i - 1] or states[i]):
            continue  # neither end inside (or unusable): nothing inside to count
        t0, t1 = fixes[i - 1].at, fixes[i].at
        inside, _ = dosage._segment_seconds(
            [t0, t1], states[i - 1 : i + 1], settings.DOSE_MAX_GAP_S
        )
        if inside <= 0:
            continue
        length = (t1 - t0).total_seconds()
        for day, overlap in _day_overlaps(max(t0, start), min(t1, end), zone):
            seconds[day] += inside * overlap / length
    return seconds


def _day_overlaps(t0: dt.datetime, t1: dt.datetime, zone) -> list[tuple[dt.date, float]]:
    """Seconds of [t0, t1) in each local day."""
    parts = []
    while t0 < t1:
        day = t0.astimezone(zone).date()
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, zone)
        stop = min(t1, midnight)
        parts.append((day, (stop - t0).total_seconds()))
        t0 = stop
    return parts
