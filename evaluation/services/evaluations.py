"""Recording evaluations and starting their jobs."""

from django.db import transaction

from core.jobs import job_start
from evaluation.jobs import JOB_KIND
from evaluation.models import Evaluation
from evaluation.results import SCHEMA_VERSION, Results, StaleResults

FIELDS = ("name", "before_start", "before_end", "after_start", "after_end", "measures",
          "buffer_m", "comparison", "flagged_months", "minimum_count", "source")  # fmt: skip


def evaluation_start(*, data: dict, user=None, sync: bool = False, listener=None) -> Evaluation:
    """Record an evaluation from validated request data (API, form or command) and start its
    job: queued once the evaluation is committed, or with `sync` run here and now."""
    plan = data.get("plan")
    run = plan.run if plan else data["run"]
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            force=run.force, run=run, plan=plan, created_by=user,
            **{name: data[name] for name in FIELDS if name in data},
        )  # fmt: skip
        evaluation.categories.set(data.get("categories") or [])
        if not sync:
            evaluation.job = job_start(kind=JOB_KIND, params=_params(evaluation), user=user)
            evaluation.save(update_fields=["job"])
    if sync:
        evaluation.job = job_start(
            kind=JOB_KIND, params=_params(evaluation), user=user, sync=True, listener=listener
        )
        evaluation.save(update_fields=["job"])
        evaluation.refresh_from_db()
    return evaluation


def evaluation_results(evaluation: Evaluation) -> Results | None:
    """The evaluation's typed results, or None when there are none to show yet. Results of
    an older layout that cannot be upgraded are cleared and recomputed by a new job, so a
    report is never drawn from half a layout: the caller shows the job's progress."""
    if not evaluation.results:
        return None
    try:
        return Results.from_json(evaluation.results)
    except StaleResults:
        evaluation_recompute(evaluation=evaluation)
        return None


@transaction.atomic
def evaluation_recompute(*, evaluation: Evaluation, user=None) -> Evaluation:
    """Clear stored results and headline and start a job that computes them again with the
    current statistics and layout."""
    Evaluation.objects.filter(pk=evaluation.pk).update(results={}, headline="")
    evaluation.results, evaluation.headline = {}, ""
    evaluation.job = job_start(kind=JOB_KIND, params=_params(evaluation), user=user)
    evaluation.save(update_fields=["job"])
    return evaluation


def evaluations_recompute_stale() -> list[int]:
    """Start a recomputation for every stored evaluation whose results are of an older
    layout (`manage.py evaluate --recompute-stale`); returns their ids."""
    stale = []
    # Read in Python: a JSON key lookup is NULL, not "different", where the key is missing.
    for evaluation in Evaluation.objects.exclude(results={}).iterator():
        if evaluation.results.get("schema_version") != SCHEMA_VERSION:
            evaluation_recompute(evaluation=evaluation)
            stale.append(evaluation.pk)
    return stale


def _params(evaluation: Evaluation) -> dict:
    return {"evaluation_id": evaluation.pk}
