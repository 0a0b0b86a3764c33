import datetime as dt
from collections import defaultdict
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from core.models import Job
from core.months import month_ranges
from core.roles import COMMANDER, MANAGER, has_role
from core.views import role_required
from hotspots import selectors
from hotspots.forms import ImportForm
from hotspots.models import ImportBatch, QualityFlag
from hotspots.services.uploads import import_upload_start


@role_required(MANAGER, COMMANDER)
def incident_data(request):
    """Forces, imports, their rejected rows and the data-quality flags; managers can upload."""
    form = ImportForm()
    if request.method == "POST":
        if not has_role(request.user, MANAGER):
            raise PermissionDenied("Only managers import data.")
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            return _start_import(request, form)
    requested = request.GET.get("job", "")
    job = None
    if requested.isdigit() and len(requested) < 12:  # anything else names no job
        job = Job.objects.visible_to(request.user).filter(pk=int(requested)).first()
    forces = list(selectors.force_list())
    flags = list(selectors.quality_flag_list())
    context = {
        "form": form,
        "job": job,
        "forces": forces,
        "calendars": month_calendars(forces, selectors.months_held_by_force(), flags),
        "batches": selectors.batch_list()[:50],
        "flags": flags,
        "flag_summaries": selectors.quality_flag_summaries(),
        "month_letters": MONTH_LETTERS,
    }
    return render(request, "hotspots/incident_data.html", context)


def _start_import(request, form: ImportForm):
    data = form.cleaned_data
    try:
        job = import_upload_start(
            files=data["files"], source=data["source"], force_slug=data["force"] or None,
            on_error=data["on_error"], mapping=data["mapping"], boundary=data["boundary"],
            user=request.user,
        )  # fmt: skip
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("incident-data")
    return redirect(f"{request.path}?job={job.pk}")


@role_required(MANAGER, COMMANDER)
def batch_detail(request, pk: int):
    batch = get_object_or_404(ImportBatch.objects.select_related("force", "created_by"), pk=pk)
    return render(request, "hotspots/batch_detail.html", {"batch": batch})


MONTH_LETTERS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_calendars(
    forces: list, held: dict[tuple[int, str], set[dt.date]], flags: list[QualityFlag]
) -> list[SimpleNamespace]:
    """Per force and source, the months held as a calendar: a row per year, a cell per month
    marked held, flagged (held, with a data-quality artefact flag) or missing. Properties of a
    release (no Crime IDs, a category change) are not artefacts and leave the month held."""
    flagged: dict[tuple[int, dt.date], list[str]] = defaultdict(list)
    for flag in flags:
        if flag.kind != QualityFlag.Kind.ARTEFACT:
            continue  # a property of the release (e.g. no Crime IDs), not a suspect month
        name = flag.category.name if flag.category else "All categories"
        flagged[(flag.force_id, flag.month)].append(f"{name}: {flag.rule}")
    calendars = []
    for force in forces:
        sources = [
            _source_calendar(force, source, name, held[(force.pk, source)], flagged)
            for source, name in selectors.SOURCE_NAMES.items()
            if (force.pk, source) in held
        ]
        calendars.append(SimpleNamespace(force=force, sources=sources))
    return calendars


def _source_calendar(
    force, source: str, name: str, months: set[dt.date], flagged
) -> SimpleNamespace:
    # Flags are checks of police.uk counts, so only that calendar shows them.
    flags = flagged if source == ImportBatch.Source.POLICE_UK else {}
    years = range(min(months).year, max(months).year + 1)
    rows = [
        SimpleNamespace(
            year=year,
            cells=[_cell(force.pk, dt.date(year, m, 1), months, flags) for m in range(1, 13)],
        )
        for year in years
    ]
    flagged_months = sorted(m for m in months if (force.pk, m) in flags)
    return SimpleNamespace(
        source=source, name=name, years=rows, count=len(months),
        held=_ranges(months), flagged=_ranges(flagged_months),
    )  # fmt: skip


def _ranges(months) -> list[str]:
    """'2024-01…2024-06', '2024-09' ...: each kept on one line by the template."""
    text = month_ranges(months)
    return text.split(", ") if text else []


def _cell(force_id: int, month: dt.date, months: set[dt.date], flags) -> SimpleNamespace:
    label = f"{MONTH_LETTERS[month.month - 1]} {month.year}"
    if month not in months:
        return SimpleNamespace(state="missing", mark="", title=f"{label}: no data")
    reasons = flags.get((force_id, month))
    if reasons:
        return SimpleNamespace(
            state="flagged", mark="!", title=f"{label}: flagged ({'; '.join(reasons)})"
        )
    return SimpleNamespace(state="held", mark="✓", title=f"{label}: held")
