"""Manager and commander pages for hotspot runs and the method comparison.

Fractions (shares, hit rates) are stored as 0–1 and shown here as percentages; the map and its
charts are drawn in the browser by hotspots/run_map.js from data embedded with json_script.
"""

import math
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import ChoiceField
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core import selectors as core_selectors
from core.jobs import job_start
from core.models import Job
from core.months import month_ranges
from core.roles import COMMANDER, MANAGER, has_role
from core.views import confirm_delete, role_required
from hotspots import selectors
from hotspots.forms_runs import METHOD_SETTINGS, ComparisonForm, RunForm
from hotspots.maps import map_base
from hotspots.models import Category, HotspotRun
from hotspots.serializers import HotspotAreaSerializer, HotspotSerializer
from hotspots.services.exports import ATTRIBUTION
from hotspots.services.run_setup import kde_bandwidth_warning
from hotspots.services.runs import comparison_params, hotspot_run_request, max_area_km2

COMPARE_KIND = "hotspots.compare"
METHOD_NAMES = dict(HotspotRun.Method.choices)
# (key, label, format, what it means): the comparison table's rows, in reading order.
MEASURES = (
    ("hotspots", "Hotspots", "count",
     "How many hotspots the method picked on the selection period."),
    ("area_share", "Area share", "percent",
     "Share of the study area the hotspots cover: the size of the patrol footprint."),
    ("hit_rate_selection", "Hit rate, selection", "percent",
     "Share of the selection period's incidents inside the hotspots."),
    ("hit_rate_test", "Hit rate, test", "percent",
     "Share of the later test period's incidents inside the same hotspots: what patrols "
     "there would actually have covered."),
    ("pai_selection", "PAI, selection", "ratio",
     "Hit rate ÷ area share on the period used to pick the hotspots. Every method looks good "
     "on the data it was fitted to."),
    ("pai_test", "PAI, test (out of sample)", "ratio",
     "Hit rate ÷ area share on the later period: the fair test of a method. Higher is "
     "better; 1 is no better than patrolling at random."),
    ("rri", "RRI", "ratio",
     "Recapture Rate Index: how the hotspots' incidents changed from the selection to the "
     "test period, relative to the whole area. About 1: they kept their share; below 1: "
     "they faded."),
    ("stability", "Stability", "ratio",
     "Overlap (Jaccard, 0–1) between these hotspots and the ones the method picks afresh on "
     "the test period. 1: the same cells; 0: none in common."),
)  # fmt: skip


def _finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _percent(value) -> str:
    """12.3%; small shares keep two decimals, and tiny ones (a patrol-scale hotspot is a few
    thousandths of a percent of a county) two significant figures, so none shows as 0%."""
    if not _finite(value):
        return "—"
    if value and abs(value) < 0.0001:
        return f"{value * 100:.2g}%"
    return f"{value * 100:.2f}%" if abs(value) < 0.01 else f"{value * 100:.1f}%"


def _ratio(value, digits: int = 2) -> str:
    return f"{value:,.{digits}f}" if _finite(value) else "—"


def _count(value) -> str:
    return f"{value:,}" if _finite(value) else "—"


FORMATS = {"percent": _percent, "ratio": _ratio, "count": _count}


# Runs list and form


@role_required(MANAGER, COMMANDER)
def run_list(request):
    """Every run with its status and headline figures; managers also get the run form."""
    is_manager = has_role(request.user, MANAGER)
    form = RunForm() if is_manager else None
    if request.method == "POST":
        if not is_manager:
            raise PermissionDenied("Only managers start hotspot runs.")
        form = RunForm(request.POST)
        if form.is_valid():
            run = hotspot_run_request(data=form.validated_data, user=request.user)
            warning = kde_bandwidth_warning(run.method, run.options, run.cell_m)
            if warning:
                messages.warning(request, warning)
            return redirect(f"{reverse('hotspot-runs')}?run={run.pk}")
    runs = selectors.hotspot_run_list()
    started = request.GET.get("run", "")
    context = {
        "form": form,
        "started": runs.filter(pk=started).first() if started.isdigit() else None,
        "runs": [_run_row(run, request.user) for run in runs[:100]],
    }
    return render(request, "hotspots/runs/list.html", context)


def _can_poll(job: Job | None, user) -> bool:
    """Whether the user may poll the job's progress: the job API shows managers every job
    and anyone else only their own."""
    return bool(job) and (has_role(user, MANAGER) or job.created_by_id == user.pk)


def _run_row(run: HotspotRun, user) -> SimpleNamespace:
    summary = run.summary or {}
    return SimpleNamespace(
        run=run,
        selection=_selection_text(run),
        live=_can_poll(run.job, user) and not run.job.is_finished,
        hotspots=_count(summary.get("hotspots")),
        share_of_incidents=_percent(summary.get("share_of_incidents")),
        share_of_area=_percent(summary.get("share_of_area")),
        pai=_ratio(summary.get("pai"), 1),
    )


def _selection_text(run: HotspotRun) -> str:
    if run.selection != HotspotRun.Selection.CHOSEN:
        return run.get_selection_display()
    return ", ".join(c.name for c in run.categories.all()) or "Chosen categories"


# One run


@role_required(MANAGER)
def run_delete(request, pk: int):
    run = get_object_or_404(HotspotRun, pk=pk)
    return confirm_delete(
        request, run, what=f"hotspot run #{run.pk} “{run}”",
        back_url=reverse("hotspot-run-detail", args=[run.pk]), done_url=reverse("hotspot-runs"),
    )  # fmt: skip


@role_required(MANAGER, COMMANDER)
def run_detail(request, pk: int):
    """A run's map, ranked hotspots with their trends and hours, downloads and parameters."""
    run = get_object_or_404(selectors.hotspot_run_list(), pk=pk)
    hotspots = list(selectors.hotspot_list(run=run))
    context = {
        "run": run,
        "job": run.job,
        "can_poll": _can_poll(run.job, request.user),
        "finished": run.job is None or run.job.status == Job.Status.SUCCEEDED,
        "hotspots": [_hotspot_row(h, run.method) for h in hotspots],
        "peak_heading": PEAK_HEADINGS.get(run.method, "Peak score"),
        "warnings": (run.summary or {}).get("warnings", []),
        "notes": (run.summary or {}).get("notes", []),
        "map_data": _map_data(run, hotspots, list(selectors.hotspot_area_list(run=run))),
        "parameters": _parameters(run),
        "summary": _summary(run),
        "timings": _timings(run),
        "attribution": ATTRIBUTION,
        "can_delete": has_role(request.user, MANAGER),
    }
    return render(request, "hotspots/runs/detail.html", context)


# What a hotspot's peak score is, by method: the column heading and how it is written.
PEAK_HEADINGS = {
    "gistar": "Peak Gi* z",
    "kde": "Peak per km²",
    "dbscan": "Peak cell count",
    "hdbscan": "Peak cell count",
}


def peak_text(method: str, value) -> str:
    """Gi* z to two decimals; densities per km² and counts as whole numbers."""
    return _ratio(value, 2 if method == HotspotRun.Method.GISTAR else 0)


def _hotspot_row(hotspot, method: str) -> SimpleNamespace:
    area = hotspot.area
    return SimpleNamespace(
        rank=hotspot.rank,
        label=hotspot.label,
        area=f"Area {area.number}: {area.label}" if area else "",
        size=f"{hotspot.area_m2 / 1e6:.3f} km²",
        incidents=_count(hotspot.incident_count),
        harm=_ratio(hotspot.harm, 0),
        share_of_incidents=_percent(hotspot.share_of_incidents),
        share_of_area=_percent(hotspot.share_of_area),
        pai=_ratio(hotspot.pai, 1),
        peak_score=peak_text(method, hotspot.peak_score),
        patrol_window=hotspot.patrol_window,
    )


def _map_data(run: HotspotRun, hotspots: list, areas: list) -> dict:
    """Everything the map script draws, embedded in the page so it needs no second request."""
    return {
        "boundary": run.force.boundary,
        "hotspots": HotspotSerializer(hotspots, many=True).data,
        "areas": HotspotAreaSerializer(areas, many=True).data,
        "categories": dict(Category.objects.values_list("slug", "name")),
        "base": map_base(run.force),
        "has_times": bool((run.summary or {}).get("has_times")),
        "peak": {
            "label": PEAK_HEADINGS.get(run.method, "Peak score"),
            "digits": 2 if run.method == HotspotRun.Method.GISTAR else 0,
        },
    }


def _parameters(run: HotspotRun) -> list[tuple[str, str]]:
    return [
        ("Method", run.get_method_display()),
        ("Force", run.force.name),
        ("Data", run.get_source_display()),
        ("Period", f"{run.period_start:%b %Y} – {run.period_end:%b %Y}"),
        ("Incidents", _selection_text(run)),
        ("Weighted by harm", "yes" if run.harm_weighted else "no"),
        ("Cell size", f"{run.cell_m} m"),
        ("Largest hotspot", f"{max_area_km2(run.options or {}):g} km²"),
        *_method_settings(run),
        ("Minimum incidents", str(run.min_incidents)),
        ("Most hotspots", str(run.max_hotspots)),
        ("Study area", _study_area_text(run)),
        ("Started by", run.created_by.username if run.created_by else "—"),
        ("Started", f"{run.created_at:%d %b %Y %H:%M}"),
    ]


STUDY_AREA_BASES = {
    "boundary": "the force boundary",
    "incidents": "no boundary: cells near the incidents",
    "extent": "not clipped: the incidents' bounding box",
}


def _study_area_text(run: HotspotRun) -> str:
    basis = (run.summary or {}).get("study_area_basis")
    if basis:
        return STUDY_AREA_BASES.get(basis, basis)
    return "clipped to the boundary" if run.clip_to_boundary else "not clipped"


def _method_settings(run: HotspotRun) -> list[tuple[str, str]]:
    """The settings the run's method actually used, labelled as on the form."""
    options = run.options or {}
    form_fields = RunForm.base_fields
    rows = []
    for name in METHOD_SETTINGS.get(run.method, ()):
        if name.startswith("neighbourhood_"):
            continue
        if name in options:
            value, field = options[name], form_fields[name]
            if isinstance(field, ChoiceField):
                text = str(dict(field.choices).get(value, value))
            else:
                text = f"{value:g}"
            rows.append((field.label, text))
    if run.method == HotspotRun.Method.GISTAR:
        rows.insert(0, ("Neighbourhood", _neighbourhood_text(options.get("neighbourhood"))))
    return rows


def _neighbourhood_text(hood: dict | None) -> str:
    hood = hood or {"kind": "queen", "order": 1}
    if hood.get("kind") == "distance":
        return f"cells within {hood.get('band_m', 0):g} m"
    order = int(hood.get("order", 1))
    return f"touching cells, {order} ring{'s' if order > 1 else ''}"


def _summary(run: HotspotRun) -> list[tuple[str, str]]:
    summary = run.summary or {}
    if not summary:
        return []
    return [
        ("Incidents analysed", _count(summary.get("incidents"))),
        *_left_out(summary),
        ("Hotspots", _count(summary.get("hotspots"))),
        *_area_rows(summary),
        ("Incidents in hotspots", _count(summary.get("incidents_in_hotspots"))),
        ("Share of incidents", _percent(summary.get("share_of_incidents"))),
        ("Share of area", _percent(summary.get("share_of_area"))),
        ("PAI", _ratio(summary.get("pai"), 1)),
        ("Study area", _study_area_size(summary)),
        ("Times of day in the data", "yes" if summary.get("has_times") else "no, months only"),
        *_month_notes(summary),
    ]


def _area_rows(summary: dict) -> list[tuple[str, str]]:
    if "hotspot_areas" not in summary:  # runs made before hotspots were patrol-scale
        return []
    return [
        ("Largest hotspot", f"{summary['largest_hotspot_km2']:.3f} km²"),
        ("Hotspot areas (context)", f"{summary['hotspot_areas']}, the largest "
                                    f"{summary['largest_area_km2']:.2f} km²"),
    ]  # fmt: skip


def _study_area_size(summary: dict) -> str:
    size = f"{_ratio(summary.get('study_area_km2'), 1)} km²"
    basis = summary.get("study_area_basis")
    return f"{size} ({STUDY_AREA_BASES[basis]})" if basis in STUDY_AREA_BASES else size


def _left_out(summary: dict) -> list[tuple[str, str]]:
    """Incidents read but outside the study area, and cells added to hold edge incidents."""
    rows = []
    if summary.get("incidents_outside_study_area"):
        rows.append(("Outside the study area", _count(summary["incidents_outside_study_area"])))
    if summary.get("cells_added_for_incidents"):
        rows.append((
            "Edge cells added",
            f"{_count(summary['cells_added_for_incidents'])} "
            f"({_count(summary.get('incidents_in_added_cells'))} incidents)",
        ))  # fmt: skip
    return rows


def _month_notes(summary: dict) -> list[tuple[str, str]]:
    rows = []
    if summary.get("missing_months"):
        rows.append(("Months without data", month_ranges(summary["missing_months"])))
    if summary.get("flagged_months"):
        rows.append(("Flagged months", month_ranges(summary["flagged_months"])))
    return rows


def _timings(run: HotspotRun) -> list[tuple[str, str]]:
    names = {"read_s": "Reading incidents", "analysis_s": "Analysis", "describe_s": "Describing"}
    rows = [(names.get(key, key), f"{value:.2f} s") for key, value in (run.timings or {}).items()]
    if run.job and run.job.duration_s is not None:
        rows.append(("Whole job", f"{run.job.duration_s:.1f} s"))
    return rows


# Method comparison


@role_required(MANAGER)
def compare(request):
    """Start a comparison of the four methods, follow it, and show its table."""
    form = ComparisonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        params = comparison_params(form.validated_data)
        job = job_start(kind=COMPARE_KIND, params=params, user=request.user)
        return redirect(f"{reverse('hotspot-compare')}?job={job.pk}")
    jobs = core_selectors.job_list(user=request.user).filter(kind=COMPARE_KIND)
    job = _comparison_job(jobs, request.GET.get("job"))
    context = {
        "form": form,
        "job": job,
        "done_url": f"{reverse('hotspot-compare')}?job={job.pk}" if job else "",
        "comparison": _comparison(job),
        "recent": [_comparison_label(j) for j in jobs[:10]],
    }
    return render(request, "hotspots/runs/compare.html", context)


def _comparison_job(jobs, job_id: str | None) -> Job | None:
    if job_id is None:
        return None
    if not job_id.isdigit():
        raise Http404("No such comparison.")
    return get_object_or_404(jobs, pk=int(job_id))


def _comparison_label(job: Job) -> SimpleNamespace:
    params = job.params or {}
    return SimpleNamespace(
        job=job,
        force=params.get("force", ""),
        selection=f"{params.get('selection_start')} to {params.get('selection_end')}",
        test=f"{params.get('test_start')} to {params.get('test_end')}",
    )


def _comparison(job: Job | None) -> SimpleNamespace | None:
    """The finished comparison as a table: one column per method, one row per measure."""
    if job is None or job.status != Job.Status.SUCCEEDED or not job.result:
        return None
    rows = job.result.get("rows", [])
    best = _best_test_pai(rows)
    measures = [
        SimpleNamespace(
            label=label,
            note=note,
            cells=[
                SimpleNamespace(
                    text=FORMATS[kind](row.get(key)),
                    best=key == "pai_test" and row.get("method") in best,
                )
                for row in rows
            ],
        )
        for key, label, kind, note in MEASURES
    ]
    methods = [
        SimpleNamespace(name=METHOD_NAMES.get(r["method"], r["method"]), best=r["method"] in best)
        for r in rows
    ]
    return SimpleNamespace(
        methods=methods, measures=measures,
        incidents={k: _count(n) for k, n in job.result.get("incidents", {}).items()},
        label=_comparison_label(job),
    )  # fmt: skip


def _best_test_pai(rows: list[dict]) -> set[str]:
    """The method(s) with the highest out-of-sample PAI: ties are all marked."""
    scores = {row["method"]: row.get("pai_test") for row in rows if _finite(row.get("pai_test"))}
    if not scores:
        return set()
    top = max(scores.values())
    return {method for method, score in scores.items() if score == top}
