"""Ids beyond what the database holds name no record: 404, never a server error."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/plans/2940487487455679481905152/assignments/",
        "/api/hotspot-runs/9223372036854775808/",
        "/hotspots/runs/99999999999999999999999/",
    ],
)
def test_an_id_too_large_for_the_database_is_not_found(manager_client, path):
    assert manager_client.get(path).status_code == 404


def test_the_largest_id_the_database_holds_is_looked_up(manager_client):
    assert manager_client.get("/api/plans/9223372036854775807/assignments/").status_code == 200
