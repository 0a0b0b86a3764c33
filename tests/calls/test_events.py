"""Event validation and the fold from events to a call: pure, no database."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calls.categories import STATUS_RANK
from calls.events import CallEventIn, EventError, call_state, event_parse

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
TZ = "Europe/London"


def raw(**fields):
    base = {"reference": "INC-1", "status": "received", "occurred_at": "2026-06-01T12:00:00+00:00"}
    return {**base, **fields}


def test_naive_times_are_local_and_stored_in_utc():
    event = event_parse(raw(occurred_at="2026-06-01T12:30:00"), tz=TZ, now=NOW + dt.timedelta(1))
    assert event.occurred_at == dt.datetime(2026, 6, 1, 11, 30, tzinfo=dt.UTC)  # BST


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"reference": ""}, "reference", "is required"),
        ({"reference": "x" * 101}, "reference", "longer than 100"),
        ({"status": "arrested"}, "status", "must be one of"),
        ({"occurred_at": "yesterday"}, "occurred_at", "not an ISO 8601"),
        ({"occurred_at": None}, "occurred_at", "is required"),
        ({"occurred_at": "2026-06-01T13:00:00+00:00"}, "occurred_at", "in the future"),
        ({"longitude": -1.4}, "latitude", "needed with the other"),
        ({"longitude": "west", "latitude": 52}, "longitude", "not a number"),
        ({"longitude": -1.4, "latitude": 95}, "latitude", "outside -90..90"),
        ({"longitude": 0, "latitude": 0}, "longitude", "missing location"),
        ({"longitude": float("nan"), "latitude": 52}, "longitude", "finite"),
        ({"involves_juvenile": "perhaps"}, "involves_juvenile", "not yes or no"),
        ({"summary": ["a"]}, "summary", "must be text"),
        ({"colour": "red"}, "colour", "not a known field"),
        ({"incident_type": {"code": 1}}, "incident_type", "must be text"),
    ],
)
def test_bad_events_name_the_field(fields, field, words):
    with pytest.raises(EventError) as caught:
        event_parse(raw(**fields), tz=TZ, now=NOW)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_not_an_object():
    with pytest.raises(EventError, match="must be an object"):
        event_parse(["INC-1"], tz=TZ, now=NOW)


def test_status_words_are_normalised_and_ids_kept():
    event = event_parse(raw(status="En Route", event_id="e-9"), tz=TZ, now=NOW)
    assert (event.status, event.key) == ("en_route", "e-9")


def test_without_an_id_the_content_is_the_key():
    first = event_parse(raw(), tz=TZ, now=NOW)
    assert event_parse(raw(), tz=TZ, now=NOW).key == first.key
    assert event_parse(raw(priority="1"), tz=TZ, now=NOW).key != first.key


def test_json_round_trip():
    event = event_parse(raw(longitude=-1.5, latitude=52.9, involves_juvenile="yes"), tz=TZ,
                        now=NOW)  # fmt: skip
    assert CallEventIn.from_json(event.to_json()) == event


def _event(minute: int, status: str, key: str, **details) -> CallEventIn:
    when = NOW + dt.timedelta(minutes=minute)
    return CallEventIn(reference="INC-1", status=status, occurred_at=when, key=key, **details)


LIFECYCLE = [
    _event(0, "received", "a", incident_type="ASB", priority="3", longitude=-1.4, latitude=52.9),
    _event(4, "dispatched", "b", priority="2"),
    _event(9, "en_route", "c"),
    _event(15, "attended", "d", longitude=-1.41, latitude=52.91),
    _event(40, "resolved", "e", summary="Words of advice"),
]


def test_fold_of_a_lifecycle():
    state = call_state(LIFECYCLE)
    assert (state.status, state.status_at) == ("resolved", NOW + dt.timedelta(minutes=40))
    assert state.received_at == NOW
    assert (state.incident_type, state.priority) == ("ASB", "2")
    assert (state.longitude, state.latitude) == (-1.41, 52.91)
    assert state.summary == "Words of advice"
    assert state.involves_juvenile is False


def test_an_older_event_never_moves_the_call_back():
    late = _event(5, "received", "late-repeat")
    assert call_state([*LIFECYCLE, late]).status == "resolved"
    # same time: the further stage wins, whatever arrives last
    tie = [_event(0, "attended", "x"), _event(0, "dispatched", "y")]
    assert call_state(tie).status == "attended"
    assert call_state(tie[::-1]).status == "attended"


@settings(max_examples=200, deadline=None)
@given(st.permutations(LIFECYCLE), st.lists(st.sampled_from(LIFECYCLE), max_size=5))
def test_fold_ignores_arrival_order_and_repeats(order, repeats):
    assert call_state([*order, *repeats]) == call_state(LIFECYCLE)


def _naive_state(events):
    """An independent reading of the rules: the latest (time, stage) wins the status; each
    detail comes from the latest event carrying it."""
    best = max(events, key=lambda e: (e.occurred_at, STATUS_RANK[e.status], e.key))
    carrying = [e for e in events if e.priority is not None]
    latest = max(
        carrying, default=None, key=lambda e: (e.occurred_at, STATUS_RANK[e.status], e.key)
    )
    return best.status, min(e.occurred_at for e in events), latest.priority if latest else ""


events_strategy = st.lists(
    st.builds(
        _event,
        st.integers(0, 30),
        st.sampled_from(sorted(STATUS_RANK)),
        st.text("abcdef", min_size=1, max_size=3),
        priority=st.one_of(st.none(), st.sampled_from(["1", "2", "3"])),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda event: event.key,  # one key is one event: repeats are deduplicated
)


@settings(max_examples=300, deadline=None)
@given(events_strategy)
def test_fold_matches_an_independent_reading(events):
    state = call_state(events)
    assert (state.status, state.received_at, state.priority) == _naive_state(events)
