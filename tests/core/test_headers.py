"""Security headers: a Content-Security-Policy everywhere, no caching of signed-in API answers."""

import pytest

from core.middleware import content_security_policy

pytestmark = pytest.mark.django_db


def test_signed_in_api_answers_are_not_stored(manager_client, anonymous_client):
    response = manager_client.get("/api/me/")
    assert response["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    page = manager_client.get("/manager/")
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert anonymous_client.get("/login/").get("Cache-Control", "") != "no-store"


def test_policy_allows_the_map_tile_host_only():
    policy = content_security_policy("https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://*.tile.example.org;" in policy
    assert "unsafe-eval" not in policy and "script-src 'self';" in policy
