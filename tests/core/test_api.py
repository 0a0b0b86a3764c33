import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.jobs import job_start
from core.models import Job


def _job(user):
    return job_start(kind="core.selftest", params={"steps": 1, "pause_s": 0}, user=user, sync=True)


def test_manager_lists_all_jobs_officer_only_own(manager_client, officer_client, manager, officer):
    _job(manager)
    own = _job(officer)
    assert manager_client.get("/api/jobs/").json()["count"] == 2
    listed = officer_client.get("/api/jobs/").json()["results"]
    assert [item["id"] for item in listed] == [own.pk]


def test_job_list_query_count_does_not_grow(manager_client, manager, officer):
    _job(manager)
    with CaptureQueriesContext(connection) as few:
        manager_client.get("/api/jobs/")
    for user in (manager, officer, officer, manager):
        _job(user)
    with CaptureQueriesContext(connection) as many:
        assert manager_client.get("/api/jobs/").json()["count"] == 5
    assert len(many) == len(few)


def test_job_detail_has_progress_fields(commander_client, commander):
    job = _job(commander)
    data = commander_client.get(f"/api/jobs/{job.pk}/").json()
    assert data["progress"] == 100
    assert data["status"] == "succeeded"
    assert data["result"] == {"steps": 1, "sum": 1}
    assert data["created_by"] == commander.username


def test_selftest_start_is_for_managers(
    manager_client, officer_client, django_capture_on_commit_callbacks
):
    assert officer_client.post("/api/jobs/selftest/", {"steps": 2}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post("/api/jobs/selftest/", {"steps": 2, "pause_s": 0})
    assert response.status_code == 202
    assert Job.objects.get(pk=response.json()["id"]).status == Job.Status.SUCCEEDED


def test_selftest_rejects_bad_steps(manager_client):
    response = manager_client.post("/api/jobs/selftest/", {"steps": 0})
    assert response.status_code == 400
    assert "steps" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/jobs/", "/api/me/", "/api/schema/", "/api/docs/"])
def test_anonymous_api_is_refused(anonymous_client, path):
    assert anonymous_client.get(path).status_code in (401, 403)


def test_me_reports_roles(officer_client):
    assert officer_client.get("/api/me/").json()["roles"] == ["officer"]


def test_user_without_role_gets_no_api(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get("/api/jobs/").status_code == 403
