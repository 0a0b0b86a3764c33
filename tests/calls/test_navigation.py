"""Managers and commanders find the live maps from the site navigation; officers do not."""

import pytest
from django.test import Client

from tests.calls.conftest import apply, event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LINK = '<a href="/calls/live/">Live calls</a>'


def test_live_calls_link_shows_for_managers_and_commanders(
    manager_client, commander_client, officer_client, force
):
    assert LINK in manager_client.get("/manager/").content.decode()
    assert LINK in commander_client.get("/commander/").content.decode()
    officer_page = officer_client.get("/patrols/mine/")
    assert officer_page.status_code == 200 and "My patrols" in officer_page.content.decode()
    assert "Live calls" not in officer_page.content.decode()


def test_manager_and_commander_sees_the_link_once(force):
    client = Client()
    client.force_login(UserFactory(roles=["manager", "commander"]))
    assert client.get("/manager/").content.decode().count(LINK) == 1


def test_manager_home_links_each_forces_staff_and_public_map(manager_client, force, other_force):
    assert "live-calls-card" not in manager_client.get("/manager/").content.decode()
    apply(force, event())
    page = manager_client.get("/manager/").content.decode()
    assert '<a href="/calls/live/?force=derbyshire">Derbyshire: staff map</a>' in page
    assert '<a href="/live/derbyshire/">public map</a>' in page
    assert "/live/nottinghamshire/" not in page  # no calls there yet
