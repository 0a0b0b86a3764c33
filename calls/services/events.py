"""Applying call events: every event is validated first; the valid ones are then stored and
folded into their call, one savepoint per call, and the bad ones refused whole and kept for
review. Idempotent and order-tolerant; see calls.events for the fold.

A batch costs a handful of queries per call it touches, not per event: a control room that
sends a call's whole lifecycle at once is applied in one round per call."""

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass

import shapely
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from calls.events import CallEventIn, EventError, call_state, event_parse
from calls.models import Call, CallEvent, IntegrationToken, RejectedEvent
from hotspots.models import Force
from hotspots.services.geometry import to_projected

APPLIED = "applied"
DUPLICATE = "duplicate"
REJECTED = "rejected"
MAX_BATCH = 1000


@dataclass(frozen=True)
class EventOutcome:
    index: int
    result: str
    reference: str = ""
    call_id: int | None = None
    field: str = ""
    error: str = ""

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Batch:
    force: Force
    source: str
    token: IntegrationToken | None
    file_name: str
    lines: list[int] | None
    now: dt.datetime


@transaction.atomic
def call_events_apply(
    *,
    force: Force,
    raw_events: list,
    source: str,
    token: IntegrationToken | None = None,
    file_name: str = "",
    lines: list[int] | None = None,
    now: dt.datetime | None = None,
) -> list[EventOutcome]:
    """Apply a batch of raw events; one outcome per event, in the order given. A bad event
    never stops the good ones around it."""
    batch = _Batch(force, source, token, file_name, lines, now or timezone.now())
    outcomes: dict[int, EventOutcome] = {}
    rejected: list[RejectedEvent] = []
    by_reference: dict[str, list[tuple[int, CallEventIn]]] = defaultdict(list)
    for index, raw in enumerate(raw_events):
        try:
            event = _parse(force, raw, batch.now)
        except EventError as error:
            outcomes[index] = _refuse(batch, index, raw, error, rejected)
            continue
        by_reference[event.reference].append((index, event))
    # Calls are locked in reference order, whatever order the events came in, so that two
    # batches touching the same calls never wait for each other in a cycle (a deadlock).
    for reference in sorted(by_reference):
        for index, outcome in _apply_call(batch, by_reference[reference], raw_events, rejected):
            outcomes[index] = outcome
    RejectedEvent.objects.bulk_create(rejected)
    return [outcomes[index] for index in range(len(raw_events))]


def _parse(force: Force, raw: object, now: dt.datetime) -> CallEventIn:
    if isinstance(raw, dict) and raw.get("force") not in (None, "", force.slug):
        raise EventError("force", f"this feed may only send events of {force.slug}")
    return event_parse(raw, tz=settings.TIME_ZONE, now=now)


def _refuse(batch: _Batch, index: int, raw, error: EventError, rejected: list) -> EventOutcome:
    rejected.append(RejectedEvent(
        force=batch.force, source=batch.source, token=batch.token, file_name=batch.file_name,
        line=batch.lines[index] if batch.lines else None, payload=raw, field=error.field,
        error=str(error), received_at=batch.now,
    ))  # fmt: skip
    reference = raw.get("reference", "") if isinstance(raw, dict) else ""
    return EventOutcome(index, REJECTED, str(reference)[:100], None, error.field, str(error))


def _apply_call(batch: _Batch, items: list[tuple[int, CallEventIn]], raw_events, rejected):
    """Store one call's new events and re-fold it, in one savepoint."""
    with transaction.atomic():
        call = _locked_call(batch.force, items[0][1])
        known = dict(call.events.values_list("key", "payload"))
        new: list[CallEvent] = []
        results = []
        for index, event in items:
            payload = event.to_json()
            if event.key in known:
                if known[event.key] != payload:
                    message = f"{event.key} was already received with other content"
                    error = EventError("event_id", message)
                    results.append((index, _refuse(batch, index, raw_events[index], error,
                                                   rejected)))  # fmt: skip
                    continue
                results.append((index, EventOutcome(index, DUPLICATE, event.reference, call.pk)))
                continue
            known[event.key] = payload
            new.append(CallEvent(
                call=call, key=event.key, status=event.status, occurred_at=event.occurred_at,
                payload=payload, source=batch.source, token=batch.token, received_at=batch.now,
            ))  # fmt: skip
            results.append((index, EventOutcome(index, APPLIED, event.reference, call.pk)))
        if new:
            CallEvent.objects.bulk_create(new)
            _set_state(call, [CallEventIn.from_json(p) for p in known.values()])
            call.save()
    return results


def _locked_call(force: Force, event: CallEventIn) -> Call:
    """The call of this reference, locked for the rest of the transaction; created (saved)
    from the event when it is new, even if another writer creates it at the same moment."""
    calls = Call.objects.select_for_update()
    call = calls.filter(force=force, reference=event.reference).first()
    if call is not None:
        return call
    call = Call(force=force, reference=event.reference)
    _set_state(call, [event])
    try:
        with transaction.atomic():
            call.save()
    except IntegrityError:
        return calls.get(force=force, reference=event.reference)
    return call


def _set_state(call: Call, events: list[CallEventIn]) -> None:
    state = call_state(events)
    if (state.longitude, state.latitude) != (call.longitude, call.latitude):
        if state.longitude is None:
            call.x = call.y = None
        else:
            point = to_projected(shapely.Point(state.longitude, state.latitude))
            call.x, call.y = float(point.x), float(point.y)
    for field in ("status", "status_at", "received_at", "incident_type", "priority",
                  "longitude", "latitude", "involves_juvenile", "summary"):  # fmt: skip
        setattr(call, field, getattr(state, field))
