"""Applying call events: each event is validated, then stored and folded into its call in one
savepoint, or refused whole and kept for review. Idempotent and order-tolerant; see
calls.events for the fold."""

import datetime as dt
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
    """Apply a batch of raw events in order; one outcome per event. A bad event never stops
    the good ones around it."""
    now = now or timezone.now()
    outcomes = []
    for index, raw in enumerate(raw_events):
        line = lines[index] if lines else None
        try:
            with transaction.atomic():
                outcome = _apply_one(force, raw, source, token, now, index)
        except EventError as error:
            RejectedEvent.objects.create(
                force=force, source=source, token=token, file_name=file_name, line=line,
                payload=raw, field=error.field, error=str(error),
            )  # fmt: skip
            reference = raw.get("reference", "") if isinstance(raw, dict) else ""
            outcome = EventOutcome(index, REJECTED, str(reference)[:100], None, error.field,
                                   str(error))  # fmt: skip
        outcomes.append(outcome)
    return outcomes


def _apply_one(force, raw, source, token, now, index) -> EventOutcome:
    if isinstance(raw, dict) and raw.get("force") not in (None, "", force.slug):
        raise EventError("force", f"this feed may only send events of {force.slug}")
    event = event_parse(raw, tz=settings.TIME_ZONE, now=now)
    call = _locked_call(force, event)
    existing = call.events.filter(key=event.key).values_list("payload", flat=True).first()
    if existing is not None:
        if existing != event.to_json():
            raise EventError("event_id", f"{event.key} was already received with other content")
        return EventOutcome(index, DUPLICATE, event.reference, call.pk)
    CallEvent.objects.create(
        call=call, key=event.key, status=event.status, occurred_at=event.occurred_at,
        payload=event.to_json(), source=source, token=token, received_at=now,
    )  # fmt: skip
    events = [CallEventIn.from_json(p) for p in call.events.values_list("payload", flat=True)]
    _set_state(call, events)
    call.save()
    return EventOutcome(index, APPLIED, event.reference, call.pk)


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
