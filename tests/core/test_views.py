import pytest
from django.urls import reverse

from core.jobs import job_start


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "home"),
    [("manager", "/manager/"), ("officer", "/patrols/mine/"), ("commander", "/commander/")],
)
def test_each_role_lands_on_its_home(client, request, persona, home):
    user = request.getfixturevalue(persona)
    signed_in = client.post("/login/", {"username": user.username, "password": "pw-for-tests"})
    assert signed_in.status_code == 302
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200


def test_login_page_is_public(anonymous_client):
    response = anonymous_client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/manager/", "/patrols/mine/", "/commander/", "/jobs/1/"])
def test_anonymous_visitors_are_sent_to_login(anonymous_client, path):
    response = anonymous_client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("officer_client", "/manager/"),
        ("commander_client", "/patrols/mine/"),
        ("officer_client", "/commander/"),
    ],
)
def test_other_roles_pages_are_forbidden(request, persona, path):
    assert request.getfixturevalue(persona).get(path).status_code == 403


def test_user_without_role_is_told(client, no_role_user):
    client.force_login(no_role_user)
    response = client.get("/")
    assert response.status_code == 403
    assert b"no role" in response.content


def test_navigation_follows_role(manager_client, officer_client):
    assert b"/api/docs/" in manager_client.get("/manager/").content
    officer_page = officer_client.get("/patrols/mine/").content
    assert b"/api/docs/" not in officer_page
    assert b"My patrols" in officer_page


def test_logout_is_a_post(manager_client):
    response = manager_client.post(reverse("logout"))
    assert response.status_code == 302
    assert manager_client.get("/manager/").status_code == 302


def test_finished_job_page_shows_its_outcome_not_a_progress_bar(manager_client, manager):
    job = job_start(
        kind="core.selftest", params={"steps": 1, "pause_s": 0}, user=manager, sync=True
    )
    content = manager_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Ran 1 step." in content
    assert f'data-job-url="/api/jobs/{job.pk}/"' not in content
    assert "Open Government Licence" in content


def test_officer_cannot_see_someone_elses_job(officer_client, manager):
    job = job_start(
        kind="core.selftest", params={"steps": 1, "pause_s": 0}, user=manager, sync=True
    )
    assert officer_client.get(f"/jobs/{job.pk}/").status_code == 404
