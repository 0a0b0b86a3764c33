"""The hotspot app's jobs in words (see core.job_words). Kept light: it is imported at start-up,
so it names job kinds rather than importing the services that run them."""

from django.urls import reverse

from core.job_words import JobWords, describes, file_names, number
from core.models import Job
from core.months import month_ranges

ON_ERROR = {
    "reject": "refuse the whole import",
    "skip": "skip bad rows and import the rest",
}


def _import_outcome(result: dict) -> list[str]:
    files = number(result.get("files"), "file")
    outcome = [
        f"Imported {result.get('rows_imported') or 0:,} of "
        f"{number(result.get('rows_read'), 'row')} read from {files}."
    ]
    unplaced = [
        number(result[key], "row") + text
        for key, text in (("rows_no_location", " had no location"),
                          ("rows_outside", " fell outside the force"),
                          ("rows_rejected", " were rejected"))
        if result.get(key)
    ]  # fmt: skip
    if unplaced:
        outcome.append("; ".join(unplaced).capitalize() + ".")
    for force, months in sorted((result.get("months") or {}).items()):
        if months:
            outcome.append(f"{force}: months {month_ranges(months)} replaced.")
    flags = result.get("quality_flags") or 0
    outcome.append(f"{number(flags, 'data-quality flag')} raised." if flags
                   else "No data-quality flags raised.")  # fmt: skip
    outcome.extend(result.get("warnings") or [])
    return outcome


def _import(job: Job, title: str, facts: list[tuple[str, str]]) -> JobWords:
    facts.append(("If a row is bad", ON_ERROR.get(job.params.get("on_error", "reject"), "—")))
    return JobWords(
        title=title,
        facts=facts,
        outcome=_import_outcome(job.result or {}),
        link=("Incident data", reverse("incident-data")),
    )


@describes("hotspots.import_police_uk")
def _police_uk(job: Job) -> JobWords:
    params = job.params
    paths = params.get("paths") or []
    force = params.get("force") or ""
    # A path may be a folder or a zip: once read, the result counts the files inside.
    files = (job.result or {}).get("files") or len(paths)
    title = f"Import of {number(files, 'police.uk file')}" + (f" for {force}" if force else "")
    return _import(job, title, [
        ("Files", file_names(paths)),
        ("Force", force or "as each row's “Falls within” says"),
        ("Boundary", file_names([params["boundary"]]) if params.get("boundary") else "none"),
    ])  # fmt: skip


@describes("hotspots.import_force_export")
def _force_export(job: Job) -> JobWords:
    params = job.params
    force = params.get("force", "")
    return _import(job, f"Import of a force export for {force}", [
        ("File", file_names([params["path"]]) if params.get("path") else "—"),
        ("Force", force or "—"),
    ])  # fmt: skip


@describes("hotspots.find")
def _find(job: Job) -> JobWords:
    run_id = job.params.get("run_id")
    result = job.result or {}
    outcome = []
    if result:
        outcome.append(
            f"Found {number(result.get('hotspots'), 'hotspot')} holding "
            f"{100 * (result.get('share_of_incidents') or 0):.1f}% of "
            f"{number(result.get('incidents'), 'incident')} on "
            f"{100 * (result.get('share_of_area') or 0):.2f}% of the area "
            f"(PAI {result.get('pai') or 0:.1f})."
        )
    link = ("The run", reverse("hotspot-run-detail", args=[run_id])) if run_id else None
    return JobWords(title=f"Hotspot run #{run_id}", outcome=outcome, link=link)


@describes("hotspots.compare")
def _compare(job: Job) -> JobWords:
    params = job.params
    result = job.result or {}
    incidents = result.get("incidents") or {}
    outcome = []
    if result:
        outcome.append(
            f"Compared {number(len(result.get('rows') or []), 'method')}: "
            f"{number(incidents.get('selection'), 'incident')} to select hotspots, "
            f"{number(incidents.get('test'), 'incident')} to test them."
        )
    return JobWords(
        title=f"Comparison of hotspot methods for {params.get('force', '—')}",
        facts=[
            ("Selection months", f"{params.get('selection_start')}…{params.get('selection_end')}"),
            ("Test months", f"{params.get('test_start')}…{params.get('test_end')}"),
            ("Cell size", f"{params.get('cell_m', '—')} m"),
        ],
        outcome=outcome,
        link=("The comparison", f"{reverse('hotspot-compare')}?job={job.pk}"),
    )


@describes("hotspots.monitor")
def _monitor(job: Job) -> JobWords:
    result = job.result or {}
    outcome = []
    if result:
        outcome.append(
            f"Reviewed {number(result.get('reviews'), 'selection')}: "
            f"{number(result.get('cooled'), 'hotspot')} cooled, "
            f"{number(result.get('emerging_outside'), 'place')} new or intensifying outside "
            "the hotspots."
        )
        outcome.extend(f"Not reviewed: {s['label']} ({s['reason']})."
                       for s in result.get("skipped") or [])  # fmt: skip
    return JobWords(
        title=f"Monitoring of {job.params.get('force', '—')}'s hotspots",
        outcome=outcome,
        link=("Home", reverse("manager-home")),
    )
