"""The guardrails' arithmetic against scipy and statsmodels, and on planted rates."""

import datetime as dt
import uuid

import numpy as np
import pytest
from django.utils import timezone
from scipy.stats import poisson
from statsmodels.stats.multitest import multipletests

from patrols.guardrails import benjamini_hochberg, poisson_excess_p, rate_checks
from patrols.models import OfficerProfile, PatrolPlan, PatrolVisit
from tests.patrols.factories import HotspotFactory, RunFactory


@pytest.mark.parametrize(("count", "expected"), [(1, 0.3), (5, 2.0), (12, 4.5), (40, 38.2)])
def test_excess_p_is_the_poisson_upper_tail(count, expected):
    assert poisson_excess_p(count, expected) == pytest.approx(poisson.sf(count - 1, expected))


def test_edge_cases_of_the_excess_p():
    assert poisson_excess_p(0, 3.0) == 1.0
    assert poisson_excess_p(2, 0.0) == 0.0
    with pytest.raises(ValueError):
        poisson_excess_p(-1, 1.0)


def test_benjamini_hochberg_matches_statsmodels():
    rng = np.random.default_rng(7)
    p = np.concatenate([rng.uniform(size=30), rng.uniform(0, 0.01, size=5)])
    rejected, q, _, _ = multipletests(p, alpha=0.05, method="fdr_bh")
    assert benjamini_hochberg(p) == pytest.approx(q)
    assert list(benjamini_hochberg(p) <= 0.05) == list(rejected)


def test_a_planted_excess_is_flagged_and_chance_is_not():
    """40 hotspots at one rate and one at five times it: only the planted one is flagged."""
    rng = np.random.default_rng(11)
    hours = rng.uniform(200, 400, size=41)
    rates = np.full(41, 0.02)
    rates[17] = 0.10
    counts = rng.poisson(rates * hours)
    checks = rate_checks(list(counts), list(hours))
    assert [i for i, c in enumerate(checks) if c.flagged] == [17]
    programme = counts.sum() / hours.sum()
    assert checks[17].expected == pytest.approx(programme * hours[17])
    p = [poisson.sf(k - 1, programme * h) if k else 1.0 for k, h in zip(counts, hours, strict=True)]
    assert [c.q_value for c in checks] == pytest.approx(multipletests(p, method="fdr_bh")[1])


# --- On the pages and in the field app's API ---------------------------------------------


def _logged(hotspot, officer, start, minutes, **outcomes):
    """A visit with no GPS: its logged length is delivered (not verified)."""
    return PatrolVisit.objects.create(
        client_uuid=uuid.uuid4(), hotspot=hotspot, officer=officer, started_at=start,
        ended_at=start + dt.timedelta(minutes=minutes), minutes_unknown=minutes, **outcomes,
    )  # fmt: skip


@pytest.fixture
def programme(officer):
    """Twelve hotspots patrolled 10 hours each over the last weeks: one stop-search per
    hotspot, except the planted one with twelve."""
    run = RunFactory()
    today = timezone.localdate()
    plan = PatrolPlan.objects.create(
        force=run.force, run=run, name="Running", seed=1, status="published",
        first_day=today - dt.timedelta(days=30), last_day=today, cap_day_minutes=30,
    )  # fmt: skip
    profile = OfficerProfile.objects.create(user=officer, force=run.force, collar_number="3")
    hotspots = [HotspotFactory(run=run, label=f"Place {i}") for i in range(12)]
    for i, hotspot in enumerate(hotspots):
        plan.plan_hotspots.create(hotspot=hotspot)
        for d in range(20):
            start = timezone.now() - dt.timedelta(days=d + 1)
            _logged(
                hotspot, profile, start, 30, stop_searches=(12 if i == 4 else 1) if d == 0 else 0
            )
    return plan, hotspots, profile


@pytest.mark.django_db
def test_the_planted_hotspot_is_flagged_on_both_home_pages(
    programme, manager_client, commander_client
):
    _, hotspots, _ = programme
    for client, url in ((manager_client, "/manager/"), (commander_client, "/commander/")):
        html = client.get(url).content.decode()
        card = html[html.index('id="guardrails"') :]
        flagged = card[: card.index("</table>")]
        assert hotspots[4].label in flagged, url
        assert not any(h.label + "<" in flagged for i, h in enumerate(hotspots) if i != 4)


@pytest.mark.django_db
def test_dose_reached_today_follows_the_plan_cap(programme, officer_client, manager_client):
    plan, hotspots, profile = programme
    assert plan.caps[0] == 30
    now = timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=5)
    _logged(hotspots[0], profile, max(start_of_day, now - dt.timedelta(minutes=40)), 30)
    rows = {r["hotspot"]: r for r in officer_client.get("/api/my/dose-today/").json()}
    assert rows[hotspots[0].pk]["dose_reached_today"] is True
    assert rows[hotspots[0].pk]["minutes_today"] == pytest.approx(30)
    assert rows[hotspots[1].pk]["dose_reached_today"] is False
    assert manager_client.get("/api/my/dose-today/").status_code == 403


@pytest.mark.django_db
def test_the_nearest_hotspot_says_whether_its_dose_is_reached(programme, officer_client):
    found = officer_client.get("/api/hotspots/nearest/", {"lon": -1.47, "lat": 52.92}).json()
    assert found["dose_reached_today"] is False
    assert found["dose_today"]["cap_day_minutes"] == 30


@pytest.mark.django_db
def test_dose_today_and_the_home_cards_take_a_fixed_number_of_queries(
    programme, officer_client, manager_client, django_assert_max_num_queries
):
    # Delivery reads assignments, visits, officers and (passive location) the pings once each.
    with django_assert_max_num_queries(13):
        assert officer_client.get("/api/my/dose-today/").status_code == 200
    with django_assert_max_num_queries(30):
        assert manager_client.get("/manager/").status_code == 200
