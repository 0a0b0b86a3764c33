"""Jobs through a real Celery worker and Redis, against the test database."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from config.celery import app as celery_app
from core.jobs import job_start
from core.models import Job
from tests.utils import database_url

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"Redis at {BROKER} is required (REQUIRE_REDIS) but unreachable.")
        pytest.skip(f"no Redis at {BROKER}")
    redis.Redis.from_url(BROKER).flushdb()


def _start_worker(**extra_env: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": BROKER, **extra_env}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=1",
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def broker(settings):
    _redis_or_skip()
    settings.JOBS_USE_CELERY = True
    saved = {
        "broker_url": celery_app.conf.broker_url,
        "task_always_eager": celery_app.conf.task_always_eager,
    }
    celery_app.conf.update(broker_url=BROKER, task_always_eager=False)
    celery_app.close()  # drop connections made for another broker
    yield BROKER
    celery_app.conf.update(**saved)
    celery_app.close()


@pytest.fixture
def worker(broker):
    process = _start_worker()
    yield process
    _stop_worker(process)


def _wait(job: Job, until, timeout: float = 90) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if until(job):
            return job
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting; job is {job}")


def _child_pids(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def test_worker_runs_job_with_progress_and_result(worker, manager):
    job = job_start(kind="core.selftest", params={"steps": 5, "pause_s": 0.2}, user=manager)
    seen = set()
    job = _wait(job, lambda j: seen.add(j.progress) or j.is_finished)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.progress == 100
    assert job.result == {"steps": 5, "sum": 15}
    assert any(0 < p < 100 for p in seen), f"no intermediate progress seen: {seen}"


def test_job_of_a_crashed_worker_process_is_retried_not_lost(worker):
    job = job_start(kind="core.selftest", params={"steps": 40, "pause_s": 0.1})
    _wait(job, lambda j: j.status == Job.Status.RUNNING and j.progress > 0)
    children = _child_pids(worker.pid)
    assert children, "the worker has no pool process"
    os.kill(children[0], signal.SIGKILL)
    job = _wait(job, lambda j: j.is_finished)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.attempts == 2
    assert job.result == {"steps": 40, "sum": 820}


def test_job_of_a_dead_worker_is_marked_failed_within_seconds(broker, settings):
    """The whole worker is killed mid-job: nothing acknowledges or fails the job, so the
    next worker's sweep finds its heartbeat silent and marks it failed."""
    fast = {"JOB_HEARTBEAT_SECONDS": "0.5", "JOB_STALE_SECONDS": "3", "JOB_REAP_SECONDS": "0.5"}
    first = _start_worker(**fast)
    try:
        job = job_start(kind="core.selftest", params={"steps": 600, "pause_s": 0.1})
        _wait(job, lambda j: j.status == Job.Status.RUNNING and j.progress > 0)
        for pid in [*_child_pids(first.pid), first.pid]:
            os.kill(pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
        second = _start_worker(**fast)
        try:
            started = time.monotonic()
            job = _wait(job, lambda j: j.is_finished, timeout=30)
            assert job.status == Job.Status.FAILED and "stopped" in job.error
            assert time.monotonic() - started < 20
        finally:
            _stop_worker(second)
    finally:
        _stop_worker(first)


def test_visibility_timeout_follows_the_task_time_limit(settings):
    options = celery_app.conf.broker_transport_options
    assert options["visibility_timeout"] == settings.CELERY_TASK_TIME_LIMIT + 60
