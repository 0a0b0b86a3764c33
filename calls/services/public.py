"""The public view of live calls: every rule of docs/live-calls.md is applied here and only
here. Public endpoints and pages call `public_calls` / `public_summary` (through the cache)
and never read calls any other way."""

import datetime as dt
import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac

from calls import selectors
from calls.categories import BY_SLUG, STATUS_LABELS
from calls.events import CallState, call_state
from calls.models import Call, IncidentTypeMapping
from calls.privacy import CELL, SNAP, PublicRules, place_calls, round_down
from hotspots.models import Force
from hotspots.services.geometry import point_to_lonlat, to_projected

SUMMARY_DAYS = 28
SUMMARY_CACHE_SECONDS = 900
# A body past its cache period is still served, while one request renews it, for at most
# STALE_FACTOR periods; the page shows its age. Withholding a call clears the cache at once.
STALE_FACTOR = 10
RENEW_LOCK_SECONDS = 30
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def public_rules() -> PublicRules:
    return PublicRules(
        delay=dt.timedelta(minutes=settings.CALLS_PUBLIC_DELAY_MINUTES),
        window=dt.timedelta(hours=settings.CALLS_PUBLIC_WINDOW_HOURS),
        snap_m=float(settings.CALLS_PUBLIC_SNAP_M),
        cell_m=float(settings.CALLS_PUBLIC_CELL_M),
        k=settings.CALLS_PUBLIC_MIN_CALLS,
        round_minutes=settings.CALLS_PUBLIC_ROUND_MINUTES,
    )


def public_reference(*, force_id: int, reference: str) -> str:
    """Stable for a call, but a keyed hash (SECRET_KEY): it cannot be turned back into, or
    matched against, the force's reference without the key."""
    digest = salted_hmac("calls.public-reference", f"{force_id}:{reference}").hexdigest()
    return "C-" + digest[:10].upper()


def _visible(
    call: selectors.WindowCall,
    cutoff: dt.datetime,
    mappings: dict[str, IncidentTypeMapping],
    suppressed: set[str],
) -> tuple[CallState, IncidentTypeMapping] | None:
    """The call as it stood at `cutoff` and its category, or None when it is withheld: by a
    supervisor, for a juvenile, or because any type it ever had is unmapped, sensitive or of
    a suppressed category. Withholding looks at everything known now, not only at `cutoff`."""
    if call.public_action == Call.PublicAction.WITHHOLD or call.involves_juvenile:
        return None
    seen = [event for event in call.events if event.occurred_at <= cutoff]
    if not seen or any(event.involves_juvenile for event in call.events):
        return None
    for incident_type in {event.incident_type for event in call.events} - {None}:
        mapping = mappings.get(incident_type)  # type: ignore[arg-type]
        if mapping is None or mapping.sensitive or mapping.public_category in suppressed:
            return None
    state = call_state(seen)
    mapping = mappings.get(state.incident_type)
    if mapping is None:
        return None
    return state, mapping


def _visible_calls(force: Force, start: dt.datetime, cutoff: dt.datetime):
    mappings = selectors.mappings_for(force=force)
    suppressed = set(settings.CALLS_PUBLIC_SUPPRESSED)
    for call in selectors.public_window_calls(force=force, start=start, end=cutoff):
        visible = _visible(call, cutoff, mappings, suppressed)
        if visible:
            yield call, *visible


def public_calls(*, force: Force, now: dt.datetime | None = None) -> dict:
    """The public live map: calls received in the window ending `delay` ago, as they stood
    then, at generalised points shared by at least k calls."""
    rules = public_rules()
    now = now or timezone.now()
    cutoff = now - rules.delay
    located = [
        (call, state, mapping)
        for call, state, mapping in _visible_calls(force, cutoff - rules.window, cutoff)
        if state.longitude is not None
    ]
    points = _place(force, located, rules)
    return {
        "force": {"slug": force.slug, "name": force.name},
        "generated_at": now.isoformat(timespec="seconds"),
        "data_up_to": _local(round_down(cutoff, rules.round_minutes)),
        "rules": _rules_json(rules),
        "attribution": f"Calls for service: {force.name}",
        "calls_shown": sum(len(point["calls"]) for point in points),
        "points": points,
    }


def _place(force: Force, located: list, rules: PublicRules) -> list[dict]:
    if not located:
        return []
    lonlat = np.array([(state.longitude, state.latitude) for _, state, _ in located])
    projected = shapely.get_coordinates(to_projected(shapely.points(lonlat)))
    points_xy, points_lonlat = selectors.map_points(force=force)
    generalise = np.array(
        [call.public_action == Call.PublicAction.GENERALISE for call, _, _ in located]
    )
    placement = place_calls(
        projected[:, 0], projected[:, 1], generalise=generalise, map_points=points_xy,
        rules=rules,
    )  # fmt: skip
    points: list[dict] = []
    for xy, snap in zip(placement.points_xy, placement.points_snap, strict=True):
        lon, lat = points_lonlat[snap] if snap >= 0 else point_to_lonlat(*xy)
        points.append({"lon": round(float(lon), 6), "lat": round(float(lat), 6),
                       "kind": SNAP if snap >= 0 else CELL, "calls": []})  # fmt: skip
    for (call, state, mapping), point in zip(located, placement.point, strict=True):
        if point >= 0:
            points[point]["calls"].append(_public_call(force, call, state, mapping, rules))
    for point in points:
        point["calls"].sort(key=lambda c: (c["received"], c["ref"]), reverse=True)
    return points


def _public_call(force, call, state: CallState, mapping, rules: PublicRules) -> dict:
    """Exactly the fields a resident may see: no reference, priority, free text or location."""
    category = BY_SLUG[mapping.public_category]
    return {
        "ref": public_reference(force_id=force.pk, reference=call.reference),
        "category": category.slug,
        "category_label": category.label,
        "status": state.status,
        "status_label": STATUS_LABELS[state.status],
        "received": _local(round_down(state.received_at, rules.round_minutes)),
        "updated": _local(round_down(state.status_at, rules.round_minutes)),
    }


def public_summary(*, force: Force, now: dt.datetime | None = None) -> dict:
    """Calls of the last 28 days (to the delay) by category and by hour of the week, counts
    below k shown as null ("fewer than k")."""
    rules = public_rules()
    now = now or timezone.now()
    cutoff = now - rules.delay
    start = cutoff - dt.timedelta(days=SUMMARY_DAYS)
    categories: Counter[str] = Counter()
    hours = np.zeros((7, 24), dtype=int)
    for _, state, mapping in _visible_calls(force, start, cutoff):
        categories[mapping.public_category] += 1
        local = timezone.localtime(state.received_at)
        hours[local.weekday(), local.hour] += 1
    return {
        "force": {"slug": force.slug, "name": force.name},
        "generated_at": now.isoformat(timespec="seconds"),
        "period": {
            "from": _local(round_down(start, rules.round_minutes)),
            "to": _local(round_down(cutoff, rules.round_minutes)),
        },  # fmt: skip
        "min_count": rules.k,
        "by_category": [
            {"category": slug, "label": BY_SLUG[slug].label, "calls": _count(n, rules.k)}
            for slug, n in sorted(categories.items(), key=lambda item: (-item[1], item[0]))
        ],
        "weekdays": list(WEEKDAYS),
        "by_hour_of_week": [[_count(int(n), rules.k) for n in row] for row in hours],
        "attribution": f"Calls for service: {force.name}",
    }


def _count(n: int, k: int) -> int | None:
    return n if n == 0 or n >= k else None


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="minutes")


def _rules_json(rules: PublicRules) -> dict:
    return {
        "delay_minutes": int(rules.delay.total_seconds() // 60),
        "window_hours": int(rules.window.total_seconds() // 3600),
        "snap_m": rules.snap_m,
        "cell_m": rules.cell_m,
        "min_calls": rules.k,
        "round_minutes": rules.round_minutes,
        "suppressed": [BY_SLUG[s].label for s in settings.CALLS_PUBLIC_SUPPRESSED if s in BY_SLUG],
    }


@dataclass(frozen=True)
class PublicBody:
    body: bytes
    etag: str


CALLS = "calls"
SUMMARY = "summary"
_BUILDERS = {CALLS: public_calls, SUMMARY: public_summary}


def public_body(*, kind: str, slug: str) -> PublicBody | None:
    """The JSON body of a public endpoint for the force with this slug (None: no such force),
    from the shared cache: any number of viewers costs one build, and no other query, per
    cache period. When the body is due for renewal one request rebuilds it while the others
    keep getting the previous one, so a renewal never stalls every viewer at once."""
    key = _cache_key(kind, slug)
    seconds = SUMMARY_CACHE_SECONDS if kind == SUMMARY else settings.CALLS_PUBLIC_CACHE_SECONDS
    cached = cache.get(key)
    if cached is not None:
        item, fresh_until = cached
        if time.time() < fresh_until or not cache.add(f"{key}:renewing", 1, RENEW_LOCK_SECONDS):
            return item
    force = Force.objects.filter(slug=slug).first()
    if force is None:
        return None
    body = json.dumps(_BUILDERS[kind](force=force), separators=(",", ":")).encode()
    item = PublicBody(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"')
    if seconds:
        cache.set(key, (item, time.time() + seconds), seconds * STALE_FACTOR + RENEW_LOCK_SECONDS)
        cache.delete(f"{key}:renewing")
    return item


def _cache_key(kind: str, slug: str) -> str:
    return f"calls:public:{kind}:{slug}"


def public_rate_allowed(*, address: str) -> bool:
    """At most CALLS_PUBLIC_RATE_PER_MINUTE public requests per address per clock minute."""
    key = f"calls:rate:{address}:{int(timezone.now().timestamp() // 60)}"
    if cache.add(key, 1, 70):
        return True
    try:
        return cache.incr(key) <= settings.CALLS_PUBLIC_RATE_PER_MINUTE
    except ValueError:  # expired between add and incr
        return True


def public_cache_clear(*, force: Force) -> None:
    """Drop a force's cached public bodies, so that a withholding takes effect at once."""
    cache.delete_many([_cache_key(kind, force.slug) for kind in _BUILDERS])
