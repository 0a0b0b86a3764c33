"""The cap on patrol minutes per hotspot per local day and per ISO week: both solvers keep
within it (counted here from the visits' own timestamps), locked visits included."""

from collections import defaultdict

import pytest

from patrols.models import PatrolPlan
from patrols.scheduling import solve
from patrols.scheduling.check import check
from tests.patrols.factories import HotspotFactory, RunFactory
from tests.patrols.test_scheduling import AUTUMN, LONDON, SOLVERS, generated_request


def minutes_by(schedule, key) -> dict:
    totals: dict = defaultdict(float)
    for visit in schedule.visits:
        start = visit.start.astimezone(LONDON)
        totals[(visit.hotspot_id, key(start.date()))] += (
            visit.end - visit.start
        ).total_seconds() / 60
    return totals


@pytest.mark.parametrize("solver", SOLVERS)
def test_both_solvers_keep_within_the_day_and_week_caps(solver):
    free = solve(generated_request(3, AUTUMN, solver))
    assert max(minutes_by(free, lambda d: d).values()) > 15  # the day cap binds
    assert max(minutes_by(free, lambda d: d.isocalendar()[:2]).values()) > 45  # so does the week's
    request = generated_request(3, AUTUMN, solver, cap_day_minutes=15, cap_week_minutes=45)
    capped = solve(request)
    assert capped.visits and check(request, capped) == []
    assert max(minutes_by(capped, lambda d: d).values()) <= 15
    assert max(minutes_by(capped, lambda d: d.isocalendar()[:2]).values()) <= 45
    assert any("cap on patrol minutes" in line for line in capped.explanation)


@pytest.mark.django_db
def test_a_plan_may_set_its_own_caps_through_the_api(manager_client, settings):
    settings.PATROL_CAP_DAY_MINUTES, settings.PATROL_CAP_WEEK_MINUTES = 120, 0
    run = RunFactory()
    body = {
        "run": run.pk, "name": "Capped", "first_day": "2026-05-04", "last_day": "2026-05-10",
        "hotspots": [{"hotspot": HotspotFactory(run=run).pk}], "cap_day_minutes": 45,
    }  # fmt: skip
    created = manager_client.post("/api/plans/", body, content_type="application/json").json()
    assert created["cap_day_minutes"] == 45 and created["cap_week_minutes"] is None
    assert PatrolPlan.objects.get(pk=created["id"]).caps == (45, None)  # week: 0 is no cap
    bad = {**body, "cap_day_minutes": -5}
    response = manager_client.post("/api/plans/", bad, content_type="application/json")
    assert response.status_code == 400 and "cap_day_minutes" in response.json()
