import datetime as dt
import threading
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.jobs import Progress, job_kind, job_run, job_start, jobs_reap
from core.models import Job


@job_kind("tests.fails")
def _failing_job(job, progress):
    progress(40, "halfway there")
    raise ValueError("the input file has no header")


@pytest.mark.django_db
def test_sync_job_reports_progress_and_stores_result(manager):
    seen = []
    job = job_start(
        kind="core.selftest",
        params={"steps": 4, "pause_s": 0},
        user=manager,
        sync=True,
        listener=lambda p, m: seen.append(p),
    )
    assert job.status == Job.Status.SUCCEEDED
    assert job.progress == 100
    assert job.result == {"steps": 4, "sum": 10}
    assert seen == [25, 50, 75, 100]
    assert job.started_at <= job.finished_at
    assert job.created_by == manager


@pytest.mark.django_db
def test_failed_job_records_error_and_keeps_progress():
    job = job_start(kind="tests.fails", sync=True)
    assert job.status == Job.Status.FAILED
    assert job.error == "the input file has no header"
    assert job.progress == 40
    assert job.result is None


@job_kind("tests.crashes")
def _crashing_job(job, progress):
    raise KeyError("secret_column_of_another_user")


@pytest.mark.django_db
def test_internal_errors_stay_in_the_server_log(caplog, manager_client):
    job = job_start(kind="tests.crashes", sync=True)
    assert job.status == Job.Status.FAILED
    assert "KeyError" in job.error and f"job #{job.pk}" in job.error
    assert "secret_column" not in job.error + job.message and job.result is None
    body = manager_client.get(f"/api/jobs/{job.pk}/").content.decode()
    assert "Traceback" not in body and "secret_column" not in body
    assert "Traceback" in caplog.text and "secret_column_of_another_user" in caplog.text


@pytest.mark.django_db
def test_unknown_kind_is_refused():
    with pytest.raises(LookupError, match="Unknown job kind"):
        job_start(kind="nope")


@pytest.mark.django_db
def test_succeeded_job_is_not_run_twice():
    job = job_start(kind="core.selftest", params={"steps": 1, "pause_s": 0}, sync=True)
    Job.objects.filter(pk=job.pk).update(result={"kept": True})
    assert job_run(job_id=job.pk).result == {"kept": True}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_web_started_job_runs_in_process_on_commit(settings):
    settings.JOBS_USE_CELERY = False
    job = job_start(kind="core.selftest", params={"steps": 2, "pause_s": 0})
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED


@pytest.mark.django_db
def test_progress_is_throttled_but_end_always_written():
    job = Job.objects.create(kind="core.selftest")
    progress = Progress(job, interval=3600)
    progress(10, "first")
    progress(12, "throttled")
    job.refresh_from_db()
    assert (job.progress, job.message) == (10, "first")
    progress(15, "a new phase")
    job.refresh_from_db()
    assert (job.progress, job.message) == (15, "a new phase")
    progress(100, "done")
    job.refresh_from_db()
    assert (job.progress, job.message) == (100, "done")


@pytest.mark.django_db
def test_jobs_command_runs_and_lists(capsys):
    call_command("jobs", "--run", "core.selftest", "--params", '{"steps": 2, "pause_s": 0}')
    call_command("jobs")
    out = capsys.readouterr().out
    assert "100%" in out
    assert "succeeded" in out


@pytest.mark.django_db
def test_running_jobs_with_a_silent_heartbeat_are_reaped(manager_client, manager, settings):
    settings.JOB_STALE_SECONDS = 120
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    dead = Job.objects.create(kind="core.selftest", status="running", created_by=manager,
                              started_at=long_ago, heartbeat_at=long_ago)  # fmt: skip
    never_beat = Job.objects.create(kind="core.selftest", status="running", started_at=long_ago)
    alive = Job.objects.create(kind="core.selftest", status="running", started_at=long_ago,
                               heartbeat_at=timezone.now())  # fmt: skip
    queued = Job.objects.create(kind="core.selftest")
    body = manager_client.get(f"/api/jobs/{dead.pk}/").json()
    assert body["status"] == "failed" and "stopped" in body["error"]
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses[never_beat.pk] == "failed"
    assert (statuses[alive.pk], statuses[queued.pk]) == ("running", "queued")
    assert jobs_reap() == 0


@job_kind("tests.quiet")
def _quiet_job(job, progress):
    time.sleep(float(job.params["seconds"]))  # a long step that reports no progress
    return {"done": True}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_long_silent_step_keeps_its_heartbeat(settings):
    settings.JOB_HEARTBEAT_SECONDS, settings.JOB_STALE_SECONDS = 0.1, 0.5
    job = Job.objects.create(kind="tests.quiet", params={"seconds": 1.5})
    runner = threading.Thread(target=job_run, kwargs={"job_id": job.pk})
    runner.start()
    reaped = 0
    while runner.is_alive():
        reaped += jobs_reap()
        time.sleep(0.1)
    runner.join()
    job.refresh_from_db()
    assert (reaped, job.status, job.result) == (0, "succeeded", {"done": True})
