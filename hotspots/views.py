from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from core.models import Job
from core.roles import COMMANDER, MANAGER, has_role
from core.views import role_required
from hotspots import selectors
from hotspots.forms import ImportForm
from hotspots.models import ImportBatch
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
    context = {
        "form": form,
        "job": job,
        "forces": selectors.force_list(),
        "batches": selectors.batch_list()[:50],
        "flags": selectors.quality_flag_list(),
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
    messages.info(request, f"Import started as job #{job.pk}.")
    return redirect(f"{request.path}?job={job.pk}")


@role_required(MANAGER, COMMANDER)
def batch_detail(request, pk: int):
    batch = get_object_or_404(ImportBatch.objects.select_related("force", "created_by"), pk=pk)
    return render(request, "hotspots/batch_detail.html", {"batch": batch})
