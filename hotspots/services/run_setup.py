"""What a hotspot run's reader must know about its set-up: the study area's basis, incidents
it could not hold, months missing or flagged, a KDE bandwidth below the cell size. Kept apart
from the run itself (hotspots/services/runs.py), which merges these into the run's summary."""

from django.conf import settings

from core.months import month_ranges, month_text
from hotspots import selectors
from hotspots.models import HotspotRun, ImportBatch
from hotspots.services.geometry import INCIDENT_BUFFER_M, StudyArea


def run_setup_notes(*, run: HotspotRun, area: StudyArea, data: selectors.IncidentArrays) -> dict:
    """What the reader of a run must know about how it was set up: where the study area came
    from, incidents it could not hold or cells it added to hold them, months missing or
    flagged, a bandwidth below the cell size. `warnings` (read before using the hotspots) and
    `notes` (for information) say these in sentences for the run page, the API and the
    command."""
    chosen = list(run.categories.values_list("id", flat=True))
    category_ids = selectors.category_ids_for(run.selection, chosen)
    first, last = run.period_start, run.period_end
    missing = selectors.missing_months(force=run.force, source=run.source, first=first, last=last)
    flagged = {}
    if run.source == ImportBatch.Source.POLICE_UK:  # the flags are checks of police.uk counts
        flagged = selectors.flagged_months(
            force=run.force, first=first, last=last, category_ids=category_ids
        )
    notes = {
        "study_area_basis": area.basis,
        "incidents_read": len(data),
        "incidents_outside_study_area": int(len(data) - area.holds(data.x, data.y).sum()),
        "cells_added_for_incidents": area.added_cells,
        "incidents_in_added_cells": area.added_incidents,
        "missing_months": [month_text(m) for m in missing],
        "flagged_months": {month_text(m): names for m, names in sorted(flagged.items())},
    }
    return {**notes, "warnings": _warnings(run, area, notes), "notes": _notes(notes)}


def _warnings(run: HotspotRun, area: StudyArea, notes: dict) -> list[str]:
    warnings = []
    if area.basis == "incidents":
        warnings.append(
            f"{run.force.name} has no boundary: the study area ({area.area_km2:,.1f} km²) is the "
            f"cells within {INCIDENT_BUFFER_M:g} m of the incidents, so shares of area and PAI "
            "are against that, not the force area. Import a boundary for a true force area."
        )
    elif area.basis == "extent":
        warnings.append(
            f"Not clipped: the study area is the incidents' bounding box ({area.area_km2:,.1f} "
            "km²), so shares of area and PAI are against that rectangle."
        )
    if notes["incidents_outside_study_area"]:
        warnings.append(
            f"{notes['incidents_outside_study_area']:,} of {notes['incidents_read']:,} incidents "
            "lie outside the study area (the boundary has changed since they were imported) "
            "and are not analysed."
        )
    if notes["missing_months"]:
        warnings.append(
            f"No {selectors.SOURCE_NAMES[run.source]} data for "
            f"{month_ranges(notes['missing_months'])}: those months count as empty."
        )
    if notes["flagged_months"]:
        warnings.append(
            f"The period includes flagged months: {month_ranges(notes['flagged_months'])} "
            "(see Incident data for why); their counts may be publication artefacts."
        )
    warning = kde_bandwidth_warning(run.method, run.options or {}, run.cell_m)
    if warning:
        warnings.append(warning)
    return warnings


def _notes(notes: dict) -> list[str]:
    """What is worth knowing but changes no conclusion."""
    if not notes["incidents_in_added_cells"]:
        return []
    return [
        f"{_n(notes['incidents_in_added_cells'], 'incident')} inside the boundary "
        f"{'lies' if notes['incidents_in_added_cells'] == 1 else 'lie'} in "
        f"{_n(notes['cells_added_for_incidents'], 'cell')} whose centre is outside it (a coast "
        "or an edge); those cells are added to the study area so that every incident counts."
    ]


def kde_bandwidth_warning(method: str, options: dict, cell_m: int | None) -> str:
    """A kernel narrower than a cell barely smooths: the surface is the cell counts again."""
    bandwidth = options.get("bandwidth_m")
    cell_m = cell_m or settings.GRID_CELL_M
    if method != HotspotRun.Method.KDE or bandwidth is None or bandwidth >= cell_m:
        return ""
    return (
        f"The KDE bandwidth ({bandwidth:g} m) is below the cell size ({cell_m} m): the density "
        "is little more than each cell's own count. Use a bandwidth of at least one cell."
    )


def _n(count: int, noun: str) -> str:
    """'1 incident', '5 cells'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
