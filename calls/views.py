"""The live maps: public (anyone, the rules of docs/live-calls.md) and staff (exact
locations). Both draw from the JSON API and refresh themselves."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from calls import selectors
from calls.categories import PUBLIC_CATEGORIES, STATUS_LABELS
from calls.services.public import public_rules
from core.roles import COMMANDER, MANAGER
from core.views import role_required
from hotspots.maps import map_base
from hotspots.models import Force, ImportBatch


def public_map(request, slug: str):
    """Who may use it: anyone, including anonymous visitors."""
    force = get_object_or_404(Force, slug=slug)
    rules = public_rules()
    config = {
        "api": reverse("api-public-calls", args=[force.slug]),
        "summary": reverse("api-public-calls-summary", args=[force.slug]),
        "refresh_seconds": settings.CALLS_REFRESH_SECONDS,
        "base": map_base(force),
        "boundary": force.boundary,
        "force": force.name,
    }
    context = {"force": force, "rules": rules, "config": config,
               "delay_minutes": settings.CALLS_PUBLIC_DELAY_MINUTES,
               # Points come from police.uk only when the force has police.uk data.
               "uses_police_uk": ImportBatch.objects.filter(
                   force=force, source=ImportBatch.Source.POLICE_UK).exists(),
               "window_hours": settings.CALLS_PUBLIC_WINDOW_HOURS,
               "suppressed": [c.label for c in PUBLIC_CATEGORIES
                              if c.slug in settings.CALLS_PUBLIC_SUPPRESSED]}  # fmt: skip
    return render(request, "calls/public_map.html", context)


@role_required(MANAGER, COMMANDER)
def staff_map(request):
    """Who may use it: managers and commanders."""
    forces = list(Force.objects.order_by("name"))
    chosen = request.GET.get("force")
    force = next((f for f in forces if f.slug == chosen), None) or (forces[0] if forces else None)
    hotspots = selectors.current_hotspots(force=force) if force else []
    patrols = selectors.todays_patrols(force=force) if force else []
    config = {
        "api": reverse("api-call-list") + (f"?force={force.slug}" if force else ""),
        "refresh_seconds": settings.CALLS_REFRESH_SECONDS,
        "base": map_base(force),
        "boundary": force.boundary if force else None,
        "force": force.name if force else "",
        "statuses": STATUS_LABELS,
        "hotspots": [{"rank": h.rank, "label": h.label, "geometry": h.geometry} for h in hotspots],
        "patrols": [
            {
                "plan": ph.plan.name,
                "plan_id": ph.plan_id,
                "rank": ph.hotspot.rank,
                "label": ph.hotspot.label,
                "geometry": ph.hotspot.geometry,
                "assignments_today": ph.assignments_today,
            }
            for ph in patrols
        ],  # fmt: skip
    }
    context = {"force": force, "forces": forces, "config": config, "patrols": patrols,
               "categories": PUBLIC_CATEGORIES, "statuses": STATUS_LABELS}  # fmt: skip
    return render(request, "calls/staff_map.html", context)
