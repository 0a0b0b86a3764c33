"""Sign-in as OWASP ASVS level 2 asks: lockout, no Basic auth, strong passwords, short sessions."""

import base64
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from core.middleware import SIGNED_IN_AT
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests"


def sign_in(client: Client, username: str, password: str, path: str = "/login/"):
    return client.post(path, {"username": username, "password": password})


def test_wrong_passwords_lock_the_form_and_the_admin_with_a_clear_message(manager, settings):
    settings.AXES_FAILURE_LIMIT = 5
    client = Client()
    for _ in range(4):
        assert sign_in(client, manager.username, "wrong-guess").status_code == 200
    assert sign_in(client, manager.username, "wrong-guess").status_code == 429  # the fifth
    locked = sign_in(client, manager.username, PASSWORD)
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    admin = sign_in(Client(), manager.username, PASSWORD, "/admin/login/?next=/admin/")
    assert admin.status_code == 429
    other_user = UserFactory(username="someone-else", roles=["manager"])
    assert sign_in(Client(), other_user.username, PASSWORD).status_code == 302


def test_a_success_resets_the_count(manager, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(2):
        sign_in(client, manager.username, "wrong-guess")
    assert sign_in(client, manager.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        sign_in(client, manager.username, "wrong-guess")
    assert sign_in(client, manager.username, PASSWORD).status_code == 302


def test_basic_auth_is_not_accepted_by_the_api(manager):
    token = base64.b64encode(f"{manager.username}:{PASSWORD}".encode()).decode()
    response = Client().get("/api/me/", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("password", ["officer1", "priyashah", "2026-11-29", "password1234",
                                      "priya.shah.1", "123456789012"])  # fmt: skip
def test_weak_passwords_are_refused(password):
    user = UserFactory.build(username="priyashah", first_name="Priya", last_name="Shah",
                             email="priya.shah@example.police.uk")  # fmt: skip
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_unusual_password_is_accepted():
    user = UserFactory.build(username="priyashah", first_name="Priya", last_name="Shah")
    validate_password("copper kettle drums at dawn", user)


def test_officer_sessions_expire_when_idle_and_all_sessions_at_most_12_hours(
    officer, manager, settings
):
    client = Client()
    assert sign_in(client, officer.username, PASSWORD).status_code == 302
    client.get("/patrols/mine/")
    assert client.session.get_expiry_age() == settings.OFFICER_IDLE_MINUTES * 60 == 30 * 60
    manager_client = Client()
    sign_in(manager_client, manager.username, PASSWORD)
    manager_client.get("/manager/")
    assert manager_client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 12 * 3600
    session = manager_client.session
    session[SIGNED_IN_AT] = int(time.time()) - 13 * 3600
    session.save()
    assert manager_client.get("/manager/").status_code == 302  # signed out: to the login page
