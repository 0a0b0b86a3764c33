import logging
import threading

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import connection

from core.jobs import job_run, jobs_reap

log = logging.getLogger(__name__)
_stop_sweeping = threading.Event()


@shared_task(name="core.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> str:
    """Run one recorded job by primary key; the job row carries progress and result."""
    return job_run(job_id=job_id).status


@worker_ready.connect
def _start_sweeping(**kwargs) -> None:
    """Every worker sweeps for jobs whose process died, so no separate scheduler is needed;
    the sweep is idempotent, so several workers sweeping at once do no harm."""
    _stop_sweeping.clear()
    threading.Thread(target=_sweep, name="job-reaper", daemon=True).start()


@worker_shutdown.connect
def _stop(**kwargs) -> None:
    _stop_sweeping.set()


def _sweep() -> None:
    while not _stop_sweeping.wait(settings.JOB_REAP_SECONDS):
        try:
            jobs_reap()
        except Exception:  # a database outage must not end the sweeping
            log.exception("Job sweep failed")
        finally:
            connection.close()
