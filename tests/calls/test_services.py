"""Applying events to calls: idempotent, order-tolerant, never half-applied."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls.models import Call, CallEvent, PublicActionLog, RejectedEvent
from calls.services.moderation import call_set_public_action
from calls.services.tokens import token_create, token_for_secret, token_revoke
from tests.calls.conftest import LAT, LON, apply, event

pytestmark = pytest.mark.django_db

LIFECYCLE = [
    event(status="received", minutes_ago=60),
    event(status="dispatched", minutes_ago=55, priority="1"),
    event(status="en_route", minutes_ago=50),
    event(status="attended", minutes_ago=40, longitude=LON + 0.001, latitude=LAT),
    event(status="resolved", minutes_ago=10, summary="Advice given"),
]


def _snapshot(call: Call) -> tuple:
    return (call.status, call.status_at, call.received_at, call.incident_type, call.priority,
            call.longitude, call.latitude, call.x, call.y, call.summary)  # fmt: skip


def test_lifecycle_builds_the_call_with_its_history(force):
    outcomes = apply(force, *LIFECYCLE)
    assert [o.result for o in outcomes] == ["applied"] * 5
    call = Call.objects.get()
    assert (call.status, call.priority, call.summary) == ("resolved", "1", "Advice given")
    assert call.longitude == pytest.approx(LON + 0.001)
    assert 430_000 < call.x < 440_000 and 330_000 < call.y < 340_000  # BNG metres in Derby
    assert list(call.events.values_list("status", flat=True)) == [
        "received",
        "dispatched",
        "en_route",
        "attended",
        "resolved",
    ]


def test_any_arrival_order_and_repeats_give_the_same_call(force, other_force):
    apply(force, *LIFECYCLE)
    expected = _snapshot(Call.objects.get(force=force))
    rng = random.Random(7)
    for attempt in range(5):
        shuffled = LIFECYCLE + rng.sample(LIFECYCLE, 3)
        rng.shuffle(shuffled)
        Call.objects.filter(force=other_force).delete()
        outcomes = apply(other_force, *shuffled)
        assert sorted(o.result for o in outcomes).count("applied") == 5, attempt
        assert sorted(o.result for o in outcomes).count("duplicate") == 3
        assert _snapshot(Call.objects.get(force=other_force)) == expected
        assert CallEvent.objects.filter(call__force=other_force).count() == 5


def test_a_late_older_event_is_kept_but_moves_nothing(force):
    apply(force, LIFECYCLE[0], LIFECYCLE[3])
    before = _snapshot(Call.objects.get())
    [outcome] = apply(force, LIFECYCLE[1])  # dispatched, older than attended
    assert outcome.result == "applied"
    call = Call.objects.get()
    assert call.status == "attended" and _snapshot(call)[1:3] == before[1:3]
    assert call.events.count() == 3


def test_replaying_a_whole_feed_changes_nothing(force):
    apply(force, *LIFECYCLE)
    before = _snapshot(Call.objects.get())
    outcomes = apply(force, *LIFECYCLE)
    assert {o.result for o in outcomes} == {"duplicate"}
    assert _snapshot(Call.objects.get()) == before
    assert CallEvent.objects.count() == 5


def test_bad_event_is_kept_for_review_and_never_half_applied(force):
    apply(force, LIFECYCLE[0])
    before = _snapshot(Call.objects.get())
    bad = event(status="attended", minutes_ago=5, longitude=LON, latitude=200, priority="1")
    outcomes = apply(force, bad, LIFECYCLE[1])
    assert [o.result for o in outcomes] == ["rejected", "applied"]
    assert outcomes[0].field == "latitude" and "outside -90..90" in outcomes[0].error
    call = Call.objects.get()
    assert call.status == "dispatched"  # the bad "attended" moved nothing
    assert _snapshot(call)[2:4] == before[2:4]  # received time and type untouched
    rejected = RejectedEvent.objects.get()
    assert rejected.payload == bad and rejected.field == "latitude"
    assert rejected.force == force and rejected.source == "api"


def test_same_event_id_with_other_content_is_refused(force):
    apply(force, event(event_id="e-1"))
    [outcome] = apply(force, event(event_id="e-1", priority="1"))
    assert outcome.result == "rejected" and "other content" in outcome.error
    assert Call.objects.get().priority == "2"
    assert RejectedEvent.objects.count() == 1


def test_an_event_for_another_force_is_refused(force):
    [outcome] = apply(force, event(force="nottinghamshire"))
    assert outcome.result == "rejected" and outcome.field == "force"
    assert not Call.objects.exists()


def test_events_before_received_create_the_call(force):
    apply(force, event(status="dispatched", minutes_ago=20))
    call = Call.objects.get()
    assert call.status == "dispatched" and call.incident_type == "" and call.x is None
    apply(force, event(status="received", minutes_ago=25))
    call.refresh_from_db()
    assert call.status == "dispatched" and call.incident_type == "ASB" and call.x is not None


def test_applying_a_batch_costs_few_queries_per_event(force):
    apply(force, *LIFECYCLE)
    batch = [event(reference=f"INC-{i}", minutes_ago=30) for i in range(20)]
    with CaptureQueriesContext(connection) as queries:
        apply(force, *batch)
    assert len(queries) <= 20 * 10


def test_tokens_are_stored_hashed_scoped_and_revocable(force):
    token, secret = token_create(force=force, name="cad")
    assert secret.startswith("hpc_") and len(secret) > 40
    assert secret not in str(token.__dict__) and token.digest != secret
    assert token_for_secret(secret=secret) == token
    assert token_for_secret(secret=secret + "x") is None
    token_revoke(token=token)
    assert token_for_secret(secret=secret) is None
    with pytest.raises(ValueError, match="already has a token"):
        token_create(force=force, name="cad")


def test_public_action_is_recorded_with_who_and_why(force, manager):
    apply(force, LIFECYCLE[0])
    call = call_set_public_action(call=Call.objects.get(), action="withhold",
                                  reason="Victim at risk", user=manager)  # fmt: skip
    assert call.public_action == "withhold"
    log = PublicActionLog.objects.get()
    assert (log.user, log.reason, log.action) == (manager, "Victim at risk", "withhold")
    with pytest.raises(ValueError, match="reason"):
        call_set_public_action(call=call, action="", reason=" ", user=manager)


def test_whole_lifecycles_in_one_batch_cost_queries_per_call_not_per_event(force):
    batch = []
    for i in range(20):
        ref = f"INC-{i}"
        batch += [event(ref, status="received", minutes_ago=60),
                  event(ref, status="dispatched", minutes_ago=50),
                  event(ref, status="attended", minutes_ago=40),
                  event(ref, status="resolved", minutes_ago=30)]  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        outcomes = apply(force, *batch)
    assert {o.result for o in outcomes} == {"applied"}
    assert len(queries) <= 20 * 10  # 80 events
    assert set(Call.objects.values_list("status", flat=True)) == {"resolved"}


def test_repeats_and_conflicts_inside_one_batch(force):
    first = event(event_id="e-1")
    outcomes = apply(force, first, first, {**first, "priority": "1"})
    assert [o.result for o in outcomes] == ["applied", "duplicate", "rejected"]
    assert outcomes[2].field == "event_id" and CallEvent.objects.count() == 1
    assert [o.index for o in outcomes] == [0, 1, 2]


def _lifecycles(refs, start=60):
    statuses = ["received", "dispatched", "attended", "resolved"]
    return [event(ref, status=status, minutes_ago=start - 10 * i)
            for ref in refs for i, status in enumerate(statuses)]  # fmt: skip


def test_a_batch_costs_one_query_per_call_it_changes_beyond_a_constant(force):
    def count(batch) -> int:
        with CaptureQueriesContext(connection) as queries:
            outcomes = apply(force, *batch)
        assert {o.result for o in outcomes} == {"applied"}
        return len(queries)

    apply(force, *_lifecycles(["OLD-0", "OLD-1"])[:2])
    few = count(_lifecycles(["NEW-0"])[2:] + [event("OLD-0", status="attended", minutes_ago=5)])
    apply(force, *[event(f"OLD-{i}", minutes_ago=60) for i in range(2, 30)])
    # Small enough for one statement of each kind on SQLite too (at most 999 parameters).
    many = _lifecycles([f"MORE-{i}" for i in range(20)])
    many += [event(f"OLD-{i}", status="resolved", minutes_ago=1) for i in range(1, 30)]
    random.Random(4).shuffle(many)
    assert count(many) - 49 == few - 2  # calls changed: 20 new and 29 old; 1 new and 1 old
    statuses = dict(Call.objects.values_list("reference", "status"))
    assert statuses["OLD-0"] == "attended" and statuses["NEW-0"] == "resolved"
    assert {statuses[f"OLD-{i}"] for i in range(1, 30)} == {"resolved"}
    assert {statuses[f"MORE-{i}"] for i in range(20)} == {"resolved"}
    assert CallEvent.objects.count() == 2 + 3 + 28 + 80 + 29
