"""The plan page one week at a time, and its move form (officers of the plan's force only)."""

import datetime as dt
import re

import pytest

from bench.pages.seed import seed_force, seed_plan
from patrols.models import OfficerProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans():
    run = seed_force("windowshire", hotspots=5, officers=4)
    seed_force("elsewhere", hotspots=1, officers=3)
    # 17 days from Monday 1 June 2026: weeks of 7, 7 and 3 days, 4 visits a day
    return run, seed_plan(run, days=17, per_day=4, name="Seventeen days")


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr id="assignment-(\d+)">', page)


def test_one_week_at_a_time_with_counts_and_navigation(plans, manager_client):
    _, plan = plans
    url = f"/patrols/plans/{plan.pk}/"
    first = manager_client.get(url).content.decode()  # the plan is not running: its first week
    assert "Week 1 of 3" in first and "28 assignments this week; 68 in the plan." in first
    assert len(_rows(first)) == 28 and "Next week" in first and "Previous week" not in first
    assert 'href="?week=2026-06-08#week"' in first
    # any date of a week shows that week; the last is 3 days long
    last = manager_client.get(url, {"week": "2026-06-17"}).content.decode()
    assert "Week 3 of 3" in last and "12 assignments this week" in last
    assert len(_rows(last)) == 12 and "Next week" not in last
    shown = {int(pk) for pk in _rows(last)}
    expected = {
        a.pk for a in plan.assignments.all() if a.start.date() >= dt.date(2026, 6, 15)
    }  # seeded visits start 08:00-23:45 London time, so the UTC date is the local date
    assert shown == expected
    # a date outside the plan, or not a date, falls back to the first week
    for bad in ("2027-01-01", "not-a-date"):
        assert "Week 1 of 3" in manager_client.get(url, {"week": bad}).content.decode()
    assert '<select id="week-select" name="week">' in first and first.count("<option") >= 3


def test_move_form_lists_only_the_plans_force_and_refuses_others(plans, manager_client):
    run, plan = plans
    url = f"/patrols/plans/{plan.pk}/"
    page = manager_client.get(url).content.decode()
    assert 'name="officer"' not in page  # no form until one is asked for
    assignment = plan.assignments.order_by("start").first()
    page = manager_client.get(url, {"move": assignment.pk}).content.decode()
    assert page.count('name="officer"') == 1
    options = set(re.findall(r'<option value="(\d+)"', page.split('name="officer"')[1]))
    ours = {
        str(pk)
        for pk in OfficerProfile.objects.filter(force=run.force).values_list("pk", flat=True)
    }
    assert options == ours
    stranger = OfficerProfile.objects.exclude(force=run.force).first()
    start = assignment.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    response = manager_client.post(url, {
        "action": "move", "assignment": assignment.pk, "officer": stranger.pk,
        "start": start, "end": start, "week": "2026-06-01",
    })  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("?week=2026-06-01")
    assignment.refresh_from_db()
    assert assignment.officer.force_id == run.force_id and not assignment.locked
    messages = manager_client.get(response["Location"]).content.decode()
    assert "Select a valid choice" in messages


def test_lock_button_locks_and_returns_to_the_week(plans, manager_client):
    _, plan = plans
    assignment = plan.assignments.order_by("-start").first()
    response = manager_client.post(
        f"/patrols/plans/{plan.pk}/",
        {"action": "lock", "assignment": assignment.pk, "week": "2026-06-15"},
    )
    assert response["Location"].endswith("?week=2026-06-15")
    assignment.refresh_from_db()
    assert assignment.locked
    page = manager_client.get(response["Location"]).content.decode()
    assert f'form="unlock-form" name="assignment" value="{assignment.pk}"' in page
