"""Jobs told in words: every kind has a describer, pages show outcomes not raw dicts or server
paths, and a failed job reads as failed."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.job_words import _DESCRIBERS, describe, duration, file_names
from core.jobs import job_start, registered_kinds
from core.models import Job
from tests.hotspots import files


def _upload(client, settings, tmp_path, name, text, capture):
    settings.MEDIA_ROOT = tmp_path
    with capture(execute=True):
        response = client.post(
            "/incidents/",
            {"files": [SimpleUploadedFile(name, text.encode(), content_type="text/csv")],
             "source": "police_uk", "on_error": "reject"},
        )  # fmt: skip
    assert response.status_code == 302
    return int(re.search(r"job=(\d+)", response["Location"]).group(1))


def test_every_job_kind_is_told_in_words():
    project_kinds = {kind for kind in registered_kinds() if not kind.startswith("tests.")}
    assert project_kinds <= set(_DESCRIBERS), "a job kind without words"
    assert set(_DESCRIBERS) <= set(registered_kinds()), "words for a kind that does not exist"


def test_finished_import_reads_as_an_outcome(
    manager_client, settings, tmp_path, django_capture_on_commit_callbacks
):
    unlocated = files.row(month="2025-05", point=("", "", "No location"))
    text = files.csv_text([*files.month_rows("2025-05", 3, 1), unlocated])
    pk = _upload(manager_client, settings, tmp_path, "2025-05-t-street.csv", text,
                 django_capture_on_commit_callbacks)  # fmt: skip
    job = Job.objects.get(pk=pk)
    assert job.status == "succeeded", job.error
    page = manager_client.get(f"/jobs/{pk}/").content.decode()
    assert "Import of 1 police.uk file" in page
    assert "Imported 5 of 5 rows read from 1 file." in page
    assert "1 row had no location." in page
    assert "2025-05 replaced" in page
    assert "2025-05-t-street.csv" in page
    assert str(tmp_path) not in page, "a server path reached the page"
    assert "{&#x27;" not in page and "{'" not in page, "a raw dict reached the page"
    assert "Succeeded" in page
    # The incident data page shows the same outcome, and no stale "started" banner.
    data_page = manager_client.get(f"/incidents/?job={pk}").content.decode()
    assert "Imported 5 of 5 rows read from 1 file." in data_page
    assert "Import started" not in data_page
    api = manager_client.get(f"/api/jobs/{pk}/").json()
    assert api["title"] == "Import of 1 police.uk file"
    assert api["summary"].startswith("Imported 5 of 5 rows")


def test_failed_import_reads_as_failed_in_red(
    manager_client, settings, tmp_path, django_capture_on_commit_callbacks
):
    text = files.csv_text([files.row(), files.row(month="2025-99")])
    pk = _upload(manager_client, settings, tmp_path, "x.csv", text,
                 django_capture_on_commit_callbacks)  # fmt: skip
    page = manager_client.get(f"/jobs/{pk}/").content.decode()
    assert 'class="outcome outcome-failed"' in page
    assert "Failed: " in page and "x.csv, line 3, field" in page
    assert "Imported" not in page
    home = manager_client.get("/manager/").content.decode()
    assert "Import of 1 police.uk file" in home and "status-failed" in home


def test_a_running_job_shows_its_progress_and_no_outcome(manager, manager_client):
    job = Job.objects.create(kind="hotspots.find", params={"run_id": 7}, created_by=manager,
                             status="running", progress=40, message="scoring cells")  # fmt: skip
    words = describe(job)
    assert words.title == "Hotspot run #7" and words.outcome == []
    page = manager_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "scoring cells" in page and 'class="job-progress"' in page


def test_other_peoples_jobs_show_no_words_in_the_api(officer_client, manager):
    job = job_start(kind="core.selftest", params={"steps": 2, "pause_s": 0}, user=manager,
                    sync=True)  # fmt: skip
    assert job.words.summary == "Ran 2 steps."
    assert officer_client.get(f"/api/jobs/{job.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "—"), (4.24, "4.2 s"), (42.4, "42 s"), (185, "3 min 05 s"), (7325, "2 h 02 min")],
)
def test_durations_read_at_a_glance(seconds, text):
    assert duration(seconds) == text


def test_file_names_drop_server_folders():
    assert file_names(["/srv/uploads/ab/2025-01.csv"]) == "2025-01.csv"
    assert file_names([f"/u/{i}.csv" for i in range(5)]) == "0.csv, 1.csv, 2.csv and 2 more"
