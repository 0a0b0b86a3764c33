"""The public view, rule by rule, attacked with crafted feeds (docs/live-calls.md).

Every property is checked on what an anonymous visitor actually receives from the public
endpoint: no withheld call, no call or status younger than the delay, no exact coordinate
(every point is a police.uk map point or a cell centre), no force reference, free text or
priority, and never fewer than k calls at a point."""

import datetime as dt
import json
import math

import numpy as np
import pytest
import shapely
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from calls.categories import STATUS_RANK
from calls.models import Call, RejectedEvent
from calls.services.public import public_reference
from hotspots.services.geometry import to_projected
from tests.calls.conftest import LAT, LON, PUBLIC_TYPES, SENSITIVE_TYPES, add_map_points, apply

pytestmark = pytest.mark.django_db
DELAY, WINDOW_H, CELL, K = 20, 48, 500.0, 3
CALL_KEYS = {"ref", "category", "category_label", "status", "status_label", "received", "updated"}
POINT_KEYS = {"lon", "lat", "kind", "calls"}
# Map points: a 3 × 3 lattice about 300 m apart around Derby centre.
MAP_POINTS = [(LON + 0.0045 * i, LAT + 0.0027 * j) for i in (-1, 0, 1) for j in (-1, 0, 1)]
LIFECYCLE = ["received", "dispatched", "en_route", "attended", "resolved"]


@pytest.fixture
def public_settings(settings):
    settings.CALLS_PUBLIC_DELAY_MINUTES = DELAY
    settings.CALLS_PUBLIC_WINDOW_HOURS = WINDOW_H
    settings.CALLS_PUBLIC_CELL_M = CELL
    settings.CALLS_PUBLIC_SNAP_M = 150
    settings.CALLS_PUBLIC_MIN_CALLS = K
    settings.CALLS_PUBLIC_RATE_PER_MINUTE = 100_000
    return settings


@pytest.fixture
def mapped(force):
    add_map_points(force, MAP_POINTS)
    return force


def _get(client, force, path="calls/"):
    from django.core.cache import cache

    cache.clear()
    response = client.get(f"/api/public/forces/{force.slug}/{path}")
    assert response.status_code == 200
    return response


call_strategy = st.fixed_dictionaries(
    {
        "type": st.one_of(
            st.sampled_from(PUBLIC_TYPES),
            st.sampled_from(PUBLIC_TYPES),
            st.sampled_from([*sorted(SENSITIVE_TYPES), "UNMAPPED"]),
        ),
        # half-minute offsets keep every call clear of the delay's edge during the request
        "received_ago": st.one_of(st.integers(0, 240), st.integers(0, WINDOW_H * 60 + 120)).map(
            lambda m: m + 0.5
        ),
        "steps": st.lists(st.integers(1, 90), max_size=4),
        # dense enough that many points reach k; wide enough to span several cells
        "dx": st.one_of(st.integers(-120, 120), st.integers(-1500, 1500)),
        "dy": st.one_of(st.integers(-120, 120), st.integers(-1500, 1500)),
        "juvenile": st.sampled_from([None, None, False, True]),
        "action": st.sampled_from(["", "", "", "", "withhold", "generalise"]),
        "retyped": st.sampled_from([None, None, None, "ASB", "DOM", "SEX", "THEFT"]),
    }
)


def _feed(force, calls, now):
    """Send each crafted call through the real event service; returns what was sent."""
    sent = []
    for i, spec in enumerate(calls):
        reference = f"FORCE-REF-{i:04d}"
        lon = LON + spec["dx"] / 67_000
        lat = LAT + spec["dy"] / 111_000
        received = now - dt.timedelta(minutes=spec["received_ago"])
        events = [{
            "reference": reference, "status": "received", "occurred_at": received.isoformat(),
            "incident_type": spec["type"], "priority": "2", "longitude": lon, "latitude": lat,
            "summary": f"FREE TEXT {i}: caller says a neighbour shouts", **(
                {"involves_juvenile": spec["juvenile"]} if spec["juvenile"] is not None else {}),
        }]  # fmt: skip
        when = received
        for step, status in zip(spec["steps"], LIFECYCLE[1:], strict=False):
            when = min(when + dt.timedelta(minutes=step), now)
            extra = {"incident_type": spec["retyped"]} if spec["retyped"] and step > 45 else {}
            events.append({"reference": reference, "status": status,
                           "occurred_at": when.isoformat(), **extra})  # fmt: skip
        apply(force, *events, now=now)
        if spec["action"]:
            Call.objects.filter(force=force, reference=reference).update(
                public_action=spec["action"]
            )
        sent.append((reference, spec, lon, lat, events))
    return sent


def _expected_status(events, cutoff):
    seen = [e for e in events if dt.datetime.fromisoformat(e["occurred_at"]) <= cutoff]
    last = max(seen, key=lambda e: (e["occurred_at"], STATUS_RANK[e["status"]]))
    return last["status"]


def _is_cell_centre(lon, lat):
    point = to_projected(shapely.Point(lon, lat))
    for value in (point.x, point.y):
        offset = value / CELL - 0.5
        if abs(offset - round(offset)) * CELL > 0.5:  # 6-decimal lon/lat is ~0.1 m
            return False
    return True


# No shrinking: each example feeds dozens of calls through the database, and the failing
# example as generated already names the call that broke a rule. Derandomised, so that every
# run checks the same examples and the guard below counts the same publications.
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(call_strategy, min_size=20, max_size=60))
def test_nothing_public_breaks_a_rule(anonymous_client, public_settings, mapped, calls):
    force = mapped
    Call.objects.all().delete()
    RejectedEvent.objects.all().delete()
    now = timezone.now()
    sent = _feed(force, calls, now)
    response = _get(anonymous_client, force)
    text = response.content.decode()
    body = json.loads(text)
    cutoff = timezone.now() - dt.timedelta(minutes=DELAY)

    # no force reference, free text or priority anywhere in the answer
    assert "FORCE-REF" not in text and "FREE TEXT" not in text and "neighbour" not in text
    assert "priority" not in text and "summary" not in text

    by_ref = {public_reference(force_id=force.pk, reference=r): (r, s, lon, lat, events)
              for r, s, lon, lat, events in sent}  # fmt: skip
    exact = {(round(lon, 6), round(lat, 6)) for _, _, lon, lat, _ in sent}
    map_points = {(round(lon, 6), round(lat, 6)) for lon, lat in MAP_POINTS}
    shown = 0
    for point in body["points"]:
        assert set(point) == POINT_KEYS
        assert len(point["calls"]) >= K  # never fewer than k calls at a point
        where = (point["lon"], point["lat"])
        if point["kind"] == "map point":
            assert where in map_points
        else:
            assert point["kind"] == "area" and _is_cell_centre(*where)
        assert where not in exact or where in map_points  # never a caller's exact location
        for call in point["calls"]:
            shown += 1
            assert set(call) == CALL_KEYS
            reference, spec, lon, lat, events = by_ref[call["ref"]]
            types = {e["incident_type"] for e in events if "incident_type" in e}
            assert not types & (SENSITIVE_TYPES | {"UNMAPPED"})  # withheld categories
            assert spec["juvenile"] is not True and spec["action"] != "withhold"
            if spec["action"] == "generalise":
                assert point["kind"] == "area"
            received = dt.datetime.fromisoformat(call["received"])
            assert received <= cutoff  # no call younger than the delay
            assert received >= cutoff - dt.timedelta(hours=WINDOW_H, minutes=5)  # the window
            assert dt.datetime.fromisoformat(call["updated"]) <= cutoff
            assert call["status"] == _expected_status(events, cutoff)  # no younger status
            assert received.minute % 5 == 0 and received.second == 0
            # generalised: at a map point near the call, or at the centre of its own cell
            distance = math.hypot((point["lon"] - lon) * 67_000, (point["lat"] - lat) * 111_000)
            assert distance <= 150 + 10 if point["kind"] == "map point" else distance < 400
    assert body["calls_shown"] == shown
    SHOWN.append(shown)


SHOWN: list[int] = []


def test_the_crafted_feeds_did_publish_calls():
    """Guards the property test above against passing by publishing nothing."""
    if not SHOWN:
        pytest.skip("runs after test_nothing_public_breaks_a_rule")
    print(f"calls shown per example: {SHOWN}")
    assert sum(1 for n in SHOWN if n >= 6) >= len(SHOWN) // 4


def _eligible_calls(force, n, minutes_ago=60, **extra):
    now = timezone.now()
    events = [
        {"reference": f"R{i}-{minutes_ago}", "status": "received",
         "occurred_at": (now - dt.timedelta(minutes=minutes_ago)).isoformat(),
         "incident_type": "ASB", "longitude": MAP_POINTS[4][0] + 0.0001 * (i % 3),
         "latitude": MAP_POINTS[4][1], **extra}
        for i in range(n)
    ]  # fmt: skip
    apply(force, *events)


def test_k_calls_appear_at_the_map_point_fewer_do_not(anonymous_client, public_settings, mapped):
    _eligible_calls(mapped, 2)
    assert _get(anonymous_client, mapped).json()["points"] == []
    _eligible_calls(mapped, 1, minutes_ago=61)
    [point] = _get(anonymous_client, mapped).json()["points"]
    assert (point["lon"], point["lat"], point["kind"]) == (*MAP_POINTS[4], "map point")
    assert len(point["calls"]) == 3


def test_a_call_appears_only_after_the_delay(anonymous_client, public_settings, mapped):
    _eligible_calls(mapped, 3, minutes_ago=DELAY - 1)
    assert _get(anonymous_client, mapped).json()["calls_shown"] == 0
    public_settings.CALLS_PUBLIC_DELAY_MINUTES = DELAY - 2
    assert _get(anonymous_client, mapped).json()["calls_shown"] == 3


def test_public_reference_is_stable_and_unlinkable(force, settings):
    first = public_reference(force_id=force.pk, reference="INC-1")
    assert first == public_reference(force_id=force.pk, reference="INC-1")
    assert first != public_reference(force_id=force.pk, reference="INC-2")
    assert "INC" not in first
    settings.SECRET_KEY = "another-deployment-key"
    assert public_reference(force_id=force.pk, reference="INC-1") != first


def test_summary_applies_minimum_counts_and_withholding(anonymous_client, public_settings, mapped):
    _eligible_calls(mapped, 4)
    _eligible_calls(mapped, 2, minutes_ago=24 * 60, incident_type="BURG")
    _eligible_calls(mapped, 5, minutes_ago=90, incident_type="DOM")
    body = _get(anonymous_client, mapped, "calls/summary/").json()
    assert body["by_category"] == [
        {"category": "anti-social-behaviour", "label": "Anti-social behaviour", "calls": 4},
        {"category": "burglary", "label": "Burglary", "calls": None},  # fewer than 3
    ]
    cells = [n for row in body["by_hour_of_week"] for n in row]
    assert len(cells) == 7 * 24 and sum(n or 0 for n in cells) == 4
    assert cells.count(None) == 1  # the two burglaries' hour


def test_public_endpoint_is_cached_and_answers_etags(anonymous_client, public_settings, mapped):
    _eligible_calls(mapped, 3)
    url = f"/api/public/forces/{mapped.slug}/calls/"
    first = anonymous_client.get(url)
    etag = first.headers["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = anonymous_client.get(url)
        unchanged = anonymous_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.content == first.content
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert len(queries) == 0  # body, ETag and rate limit all come from the cache


@pytest.mark.parametrize("n", [3, 30])
def test_building_the_public_body_costs_constant_queries(
    anonymous_client, public_settings, mapped, n
):
    _eligible_calls(mapped, n)
    with CaptureQueriesContext(connection) as queries:
        _get(anonymous_client, mapped)
    assert len(queries) <= 6, [q["sql"] for q in queries.captured_queries]


def test_per_address_rate_limit(anonymous_client, public_settings, mapped):
    public_settings.CALLS_PUBLIC_RATE_PER_MINUTE = 3
    url = f"/api/public/forces/{mapped.slug}/calls/"
    codes = [anonymous_client.get(url).status_code for _ in range(4)]
    other = anonymous_client.get(url, REMOTE_ADDR="10.0.0.9").status_code
    assert codes[:3] == [200, 200, 200] and codes[3] == 429 and other == 200


def test_withholding_takes_effect_at_once(
    manager_client, anonymous_client, public_settings, mapped, django_capture_on_commit_callbacks
):
    _eligible_calls(mapped, 4)
    url = f"/api/public/forces/{mapped.slug}/calls/"
    assert anonymous_client.get(url).json()["calls_shown"] == 4
    call = Call.objects.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            f"/api/calls/{call.pk}/public-action/",
            {"action": "withhold", "reason": "Victim identifiable"},
            content_type="application/json",
        )
    assert response.status_code == 200
    assert anonymous_client.get(url).json()["calls_shown"] == 3


def test_unknown_force_is_404(anonymous_client, public_settings):
    assert anonymous_client.get("/api/public/forces/nowhere/calls/").status_code == 404


def test_cell_centres_without_map_points(anonymous_client, public_settings, force):
    _eligible_calls(force, 3)
    [point] = _get(anonymous_client, force).json()["points"]
    assert point["kind"] == "area" and _is_cell_centre(point["lon"], point["lat"])
    assert not np.isclose(point["lon"], MAP_POINTS[4][0], atol=1e-6)


def test_public_cache_on_redis(anonymous_client, public_settings, mapped):
    """The cached body, its ETag and the rate limit also work on the Redis cache that
    REDIS_URL switches on (TEST_REDIS_URL picks the database)."""
    import os

    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"Redis at {url} is required (REQUIRE_REDIS) but unreachable.")
        pytest.skip(f"no Redis at {url}")
    prefix = f"test-calls-{os.getpid()}"  # its own keys only: the database may be shared
    public_settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
        "KEY_PREFIX": prefix,
    }}  # fmt: skip
    try:
        _eligible_calls(mapped, 3)
        page = f"/api/public/forces/{mapped.slug}/calls/"
        first = anonymous_client.get(page)
        assert first.json()["calls_shown"] == 3
        with CaptureQueriesContext(connection) as queries:
            again = anonymous_client.get(page, HTTP_IF_NONE_MATCH=first.headers["ETag"])
        assert again.status_code == 304 and len(queries) == 0
        public_settings.CALLS_PUBLIC_RATE_PER_MINUTE = 2
        assert anonymous_client.get(page, REMOTE_ADDR="10.9.9.9").status_code == 200
        assert anonymous_client.get(page, REMOTE_ADDR="10.9.9.9").status_code == 200
        assert anonymous_client.get(page, REMOTE_ADDR="10.9.9.9").status_code == 429
    finally:
        keys = client.keys(f"{prefix}:*")
        if keys:
            client.delete(*keys)


def test_a_due_body_is_renewed_by_one_request_while_others_get_the_last(
    anonymous_client, public_settings, mapped, monkeypatch
):
    from django.core.cache import cache

    from calls.services import public

    url = f"/api/public/forces/{mapped.slug}/calls/"
    _eligible_calls(mapped, 3)
    first = anonymous_client.get(url).json()
    _eligible_calls(mapped, 3, minutes_ago=61)
    later = public.time.time() + public_settings.CALLS_PUBLIC_CACHE_SECONDS + 1
    monkeypatch.setattr(public.time, "time", lambda: later)
    cache.add("calls:public:calls:derbyshire:renewing", 1, 30)  # another request is renewing
    assert anonymous_client.get(url).json() == first
    cache.delete("calls:public:calls:derbyshire:renewing")
    assert anonymous_client.get(url).json()["calls_shown"] == 6
