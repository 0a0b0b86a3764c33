"""Reduction report pages: the list (and, for managers, the form), the report and its PDF.

Who may use them: managers and commanders read; managers start evaluations; officers get 403
and anonymous visitors the login page (core.views.role_required)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core.models import Job
from core.roles import COMMANDER, MANAGER, has_role
from core.views import confirm_delete, role_required
from evaluation import selectors
from evaluation.forms import EvaluationForm
from evaluation.models import Evaluation
from evaluation.results import SCHEMA_VERSION
from evaluation.services import evaluation_results, evaluation_start
from evaluation.services.exports import report_html, report_pdf


@role_required(MANAGER, COMMANDER)
def evaluation_list(request):
    """Every evaluation with its headline; managers also get the form."""
    is_manager = has_role(request.user, MANAGER)
    form = EvaluationForm() if is_manager else None
    if request.method == "POST":
        if not is_manager:
            raise PermissionDenied("Only managers start evaluations.")
        form = EvaluationForm(request.POST)
        if form.is_valid():
            evaluation = evaluation_start(data=form.validated_data, user=request.user)
            return redirect("evaluation-report", pk=evaluation.pk)
    evaluations = selectors.evaluation_list().without_results()[:100]
    context = {"form": form, "evaluations": evaluations, "schema_version": SCHEMA_VERSION}
    return render(request, "evaluation/list.html", context)


@role_required(MANAGER)
def evaluation_delete(request, pk: int):
    evaluation = get_object_or_404(Evaluation, pk=pk)
    return confirm_delete(
        request, evaluation, what=f"reduction report #{evaluation.pk} “{evaluation}”",
        back_url=reverse("evaluation-list"), done_url=reverse("evaluation-list"),
    )  # fmt: skip


STALE = (
    "These results were computed by an earlier version of the evaluation, whose figures "
    "differ from today's: they are being computed again."
)


@role_required(MANAGER, COMMANDER)
def evaluation_report(request, pk: int):
    """The commander's report, or the job's progress until it is ready (also while results
    of an older layout are recomputed)."""
    evaluation = get_object_or_404(selectors.evaluation_list(), pk=pk)
    stale = bool(evaluation.results)
    results = evaluation_results(evaluation) if _finished(evaluation) else None
    if results is None:
        context = {"evaluation": evaluation, "job": evaluation.job,
                   "done_url": reverse("evaluation-report", args=[pk]),
                   "stale": STALE if stale and not evaluation.results else ""}  # fmt: skip
        return render(request, "evaluation/pending.html", context)
    return HttpResponse(report_html(evaluation, results, request=request))


@role_required(MANAGER, COMMANDER)
def evaluation_pdf(request, pk: int):
    """The same report as a PDF, drawn by WeasyPrint with the print stylesheet."""
    evaluation = get_object_or_404(selectors.evaluation_list(), pk=pk)
    results = evaluation_results(evaluation) if _finished(evaluation) else None
    if results is None:
        return redirect("evaluation-report", pk=pk)
    response = HttpResponse(report_pdf(evaluation, results), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="reduction-report-{pk}.pdf"'
    return response


def _finished(evaluation) -> bool:
    job = evaluation.job
    return bool(evaluation.results) and (job is None or job.status == Job.Status.SUCCEEDED)
