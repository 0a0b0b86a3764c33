"""Recording evaluations and starting their jobs."""

from django.db import transaction

from core.jobs import job_start
from evaluation.models import Evaluation

JOB_KIND = "evaluation.run"
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


def _params(evaluation: Evaluation) -> dict:
    return {"evaluation_id": evaluation.pk}
