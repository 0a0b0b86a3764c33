"""Schemathesis against the OpenAPI schema: every operation (reads and writes), as a manager, an
officer, a commander and an anonymous visitor, with all of Schemathesis' response checks —
no 5xx, every status code, content type and body as the schema states, invalid input refused,
valid input not refused, and sign-in enforced where the schema says it is needed."""

import datetime as dt
import uuid
import zlib

import pytest
import requests
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import ignored_auth

from calls.models import Call
from calls.services.tokens import token_create
from core import jobs
from hotspots.models import ImportBatch
from patrols.models import OfficerProfile, PatrolAssignment, PatrolPlan, PatrolVisit
from tests.evaluation.test_api import build_world, finished

# The WSGI handler closes connections after each request, so the data must be committed;
# serialized rollback gives later tests the database as it was.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RAW = SchemaGenerator().get_schema(request=None, public=True)
schema = schemathesis.openapi.from_dict(RAW)
schema.app = get_wsgi_application()
# The boundary-value ("coverage") phase is left out to keep the run short; the explicit
# examples and the fuzzing phase, valid and invalid input alike, run for every operation.
schema.config.phases.update(phases=["examples", "fuzzing"])
# The schema cannot say that a referenced record must exist, that a period must end after it
# starts or that a force must hold data for the months asked: a request valid by the schema
# may still be refused with 400 — whose body is still checked against the schema. Likewise
# the call-events push takes free-form events, checked one by one and refused with 422.
schema.config.checks.positive_data_acceptance.expected_statuses = [
    *schema.config.checks.positive_data_acceptance.expected_statuses,
    "400",
    "422",
]

CSRF = "schemafuzzschemafuzzschemafuzz12"
PLACEHOLDER = "session-of-the-identity-under-test"
IDENTITIES = {"manager": "morgan", "officer": "priya", "commander": "chris", "anonymous": None}
SESSIONS: dict[str, str] = {}
RECORDS: dict[str, object] = {}
# Status codes answered per operation and identity, for the check that the run reached both
# successes and refusals.
STATUSES: dict[str, dict[str, set[int]]] = {}


@schema.auth(refresh_interval=None)
class SessionCookie:
    """Schemathesis builds its cases before the test's fixtures run, so the case carries a
    placeholder that the test swaps for the session of the identity under test."""

    def get(self, case, ctx):
        return PLACEHOLDER

    def set(self, case, data, ctx):
        case.cookies = {**(case.cookies or {}), "sessionid": data}


@pytest.fixture
def world(manager, officer, commander, monkeypatch):
    """A force with a hotspot run, a plan with patrols (one of them the officer's, with a
    visit), a finished evaluation, an import and a live call."""
    run, plan = build_world()
    evaluation = finished(plan=plan, comparison="control")
    # A draft again (the evaluation's world publishes it), so that re-solving can succeed.
    PatrolPlan.objects.filter(pk=plan.pk).update(status=PatrolPlan.Status.DRAFT)
    # Jobs the fuzzing starts stay queued: their answers are checked here, their work in their
    # own tests (a drawn self-test may ask for 1,000 steps of 5 s).
    monkeypatch.setattr(jobs, "job_run", lambda *, job_id, listener=None: None)
    force = plan.force
    profile = OfficerProfile.objects.create(user=officer, force=force, collar_number="42")
    start = timezone.now() + dt.timedelta(hours=2)
    hotspot = plan.plan_hotspots.first().hotspot
    mine = PatrolAssignment.objects.create(
        plan=plan,
        hotspot=hotspot,
        officer=profile,
        start=start,
        end=start + dt.timedelta(minutes=15),
    )
    visit = PatrolVisit.objects.create(
        client_uuid=uuid.UUID(int=42), assignment=mine, hotspot=hotspot, officer=profile,
        started_at=timezone.now() - dt.timedelta(minutes=20), ended_at=timezone.now(),
    )  # fmt: skip
    now = timezone.now()
    call = Call.objects.create(
        force=force, reference="INC-1", incident_type="ASB", status="received", status_at=now,
        received_at=now, longitude=-1.45, latitude=52.95,
    )  # fmt: skip
    _, secret = token_create(force=force, name="control room")
    RECORDS.update(
        token=secret, slug=force.slug, force=force.slug, run=run.pk, plan=plan.pk,
        officer=profile.pk,
        hotspot=hotspot.pk, client_uuid=str(visit.client_uuid),
        by_path={
            "/api/assignments/{id}/": mine.pk,
            "/api/calls/{id}/": call.pk,
            "/api/calls/{id}/public-action/": call.pk,
            "/api/evaluations/{id}/": evaluation.pk,
            "/api/evaluations/{id}/hotspots.csv": evaluation.pk,
            "/api/imports/{id}/": ImportBatch.objects.get(force=force).pk,
            "/api/jobs/{id}/": evaluation.job_id,
        },
    )  # fmt: skip
    for user in (manager, officer, commander):
        client = Client()
        client.force_login(user)
        SESSIONS[user.username] = client.cookies["sessionid"].value
    yield
    RECORDS.clear()
    SESSIONS.clear()


def _keep_generated(value) -> bool:
    """One generated value in four is sent as drawn (mostly naming nothing: 404, 400); the
    others are swapped for a real record so that writes can succeed. Deterministic."""
    return zlib.crc32(repr(value).encode()) % 4 == 0


def _point_at_records(case) -> None:
    path = case.path_parameters or {}
    for name, value in path.items():
        real = RECORDS["by_path"].get(case.path, RECORDS.get(name))
        if name == "id" and case.path.startswith(("/api/plans/", "/api/hotspot-runs/")):
            real = RECORDS["plan" if case.path.startswith("/api/plans/") else "run"]
        if real is not None and not _keep_generated(value):
            path[name] = real
    query = case.query or {}
    if "force" in query and not _keep_generated(query["force"]):
        query["force"] = RECORDS["force"]
    if isinstance(case.body, dict):
        for name in ("force", "run", "plan", "officer", "hotspot"):
            if name in case.body and not _keep_generated(case.body[name]):
                case.body[name] = RECORDS[name]


def _as(case, username: str | None) -> None:
    """The session of `username` in place of the placeholder; none for an anonymous visitor."""
    cookies = {**case.cookies}
    cookies.pop("sessionid")
    case.cookies = {**cookies, "sessionid": SESSIONS[username]} if username else cookies


# Each case is sent as each identity in turn. Derandomised so that a run is reproducible;
# widen max_examples locally to hunt for more.
@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_the_schema_says(case, world):
    _point_at_records(case)
    signed_in = "sessionid" in (case.cookies or {}) and case.cookies["sessionid"] == PLACEHOLDER
    headers = {"X-CSRFToken": CSRF}
    if case.path == "/api/forces/{slug}/call-events/":  # the control room's token, not a session
        headers["Authorization"] = f"Bearer {RECORDS['token']}"
    for identity, username in IDENTITIES.items():
        if signed_in:  # a case drawn without the sign-in, or a broken one, goes as drawn
            _as(case, username)
        try:
            response = case.call_and_validate(cookies={"csrftoken": CSRF}, headers=headers)
        except BaseException as failure:
            failure.add_note(f"Sent as: {identity}")
            raise
        seen = STATUSES.setdefault(case.operation.label, {})
        seen.setdefault(identity, set()).add(response.status_code)


def test_the_fuzzing_reached_successes_and_refusals():
    """Runs after the fuzzing (same file, later): reads and writes did succeed, so their
    answers were checked too, and the anonymous visitor was refused wherever sign-in is
    needed."""
    operations = {result.ok().label for result in schema.get_all_operations()}
    if set(STATUSES) != operations:
        pytest.skip("only part of the fuzzing ran")
    succeeded = {
        label
        for label, seen in STATUSES.items()
        if any(200 <= code < 300 for codes in seen.values() for code in codes)
    }
    writes = {label for label in operations if not label.startswith("GET ")}
    # Writes whose bodies the schema describes closely enough for drawn data to pass; the
    # others need records and periods that agree with each other (see README, Security).
    assert {
        "PATCH /api/assignments/{id}/",
        "POST /api/calls/{id}/public-action/",
        "POST /api/jobs/selftest/",
        "POST /api/leave/",
        "POST /api/plans/{id}/generate/",
        "POST /api/plans/{id}/publish/",
    } <= succeeded, sorted(succeeded & writes)
    assert len(succeeded - writes) >= 30, sorted(operations - writes - succeeded)
    # Public reads (police.uk's own street names for the maps' fallback among them), and the
    # push that authenticates a control room's token instead.
    public = {label for label in operations if label.startswith("GET /api/public/")}
    public |= {"GET /healthz", "POST /api/forces/{slug}/call-events/",
               "GET /api/forces/{slug}/streets/"}  # fmt: skip
    for label in operations - public:
        assert STATUSES[label]["anonymous"] <= {401, 403, 404}, label


def test_the_checks_catch_an_answer_that_breaks_the_schema():
    """The checks the fuzzing relies on really run: an answer with a month typed wrong, a
    status the schema does not list, or a 5xx fails validation."""
    operation = schema["/api/me/"]["GET"]
    case = operation.Case()

    def answer(status: int, body: bytes) -> Response:
        return Response(
            status_code=status, headers={"Content-Type": ["application/json"]}, content=body,
            request=requests.Request("GET", "http://localhost/api/me/").prepare(),
            elapsed=0.001, message="", encoding="utf-8", http_version="1.1", verify=True,
        )  # fmt: skip

    # Whether a sign-in is enforced needs a live server to ask; it is left out here only.
    ignore = [ignored_auth]

    good = b'{"username": "morgan", "full_name": "Morgan Hale", "roles": ["manager"]}'
    case.validate_response(answer(200, good), excluded_checks=ignore)
    for status, body, title in [
        (200, b'{"username": "morgan", "full_name": null, "roles": ["manager"]}', "violates"),
        (200, b'{"username": "morgan", "full_name": "Morgan Hale", "roles": "x"}', "violates"),
        (418, good, "Undocumented status code"),
        (500, b'{"detail": "Server error"}', "Server error"),
    ]:
        with pytest.raises(FailureGroup) as failures:
            case.validate_response(answer(status, body), excluded_checks=ignore)
        assert any(title in failure.title for failure in failures.value.exceptions), status
