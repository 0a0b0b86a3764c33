"""Evaluation jobs, run by core.jobs on a worker or in-process."""

from core.jobs import Progress, job_kind
from core.models import Job
from evaluation.models import Evaluation
from evaluation.services import JOB_KIND, evaluation_execute


@job_kind(JOB_KIND)
def run_evaluation(job: Job, progress: Progress) -> dict:
    evaluation = Evaluation.objects.with_details().get(pk=job.params["evaluation_id"])
    return evaluation_execute(evaluation=evaluation, progress=progress)
