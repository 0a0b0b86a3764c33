from celery import shared_task

from core.jobs import job_run


@shared_task(name="core.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> str:
    """Run one recorded job by primary key; the job row carries progress and result."""
    return job_run(job_id=job_id).status
