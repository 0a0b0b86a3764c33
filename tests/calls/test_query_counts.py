"""Live-call reads answer in the same number of queries with N and 2N calls, events and
rejected events (the staff list, staff map and public body have their own growth tests in
test_api.py, test_staff_map.py and test_public.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls.models import Call, CallEvent, RejectedEvent
from tests.calls.conftest import apply, event

pytestmark = pytest.mark.django_db
N = 4


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def _grow_calls(force, start: int) -> None:
    apply(force, *[event(f"G{start + i}", minutes_ago=5 + i) for i in range(N)])


def _grow_history(force, start: int) -> None:
    statuses = ["dispatched", "en_route"]
    apply(force, *[event("INC-1", status=statuses[(start + i) % 2], minutes_ago=20 - start - i)
                   for i in range(N)])  # fmt: skip


def _grow_rejected(force, start: int) -> None:
    apply(force, *[event(f"R{start + i}", status="lost") for i in range(N)])


@pytest.mark.parametrize(
    ("persona", "url", "grow", "rows"),
    [
        ("manager", "/api/call-events/rejected/?force=derbyshire", _grow_rejected, RejectedEvent),
        ("manager", "/api/calls/{call}/", _grow_history, CallEvent),
        ("anonymous", "/live/derbyshire/", _grow_calls, Call),
        ("anonymous", "/api/public/forces/derbyshire/calls/summary/", _grow_calls, Call),
    ],
    ids=["rejected events", "call detail", "public page", "public summary"],
)
def test_queries_do_not_grow_with_calls(
    force, persona, url, grow, rows, manager_client, anonymous_client, settings
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client = manager_client if persona == "manager" else anonymous_client
    apply(force, event("INC-1", minutes_ago=30))
    call = Call.objects.get(force=force, reference="INC-1")
    grow(force, 0)
    before = rows.objects.count()
    few = _count(client, url.format(call=call.pk))
    grow(force, N)
    assert rows.objects.count() >= before + N  # the rows really grew
    assert _count(client, url.format(call=call.pk)) == few
