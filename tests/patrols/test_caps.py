"""The cap on patrol minutes per hotspot per local day and per ISO week: both solvers keep
within it (counted here from the visits' own timestamps), locked visits included."""

from collections import defaultdict

import pytest

from patrols.scheduling import solve
from patrols.scheduling.check import check
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
