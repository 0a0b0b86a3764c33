"""Shared fixtures: named personas for permission tests and fast password hashing."""

import os
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "police-uk"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.JOBS_IN_PROCESS_THREAD = False
    # Tests run offline: maps draw their fallback unless a test sets a tile server.
    settings.MAP_TILE_URL = ""
    settings.MAP_TILE_ATTRIBUTION = ""


@pytest.fixture
def manager(db):
    return UserFactory(username="morgan", roles=["manager"])


@pytest.fixture
def officer(db):
    return UserFactory(username="priya", roles=["officer"])


@pytest.fixture
def other_officer(db):
    return UserFactory(username="tom", roles=["officer"])


@pytest.fixture
def commander(db):
    return UserFactory(username="chris", roles=["commander"])


@pytest.fixture
def no_role_user(db):
    return UserFactory(username="norole", roles=[])


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(manager):
    return _client_for(manager)


@pytest.fixture
def officer_client(officer):
    return _client_for(officer)


@pytest.fixture
def other_officer_client(other_officer):
    return _client_for(other_officer)


@pytest.fixture
def commander_client(commander):
    return _client_for(commander)


@pytest.fixture
def anonymous_client():
    return Client()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real police.uk data beside the project; absent only outside CI."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("REQUIRE_SHARED_DATA"):
            pytest.fail(f"{SHARED_DATA} is missing but REQUIRE_SHARED_DATA is set.")
        pytest.skip(f"{SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium for the browser tests (tests/browser.py says when they skip)."""
    from tests.browser import require_chromium

    return require_chromium()
