"""The manager's home-page card "Patrols delivered" (registered with core.panels): planned
against delivered hours of the published plans running now or lately, from patrols.delivery."""

import datetime as dt

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from core.panels import manager_panel
from patrols import delivery
from patrols.models import PatrolPlan

SHOWN = 5
RECENT_DAYS = 14


@manager_panel("patrols.delivery")
def patrols_delivered(request: HttpRequest) -> str:
    today = timezone.localdate()
    plans = list(
        PatrolPlan.objects.filter(
            status=PatrolPlan.Status.PUBLISHED,
            first_day__lte=today,
            last_day__gte=today - dt.timedelta(days=RECENT_DAYS),
        ).order_by("-last_day", "-id")[:SHOWN]
    )
    if not plans:
        return ""
    rows = [(plan, delivery.plan_delivery(plan).total()) for plan in plans]
    return render_to_string("patrols/_delivery_card.html", {"rows": rows}, request=request)
