import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotspots.models import ImportBatch, Incident
from hotspots.services.imports import incidents_import_police_uk
from tests.hotspots import files


@pytest.fixture
def imported(tmp_path, db):
    paths = [
        files.write(
            tmp_path / f"{m}-testshire-street.csv", files.csv_text(files.month_rows(m, 3, 2))
        )
        for m in ("2025-01", "2025-02")
    ]
    incidents_import_police_uk(paths=paths)


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_manager_uploads_and_import_runs_as_job(
    manager_client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    text = files.csv_text(files.month_rows("2025-03", 4, 1))
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/api/imports/upload/", {"files": [upload("2025-03-testshire-street.csv", text)]}
        )
    assert response.status_code == 202, response.content
    job = manager_client.get(f"/api/jobs/{response.json()['id']}/").json()
    assert job["status"] == "succeeded", job
    assert job["result"]["rows_imported"] == 5
    assert Incident.objects.count() == 5


def test_upload_of_bad_file_fails_job_and_lists_rejected_rows(
    manager_client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    text = files.csv_text([files.row(), files.row(month="2025-99")])
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post("/api/imports/upload/", {"files": [upload("x.csv", text)]})
    job = manager_client.get(f"/api/jobs/{response.json()['id']}/").json()
    assert job["status"] == "failed"
    assert "x.csv, line 3, field 'Month'" in job["error"]
    batches = manager_client.get("/api/imports/").json()["results"]
    assert batches[0]["status"] == "rejected"
    assert batches[0]["rejected_rows"][0]["line"] == 3
    assert Incident.objects.count() == 0


def test_force_export_upload_needs_force_and_mapping(manager_client):
    response = manager_client.post(
        "/api/imports/upload/", {"files": [upload("e.csv", "a\n")], "source": "force_export"}
    )
    assert response.status_code == 400
    assert "force" in response.json()


@pytest.mark.parametrize("persona", ["officer_client", "commander_client"])
def test_only_managers_upload(request, persona):
    client = request.getfixturevalue(persona)
    response = client.post("/api/imports/upload/", {"files": [upload("x.csv", "a\n")]})
    assert response.status_code == 403


def test_lists_are_read_by_roles(
    imported, manager_client, officer_client, commander_client, anonymous_client
):
    assert manager_client.get("/api/forces/").json()["results"][0]["incident_count"] == 10
    # police.uk's fourteen and "Public disorder and weapons" (2011-09…2013-04).
    assert len(officer_client.get("/api/categories/").json()) == 15
    assert commander_client.get("/api/imports/").json()["count"] == 2
    assert officer_client.get("/api/imports/").status_code == 403
    assert anonymous_client.get("/api/forces/").status_code in (401, 403)


def test_monthly_counts(imported, commander_client):
    rows = commander_client.get("/api/forces/testshire/monthly-counts/").json()
    asb = {r["month"]: r["count"] for r in rows if r["category"] == "anti-social-behaviour"}
    assert asb == {"2025-01": 3, "2025-02": 3}
    assert commander_client.get("/api/forces/nowhere/monthly-counts/").status_code == 404


@pytest.mark.parametrize("path", ["/api/imports/", "/api/forces/", "/api/quality-flags/"])
def test_list_query_counts_do_not_grow(manager_client, tmp_path, path):
    def add(month):
        incidents_import_police_uk(
            paths=[
                files.write(
                    tmp_path / f"{month}-t-street.csv",
                    files.csv_text(files.month_rows(month, 2, 1)),
                )
            ],
            force_slug=f"force-{month}",
        )

    add("2025-01")
    with CaptureQueriesContext(connection) as few:
        assert manager_client.get(path).status_code == 200
    for month in ("2025-02", "2025-03", "2025-04"):
        add(month)
    with CaptureQueriesContext(connection) as many:
        manager_client.get(path)
    assert len(many) == len(few)


def test_incident_data_page(imported, manager_client, commander_client, officer_client):
    page = manager_client.get("/incidents/").content.decode()
    assert "2025-01-testshire-street.csv" in page
    assert 'enctype="multipart/form-data"' in page
    assert "Open Government Licence" in page
    commander_page = commander_client.get("/incidents/").content.decode()
    assert 'enctype="multipart/form-data"' not in commander_page
    assert officer_client.get("/incidents/").status_code == 403
    batch = ImportBatch.objects.first()
    assert manager_client.get(f"/incidents/batches/{batch.pk}/").status_code == 200


def test_upload_page_starts_job(
    manager_client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    text = files.csv_text(files.month_rows("2025-05", 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/incidents/",
            {
                "files": [upload("2025-05-t-street.csv", text)],
                "source": "police_uk",
                "on_error": "reject",
            },
        )
    assert response.status_code == 302
    assert "?job=" in response["Location"]
    assert Incident.objects.count() == 2


def test_commander_cannot_post_upload(commander_client):
    assert commander_client.post("/incidents/", {"source": "police_uk"}).status_code == 403


def test_bad_mapping_json_is_explained(manager_client):
    response = manager_client.post(
        "/incidents/",
        {"files": [upload("e.csv", "a\n")], "source": "force_export", "force": "x",
         "on_error": "reject", "mapping": "{not json"},
    )  # fmt: skip
    assert "not valid JSON" in response.content.decode()


@pytest.mark.parametrize("job", ["abc", "-1", "1.5", "99999999999999999999999"])
def test_incident_page_ignores_a_malformed_job(manager_client, job):
    assert manager_client.get("/incidents/", {"job": job}).status_code == 200
