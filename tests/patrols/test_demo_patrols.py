"""The demo year of patrols: its return agrees with sums taken straight from the stored
visits, its doses with a re-measure from the stored fixes, and its planted hotspot is flagged."""

import datetime as dt

import pytest
import shapely
from django.contrib.auth.models import User
from django.db.models import Sum

from hotspots.services.geometry import to_lonlat
from patrols.models import OfficerProfile, PatrolAssignment, PatrolPlan, PatrolVisit
from patrols.returns import funder_return
from patrols.services.demo import demo_patrols_create
from patrols.services.visits import visit_dose_refresh
from tests.factories import UserFactory
from tests.patrols.factories import HotspotFactory, RunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_year(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        run = RunFactory()
        for i in range(4):
            x, y = 435_000 + 800 * i, 336_000
            square = shapely.box(x - 75, y - 75, x + 75, y + 75)
            HotspotFactory(run=run, rank=i + 1, centroid_x=x, centroid_y=y,
                           geometry=shapely.geometry.mapping(to_lonlat(square)))  # fmt: skip
        officers = [
            OfficerProfile.objects.create(
                user=UserFactory(username=f"demo{n}", roles=["officer"]),
                force=run.force,
                collar_number=f"90{n}",
            )  # fmt: skip
            for n in range(3)
        ]
        made = demo_patrols_create(run=run, officers=officers, year=2025, hotspots=4, seed=4)
        yield run.force, made
        PatrolVisit.objects.filter(officer__force=run.force).delete()
        PatrolPlan.objects.filter(force=run.force).delete()
        run.force.delete()
        User.objects.filter(username__startswith="demo").delete()


def test_the_year_return_matches_the_stored_visits(demo_year):
    force, made = demo_year
    report = funder_return(force=force, period="2025")
    visits = PatrolVisit.objects.filter(officer__force=force)
    assert report.total.patrols == visits.count() == made.visits
    sums = visits.aggregate(**{name: Sum(name) for name in PatrolVisit.ACTIVITY_FIELDS})
    for name, value in sums.items():
        assert getattr(report.total, name) == value, name
    delivered = verified = 0.0
    for v in visits:
        length = (v.ended_at - v.started_at).total_seconds() / 60
        measured = length - v.minutes_unknown > 1e-3
        delivered += v.minutes_inside if measured else length
        verified += v.minutes_inside if measured else 0.0
    assert report.total.delivered_hours == pytest.approx(delivered / 60)
    assert report.total.verified_hours == pytest.approx(verified / 60)
    planned = PatrolAssignment.objects.filter(plan__force=force).exclude(status="cancelled")
    assert report.total.planned_hours == pytest.approx(planned.count() * 20 / 60)
    quarters = [funder_return(force=force, period=f"2025-Q{q}").total for q in (1, 2, 3, 4)]
    assert sum(q.arrests for q in quarters) == report.total.arrests


def test_stored_doses_are_what_the_fixes_measure(demo_year):
    force, _ = demo_year
    for visit in PatrolVisit.objects.filter(officer__force=force).order_by("pk")[:40]:
        stored = (visit.minutes_inside, visit.minutes_unknown)
        dose = visit_dose_refresh(visit=visit)
        assert (dose.minutes_inside, dose.minutes_unknown) == pytest.approx(stored)


def test_the_planted_hotspot_is_the_one_flagged(demo_year):
    from patrols.selectors import legitimacy_checks

    force, _ = demo_year
    rows = legitimacy_checks(force=force, first_day=dt.date(2025, 1, 1),
                             last_day=dt.date(2025, 12, 31))  # fmt: skip
    assert [row["label"].split()[0] for row in rows if row["flagged"]] == ["#3"]
