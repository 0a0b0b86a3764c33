"""Running long jobs: a registry of job kinds, progress reporting and dispatch.

A job kind is a function `handler(job, progress) -> dict | None` registered with `@job_kind`.
It reports progress with `progress(percent, message)`; what it returns is stored as the result.
Handlers must report progress outside their own `transaction.atomic` blocks, otherwise the
update is invisible until they commit.
"""

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from core.models import Job

log = logging.getLogger(__name__)

Listener = Callable[[int, str], None]
Handler = Callable[[Job, "Progress"], dict | None]
_HANDLERS: dict[str, Handler] = {}


class JobError(Exception):
    """An expected failure (bad input, infeasible request): its message is for the user."""


def job_kind(kind: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return register


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)


class Progress:
    """Writes progress to the job row, at most every `interval` seconds unless it's the end."""

    def __init__(self, job: Job, listener: Listener | None = None, interval: float = 0.5):
        self.job = job
        self.listener = listener
        self.interval = interval
        self._last_write = float("-inf")
        self._last_percent = 0

    def __call__(self, percent: float, message: str = "") -> None:
        percent = max(0, min(100, int(percent)))
        if self.listener:
            self.listener(percent, message)
        now = time.monotonic()
        # Writes are throttled, but a jump of 5 points (a new phase) or the end always shows.
        recent = now - self._last_write < self.interval
        if recent and percent < 100 and percent - self._last_percent < 5:
            return
        self._last_write, self._last_percent = now, percent
        Job.objects.filter(pk=self.job.pk).update(
            progress=percent, message=message[:500], heartbeat_at=timezone.now()
        )

    def scaled(self, start: float, end: float) -> "Callable[[float, str], None]":
        """A reporter for a sub-step mapping its 0–100 onto start–end of this job."""
        return lambda percent, message="": self(start + (end - start) * percent / 100, message)


def job_run(*, job_id: int, listener: Listener | None = None) -> Job:
    """Run a queued job now, in this process. A job that already succeeded is not run again."""
    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.SUCCEEDED:
        return job
    handler = _HANDLERS.get(job.kind)
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=job.attempts + 1,
        error="", finished_at=None,
    )  # fmt: skip
    try:
        with Heartbeat(job.pk):
            if handler is None:
                raise LookupError(f"No job handler is registered for kind {job.kind!r}.")
            result = handler(job, Progress(job, listener))
    except Exception as error:  # any failure, including a soft time limit, is recorded
        _record_failure(job, error)
    else:
        _record_success(job, result or {})
    job.refresh_from_db()
    return job


class Heartbeat:
    """While a job runs, a thread stamps its row every JOB_HEARTBEAT_SECONDS, however long a
    step takes without reporting progress; when the process dies, the stamps stop."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # a missed beat is reported by the reaper, never fatal here
            log.exception("Job %s: heartbeat failed", self.job_id)
        finally:
            connection.close()


def jobs_reap() -> int:
    """Mark failed every running job whose heartbeat stopped more than JOB_STALE_SECONDS ago:
    its worker or web process died. Returns how many. Safe to run anywhere, any number of
    times at once; a redelivered Celery task runs such a job again."""
    before = timezone.now() - dt.timedelta(seconds=settings.JOB_STALE_SECONDS)
    stalled = Job.objects.stalled(before=before)
    count = stalled.update(
        status=Job.Status.FAILED,
        finished_at=timezone.now(),
        error="The process running this job stopped (no heartbeat); start it again.",
        message="Failed: the process running this job stopped.",
    )
    if count:
        log.warning("Marked %s job(s) failed whose process stopped", count)
    return count


def public_error(error: Exception, job_id: int) -> str:
    """What users may read about a failure. Expected failures (JobError, and ValueError for
    bad input) explain themselves; anything else may carry SQL, paths or data from other
    users, so it is named only by its type and left, with its traceback, in the server log."""
    if isinstance(error, JobError | ValueError):
        return f"{error}" or type(error).__name__
    return (
        f"The job stopped on an internal error ({type(error).__name__}); the server log has "
        f"the details under job #{job_id}."
    )


def _record_failure(job: Job, error: Exception) -> None:
    if isinstance(error, JobError):
        log.info("Job %s (%s) failed: %s", job.pk, job.kind, error)
    else:
        log.exception("Job %s (%s) failed", job.pk, job.kind)
    text = public_error(error, job.pk)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED,
        finished_at=timezone.now(),
        error=text,
        message=f"Failed: {text}"[:500],
        result=None,
    )


def _record_success(job: Job, result: dict) -> None:
    """Store the result; a result the database refuses (e.g. NaN in JSON) fails the job
    rather than leaving it 'running' for ever."""
    try:
        with transaction.atomic():
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.SUCCEEDED, progress=100, finished_at=timezone.now(), result=result
            )
    except Exception:
        log.exception("Job %s (%s): its result could not be stored", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, finished_at=timezone.now(),
            error="The job finished but its result could not be stored; the server log has "
            f"the details under job #{job.pk}.",
        )  # fmt: skip


def job_start(
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    user=None,
    sync: bool = False,
    listener: Listener | None = None,
) -> Job:
    """Record a job and run it: on a Celery worker when a broker is configured, otherwise
    in-process (a background thread for web requests, or synchronously when `sync`)."""
    if kind not in _HANDLERS:
        raise LookupError(f"Unknown job kind {kind!r}; known: {', '.join(registered_kinds())}.")
    job = Job.objects.create(kind=kind, params=params or {}, created_by=user)
    if sync:
        return job_run(job_id=job.pk, listener=listener)
    if settings.JOBS_USE_CELERY:
        from core.tasks import run_job

        run_job.delay_on_commit(job.pk)
    elif settings.JOBS_IN_PROCESS_THREAD:
        transaction.on_commit(lambda: _start_thread(job.pk))
    else:
        transaction.on_commit(lambda: job_run(job_id=job.pk))
    return job


def _start_thread(job_id: int) -> None:
    def target() -> None:
        close_old_connections()
        try:
            job_run(job_id=job_id)
        finally:
            connection.close()

    threading.Thread(target=target, name=f"job-{job_id}", daemon=True).start()


@job_kind("core.selftest")
def selftest(job: Job, progress: Progress) -> dict:
    """A diagnostic job that proves a worker runs jobs and reports progress."""
    steps = int(job.params.get("steps", 10))
    pause = float(job.params.get("pause_s", 0.05))
    total = 0
    for step in range(1, steps + 1):
        time.sleep(pause)
        total += step
        progress(100 * step / steps, f"step {step} of {steps}")
    return {"steps": steps, "sum": total}
