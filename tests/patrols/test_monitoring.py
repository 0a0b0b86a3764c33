"""Published plans are monitored like runs (registered from patrols; hotspots never imports
patrols)."""

import datetime as dt

import pytest
from django.urls import reverse

from hotspots.models import HotspotReview
from hotspots.services.monitoring import hotspots_monitor
from patrols.models import PatrolPlan, PlanHotspot
from tests.hotspots.test_monitoring_service import force, run  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def plan_of(run, status: str, ranks: list[int]) -> PatrolPlan:  # noqa: F811
    plan = PatrolPlan.objects.create(
        force=run.force, name=f"{status} plan", run=run, first_day=dt.date(2025, 1, 6),
        last_day=dt.date(2025, 2, 2), seed=1, status=status,
    )  # fmt: skip
    for hotspot in run.hotspots.filter(rank__in=ranks):
        PlanHotspot.objects.create(plan=plan, hotspot=hotspot)
    return plan


def test_published_plans_are_reviewed_and_drafts_are_not(run) -> None:  # noqa: F811
    published = plan_of(run, PatrolPlan.Status.PUBLISHED, [2])
    plan_of(run, PatrolPlan.Status.DRAFT, [1, 2])
    summary = hotspots_monitor(force=run.force)
    assert summary["reviews"] == 2  # the latest run and the published plan
    review = HotspotReview.objects.get(kind="plan")
    assert review.object_id == published.pk
    assert review.url == reverse("plan-detail", args=[published.pk])
    assert review.label == "Plan: published plan"
    # The plan holds only the hotspot that went quiet in the last three months.
    assert (review.hotspots, review.cooled) == (1, 1)
    assert review.result["hotspots"][0]["label"] == "Bravo Road"
