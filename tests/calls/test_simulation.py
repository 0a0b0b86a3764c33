"""The demo feed: rates and lifecycles as planted, and the command through the real API."""

import datetime as dt
from collections import Counter

import numpy as np
import pytest
from django.core.management import call_command

from calls.categories import STATUS_RANK
from calls.models import Call, IncidentTypeMapping
from calls.simulation import TYPES, hour_of_week_profile, simulate
from hotspots.models import Force
from tests.calls.conftest import LAT, LON, add_map_points

START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # a Monday
POINTS = np.array([[LON, LAT], [LON + 0.01, LAT]])


def test_rates_match_the_planted_ones():
    calls = simulate(start=START, end=START + dt.timedelta(days=28), points=POINTS,
                     rng=np.random.default_rng(1))  # fmt: skip
    counts = Counter(call.events[0]["incident_type"] for call in calls)
    for code, _, _, rate, _ in TYPES:
        expected = rate * 24 * 28  # the profile has mean 1 over the week
        assert abs(counts[code] - expected) < 4 * np.sqrt(expected) + 2, code


def test_hour_of_week_profile_peaks_in_the_evening():
    profile = hour_of_week_profile()
    assert profile.shape == (7, 24) and profile.mean() == pytest.approx(1)
    assert profile[5, 20] > profile[1, 20] > profile[1, 4]


def test_lifecycles_run_forward_and_faster_for_urgent_calls():
    calls = simulate(start=START, end=START + dt.timedelta(days=7), points=POINTS,
                     rng=np.random.default_rng(2))  # fmt: skip
    attend: dict[str, list[float]] = {"1": [], "3": []}
    for call in calls:
        times = [dt.datetime.fromisoformat(e["occurred_at"]) for e in call.events]
        ranks = [STATUS_RANK[e["status"]] for e in call.events]
        assert times == sorted(times) and ranks == sorted(ranks)
        grade = call.events[0]["priority"]
        statuses = [e["status"] for e in call.events]
        if grade in attend and "attended" in statuses:
            arrived = times[statuses.index("attended")]
            attend[grade].append((arrived - times[0]).total_seconds() / 60)
    assert np.median(attend["1"]) < 20 < np.median(attend["3"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # see test_e2e.live_force
def test_command_feeds_the_public_map_through_the_api(live_server, settings):
    settings.CALLS_PUBLIC_DELAY_MINUTES = 20
    force = Force.objects.create(name="Exampleshire Police", slug="exampleshire")
    add_map_points(force, [(LON, LAT), (LON + 0.01, LAT)])
    call_command("simulate_calls", "--url", live_server.url, "--hours-back", "6",
                 "--duration", "0.1", "--seed", "3", "--scale", "3")  # fmt: skip
    assert IncidentTypeMapping.objects.filter(force=force).count() == len(TYPES)
    calls = Call.objects.filter(force=force)
    assert calls.count() > 50
    sensitive = {code for code, _, flag, _, _ in TYPES if flag}
    assert calls.filter(incident_type__in=sensitive).exists()
    from django.test import Client

    body = Client().get("/api/public/forces/exampleshire/calls/").json()
    assert body["calls_shown"] > 0
    labels = {c["category_label"] for p in body["points"] for c in p["calls"]}
    assert not labels & {"Domestic abuse", "Concern for welfare", "Mental health"}
