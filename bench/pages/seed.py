"""A force with officers, hotspots and a patrol plan of a given size, written in bulk.

The plan's assignments are laid out directly (no solver): ``per_day`` visits a day spread over
the hotspots and officers, 15 minutes each, between 08:00 and 23:45 local time. Used by the
page benchmark and by the query-count tests to build plans of N and 2N assignments.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group, User

from hotspots.models import Force, Hotspot, HotspotRun
from patrols.models import DutyShift, OfficerProfile, PatrolAssignment, PatrolPlan, PlanHotspot

LONDON = ZoneInfo("Europe/London")
WINDOWS = [{"days": list(range(7)), "start": "08:00", "end": "23:59"}]


def seed_force(slug: str, *, hotspots: int = 50, officers: int = 40) -> HotspotRun:
    """A force, a finished-looking hotspot run with ``hotspots`` hotspots and ``officers``
    officers (users in the officer group)."""
    force, _ = Force.objects.get_or_create(slug=slug, defaults={"name": f"{slug.title()} Police"})
    run = HotspotRun.objects.create(
        force=force, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 1)
    )
    Hotspot.objects.bulk_create(
        Hotspot(
            run=run, rank=i + 1, label=f"Street {i + 1}", cells=[],
            centroid_x=435_000 + 300 * i, centroid_y=336_000, centroid_lon=-1.47,
            centroid_lat=52.92, geometry=_square(435_000 + 300 * i, 336_000), area_m2=22_500,
            incident_count=100 - i % 90, harm=100, share_of_incidents=0.01,
            share_of_area=0.001, pai=10, peak_score=5,
        )
        for i in range(hotspots)
    )  # fmt: skip
    group, _ = Group.objects.get_or_create(name="officer")
    users = User.objects.bulk_create(
        User(username=f"{slug}-pc{i}", first_name="Officer", last_name=f"{i:03d}")
        for i in range(officers)
    )
    group.user_set.add(*users)
    OfficerProfile.objects.bulk_create(
        OfficerProfile(user=u, force=force, collar_number=f"{1000 + i}", calendar_token=None)
        for i, u in enumerate(users)
    )
    return run


def seed_plan(run: HotspotRun, *, days: int, per_day: int, name: str = "Plan") -> PatrolPlan:
    """A draft plan over ``days`` days from Monday 1 June 2026 with ``per_day`` assignments a
    day (``days * per_day`` in all), round-robin over the run's hotspots and officers, each
    officer on a 08:00-24:00 shift every day."""
    first = dt.date(2026, 6, 1)
    spots = list(run.hotspots.order_by("rank"))
    officers = list(OfficerProfile.objects.filter(force=run.force).order_by("collar_number"))
    plan = PatrolPlan.objects.create(
        force=run.force, name=name, run=run, first_day=first,
        last_day=first + dt.timedelta(days=days - 1), seed=1,
    )  # fmt: skip
    PlanHotspot.objects.bulk_create(
        PlanHotspot(plan=plan, hotspot=h, visits_per_day=1, windows=WINDOWS) for h in spots
    )
    shifts, assignments = [], []
    for d in range(days):
        day = first + dt.timedelta(days=d)
        start = dt.datetime.combine(day, dt.time(8), LONDON)
        shifts += [DutyShift(officer=o, start=start, end=start + dt.timedelta(hours=16))
                   for o in officers]  # fmt: skip
        for i in range(per_day):
            begin = start + dt.timedelta(minutes=15 * (i * 63 // per_day))
            assignments.append(PatrolAssignment(
                plan=plan, hotspot=spots[i % len(spots)], officer=officers[i % len(officers)],
                start=begin, end=begin + dt.timedelta(minutes=15),
            ))  # fmt: skip
    DutyShift.objects.bulk_create(shifts, batch_size=5000)
    PatrolAssignment.objects.bulk_create(assignments, batch_size=5000)
    plan.coverage = {
        "solver": "greedy", "status": "greedy", "solve_seconds": 0.1, "explanation": [],
        "required_minutes": 15 * days * len(spots), "scheduled_minutes": 15 * len(assignments),
        "share": 1.0, "harm_weighted_share": 1.0, "patrol_day_share": 1.0,
        "hotspots": {str(h.pk): {"share": 1.0, "reasons": []} for h in spots},
    }  # fmt: skip
    plan.save(update_fields=["coverage"])
    return plan


def _square(x: float, y: float, half: float = 75) -> dict:
    ring = [[x - half, y - half], [x + half, y - half], [x + half, y + half],
            [x - half, y + half], [x - half, y - half]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}
