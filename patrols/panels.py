"""The home-page cards of patrols (registered with core.panels): "Patrols delivered" (the
latest published plans, from patrols.delivery) for managers, and "Legitimacy guardrails" for
managers and commanders."""

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from core.panels import commander_panel, manager_panel
from hotspots.models import Force
from patrols import selectors
from patrols.models import PatrolPlan

SHOWN = 5


@manager_panel("patrols.delivery")
def patrols_delivered(request: HttpRequest) -> str:
    from patrols import delivery  # numerical libraries: loaded when shown

    plans = list(
        PatrolPlan.objects.filter(
            status=PatrolPlan.Status.PUBLISHED, first_day__lte=timezone.localdate()
        ).order_by("-last_day", "-id")[:SHOWN]
    )
    if not plans:
        return ""
    rows = [(plan, delivery.plan_delivery(plan).total()) for plan in plans]
    return render_to_string("patrols/_delivery_card.html", {"rows": rows}, request=request)


@manager_panel("patrols.guardrails")
@commander_panel("patrols.guardrails")
def guardrails(request: HttpRequest) -> str:
    """Flagged hotspots of each force with published plans, over the GUARDRAIL_DAYS up to
    the force's latest visit (today at the latest)."""
    forces = Force.objects.filter(plans__status=PatrolPlan.Status.PUBLISHED).distinct()
    found = []
    for force in forces.order_by("name"):
        last = selectors.latest_visit_day(force=force)
        if last is None:
            continue
        first = last - dt.timedelta(days=settings.GUARDRAIL_DAYS - 1)
        rows = selectors.legitimacy_checks(
            force=force, first_day=first, last_day=last, alpha=settings.GUARDRAIL_FDR
        )
        if not rows:
            continue
        for row in rows:
            row["check_list"] = [row["checks"][name] for name, _ in selectors.GUARDRAIL_MEASURES]
        flagged = [row for row in rows if row["flagged"]]
        found.append((force, rows, flagged, first, last))
    if not found:
        return ""
    context = {
        "forces": found,
        "measures": selectors.GUARDRAIL_MEASURES,
        "days": settings.GUARDRAIL_DAYS,
        "alpha_percent": settings.GUARDRAIL_FDR * 100,
    }
    return render_to_string("patrols/_guardrails_card.html", context, request=request)
