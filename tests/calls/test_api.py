"""Who may use each calls endpoint, and what the push and staff endpoints do.

Personas: anonymous, officer, manager, commander (tests/conftest.py) and integration tokens
of this force and of another force."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from calls.models import Call, RejectedEvent
from calls.services.tokens import token_revoke
from core.models import Job
from hotspots.models import Hotspot, HotspotRun
from tests.calls.conftest import LAT, LON, add_map_points, apply, event

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(force):
    apply(force, event())
    return Call.objects.get()


def _bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def clients(request, anonymous_client, token, other_token):
    return {
        "anonymous": anonymous_client,
        "officer": request.getfixturevalue("officer_client"),
        "manager": request.getfixturevalue("manager_client"),
        "commander": request.getfixturevalue("commander_client"),
        "token": _bearer(token[1]),
        "other_force_token": _bearer(other_token[1]),
    }


PUSH = "/api/forces/derbyshire/call-events/"
# Staff endpoints answer 403 to anyone not signed in with the role (the project's session
# authentication has no challenge to send); integration tokens are accepted only by the push.
# Staff endpoints answer 403 to anyone without the role, signed in or not (the project's
# session authentication sends no challenge); only the push endpoint accepts tokens.
ROLE_MATRIX = [
    # (method, path, expected status per persona)
    ("post", PUSH, {"anonymous": 401, "officer": 401, "manager": 401, "commander": 401,
                    "token": 200, "other_force_token": 403}),
    ("get", "/api/calls/?force=derbyshire", {"anonymous": 403, "officer": 403, "manager": 200,
                                             "commander": 200, "token": 403,
                                             "other_force_token": 403}),
    ("get", "/api/calls/{pk}/", {"anonymous": 403, "officer": 403, "manager": 200,
                                 "commander": 200, "token": 403, "other_force_token": 403}),
    ("post", "/api/calls/{pk}/public-action/", {"anonymous": 403, "officer": 403,
                                                "manager": 200, "commander": 403, "token": 403,
                                                "other_force_token": 403}),
    ("get", "/api/call-events/rejected/?force=derbyshire", {"anonymous": 403, "officer": 403,
                                                            "manager": 200, "commander": 403,
                                                            "token": 403,
                                                            "other_force_token": 403}),
    ("get", "/api/public/forces/derbyshire/calls/", dict.fromkeys(
        ["anonymous", "officer", "manager", "commander", "token", "other_force_token"], 200)),
    ("get", "/api/public/forces/derbyshire/calls/summary/", dict.fromkeys(
        ["anonymous", "officer", "manager", "commander", "token", "other_force_token"], 200)),
    ("get", "/live/derbyshire/", dict.fromkeys(
        ["anonymous", "officer", "manager", "commander", "token", "other_force_token"], 200)),
    ("get", "/calls/live/", {"anonymous": 302, "officer": 403, "manager": 200, "commander": 200,
                             "token": 302, "other_force_token": 302}),
]  # fmt: skip
BODIES = {
    PUSH: {"reference": "INC-9", "status": "received", "incident_type": "ASB",
           "occurred_at": "2026-01-01T10:00:00+00:00"},
    "/api/calls/{pk}/public-action/": {"action": "generalise", "reason": "Small village"},
}  # fmt: skip


@pytest.mark.parametrize(("method", "path", "expected"), ROLE_MATRIX, ids=lambda v: str(v)[:40])
@pytest.mark.parametrize(
    "persona", ["anonymous", "officer", "manager", "commander", "token", "other_force_token"]
)
def test_who_may_use_each_endpoint(clients, call, method, path, expected, persona):
    client = clients[persona]
    url = path.format(pk=call.pk)
    if method == "post":
        response = client.post(url, BODIES[path], content_type="application/json")
    else:
        response = client.get(url)
    assert response.status_code == expected[persona], response.content[:300]


def test_push_accepts_one_a_list_or_an_events_object(token):
    client = _bearer(token[1])
    one = client.post(PUSH, event("A"), content_type="application/json")
    many = client.post(PUSH, [event("B"), event("C")], content_type="application/json")
    wrapped = client.post(PUSH, {"events": [event("D")]}, content_type="application/json")
    assert [r.status_code for r in (one, many, wrapped)] == [200, 200, 200]
    assert many.json()["applied"] == 2
    assert set(Call.objects.values_list("reference", flat=True)) == {"A", "B", "C", "D"}


def test_push_reports_each_refused_event_and_applies_the_rest(token):
    client = _bearer(token[1])
    first = event("A")
    body = [first, event("B", status="teleported"), first]
    response = client.post(PUSH, body, content_type="application/json")
    assert response.status_code == 422
    data = response.json()
    assert (data["applied"], data["duplicate"], data["rejected"]) == (1, 1, 1)
    bad = data["results"][1]
    assert bad["result"] == "rejected" and bad["field"] == "status"
    rejected = RejectedEvent.objects.get()
    assert rejected.token == token[0] and rejected.payload["status"] == "teleported"


def test_a_refused_event_with_nul_or_broken_text_is_kept_readable(token):
    """PostgreSQL keeps no NUL character or unpaired surrogate in JSON: the refused event is
    stored with U+FFFD in their place instead of failing the whole push with a 500."""
    body = [{"reference": "A\u0000B", "status": "teleported", "\ud892": ["x\u0000"]}]
    text = json.dumps(body)  # escapes the surrogate, as a client's JSON would
    response = _bearer(token[1]).post(PUSH, text, content_type="application/json")
    assert response.status_code == 422
    rejected = RejectedEvent.objects.get()
    assert rejected.payload["reference"] == "A\ufffdB"
    assert rejected.payload["\ufffd"] == ["x\ufffd"]


def test_push_refuses_huge_batches_and_revoked_tokens(token):
    client = _bearer(token[1])
    too_many = client.post(PUSH, [event(f"R{i}") for i in range(1001)],
                           content_type="application/json")  # fmt: skip
    assert too_many.status_code == 413 and not Call.objects.exists()
    token_revoke(token=token[0])
    assert client.post(PUSH, event(), content_type="application/json").status_code == 401
    assert _bearer("hpc_made-up").post(PUSH, event(), content_type="application/json"
                                       ).status_code == 401  # fmt: skip


def test_other_force_token_cannot_touch_this_force(other_token, force, call):
    client = _bearer(other_token[1])
    response = client.post(PUSH, event(status="resolved", minutes_ago=1),
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 403
    own = client.post("/api/forces/nottinghamshire/call-events/",
                      event(status="resolved", minutes_ago=1, force="derbyshire"),
                      content_type="application/json")  # fmt: skip
    assert own.status_code == 422 and own.json()["results"][0]["field"] == "force"
    call.refresh_from_db()
    assert call.status == "received" and Call.objects.count() == 1


def test_staff_list_has_exact_locations_and_hotspots(manager_client, force, call):
    run = HotspotRun.objects.create(
        force=force, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 1),
        job=Job.objects.create(kind="hotspot_run", status="succeeded"),
    )  # fmt: skip
    half = 0.001
    ring = [[LON - half, LAT - half], [LON + half, LAT - half], [LON + half, LAT + half],
            [LON - half, LAT + half], [LON - half, LAT - half]]  # fmt: skip
    Hotspot.objects.create(
        run=run, rank=2, label="Market Place", cells=[], centroid_lon=LON, centroid_lat=LAT,
        centroid_x=0, centroid_y=0, area_m2=1, incident_count=1, harm=1, share_of_incidents=0,
        share_of_area=0, pai=1, peak_score=1, geometry={"type": "Polygon", "coordinates": [ring]},
    )  # fmt: skip
    [row] = manager_client.get("/api/calls/?force=derbyshire").json()
    assert (row["longitude"], row["latitude"], row["reference"]) == (LON, LAT, "INC-1")
    assert row["public_category"] == "Anti-social behaviour" and row["hotspot_rank"] == 2


def test_staff_list_queries_do_not_grow(manager_client, force):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get("/api/calls/?force=derbyshire").status_code == 200
        return len(queries)

    apply(force, event("A"))
    few = count()
    apply(force, *[event(f"B{i}") for i in range(20)])
    assert count() == few


def test_staff_list_checks_its_parameters(manager_client, force):
    assert manager_client.get("/api/calls/").status_code == 400
    assert manager_client.get("/api/calls/?force=derbyshire&hours=99").status_code == 400
    assert manager_client.get("/api/calls/?force=nowhere").status_code == 404


def test_call_detail_has_history_and_public_actions(manager_client, force, call):
    apply(force, event(status="dispatched", minutes_ago=10))
    manager_client.post(f"/api/calls/{call.pk}/public-action/",
                        {"action": "withhold", "reason": "Named caller"},
                        content_type="application/json")  # fmt: skip
    data = manager_client.get(f"/api/calls/{call.pk}/").json()
    assert [e["status"] for e in data["events"]] == ["received", "dispatched"]
    assert data["public_actions"][0] == {
        "action": "withhold", "reason": "Named caller", "user": "morgan",
        "created_at": data["public_actions"][0]["created_at"],
    }  # fmt: skip
    bad = manager_client.post(f"/api/calls/{call.pk}/public-action/", {"action": "hide"},
                              content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and set(bad.json()) == {"action", "reason"}


def test_rejected_list_is_per_force(manager_client, force, other_force):
    apply(force, event(status="lost"))
    apply(other_force, event(status="lost"))
    rows = manager_client.get("/api/call-events/rejected/?force=derbyshire").json()["results"]
    assert len(rows) == 1 and rows[0]["field"] == "status"


def test_pages_show_guidance_and_attribution(anonymous_client, manager_client, force):
    page = anonymous_client.get("/live/derbyshire/").content.decode()
    assert "A snapshot, not crime statistics" in page
    assert "More calls can mean more reporting" in page
    assert "Calls for service: Derbyshire" in page
    assert "Domestic abuse" in page and "20</span> minutes</strong>" in page
    assert "Open Government Licence" not in page  # no police.uk data shown: the force's own
    staff = manager_client.get("/calls/live/?force=derbyshire").content.decode()
    assert "for staff only" in staff and "Open Government Licence" not in staff
    add_map_points(force, [(LON, LAT)])
    page = anonymous_client.get("/live/derbyshire/").content.decode()
    assert "Open Government Licence" in page  # snapped to police.uk's anonymous map points
