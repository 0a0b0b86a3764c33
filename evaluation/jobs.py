"""Evaluation jobs, run by core.jobs on a worker or in-process. Imported by every process at
start-up (CoreConfig.ready): the services are imported when a job runs."""

from core.jobs import Progress, job_kind
from core.models import Job
from evaluation.models import Evaluation

JOB_KIND = "evaluation.run"


@job_kind(JOB_KIND)
def run_evaluation(job: Job, progress: Progress) -> dict:
    from evaluation.services import evaluation_execute

    evaluation = Evaluation.objects.with_details().get(pk=job.params["evaluation_id"])
    return evaluation_execute(evaluation=evaluation, progress=progress)
