"""Published patrol plans as selections for hotspot monitoring (see
hotspots/services/monitoring.py). Registered from PatrolsConfig.ready: hotspots asks for
selections by force and never imports this app."""

from collections import Counter

from django.urls import reverse

from hotspots.models import Force, HotspotReview
from hotspots.services.monitoring import Selection, selection_source
from patrols.models import PatrolPlan

PLANS_PER_FORCE = 10


@selection_source("patrols.published_plans")
def published_plans(force: Force) -> list[Selection]:
    """The force's most recent published plans, each with the hotspots of its run."""
    plans = (
        PatrolPlan.objects.filter(force=force, status=PatrolPlan.Status.PUBLISHED)
        .prefetch_related("plan_hotspots__hotspot__run__force")
        .order_by("-first_day", "-id")[:PLANS_PER_FORCE]
    )
    return [s for s in (_selection(plan) for plan in plans) if s is not None]


def _selection(plan: PatrolPlan) -> Selection | None:
    hotspots = [ph.hotspot for ph in plan.plan_hotspots.all()]
    if not hotspots:
        return None
    # Hotspot cells index their own run's grid: review the hotspots of the plan's main run.
    run_id = Counter(h.run_id for h in hotspots).most_common(1)[0][0]
    chosen = tuple(sorted((h for h in hotspots if h.run_id == run_id), key=lambda h: h.rank))
    return Selection(
        kind=HotspotReview.Kind.PLAN,
        object_id=plan.pk,
        label=f"Plan: {plan.name}",
        url=reverse("plan-detail", args=[plan.pk]),
        run=chosen[0].run,
        hotspots=chosen,
    )
