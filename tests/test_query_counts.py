"""Every list and detail page and API endpoint answers in a number of queries that does not
grow with the rows it shows: each case is fetched with N rows, then with 2N, and the two query
counts must be equal (and the answer a 200).

The rows are made here in bulk; a case's `grow` adds N more of what its page lists (plans,
assignments, shifts, visits, pings, jobs, batches, flags, runs, hotspots...). Evaluations and
live calls have their own growth tests beside their other tests (tests/evaluation/test_api.py
test_list_query_count_does_not_grow, tests/calls/test_api.py, test_staff_map.py,
test_public.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.pages.seed import seed_force, seed_plan
from core.models import Job
from hotspots.models import (
    Category,
    Force,
    Hotspot,
    HotspotRun,
    ImportBatch,
    MonthlyStat,
    QualityFlag,
)
from patrols.models import (
    DutyShift,
    GpsPing,
    Leave,
    OfficerProfile,
    PatrolAssignment,
    PatrolPlan,
    PatrolVisit,
    PlanHotspot,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
N = 3
_serial = itertools.count(1)


@dataclass
class World:
    """A force with a hotspot run, a draft and a published plan, and an officer profile for
    the `officer` persona (so officers' pages have rows of their own)."""

    manager: User
    officer_user: User
    run: HotspotRun = field(init=False)
    plan: PatrolPlan = field(init=False)
    published: PatrolPlan = field(init=False)
    me: OfficerProfile = field(init=False)
    job: Job = field(init=False)
    batch: ImportBatch = field(init=False)
    visit: PatrolVisit = field(init=False)

    def __post_init__(self) -> None:
        self.run = seed_force("qcshire", hotspots=4, officers=3)
        seed_force("othershire", hotspots=2, officers=3)
        self.force = self.run.force
        self.me = OfficerProfile.objects.create(
            user=self.officer_user, force=self.force, collar_number="9999"
        )
        self.plan = seed_plan(self.run, days=2, per_day=2, name="Draft")
        today = timezone.localdate()
        self.published = PatrolPlan.objects.create(
            force=self.force, run=self.run, name="Now", first_day=today - dt.timedelta(days=1),
            last_day=today + dt.timedelta(days=6), seed=1, status=PatrolPlan.Status.PUBLISHED,
        )  # fmt: skip
        PlanHotspot.objects.bulk_create(
            PlanHotspot(plan=self.published, hotspot=h, windows=[]) for h in self.run.hotspots.all()
        )
        self.job = Job.objects.create(kind="selftest", created_by=self.manager)
        self.batch = self.add_batches(1)[0]
        self.visit = self.add_visits(1)[0]
        self.add_assignments_for_me(1)
        self.add_shifts(1)

    # --- growers: each adds k rows of one kind -------------------------------------------
    def add_plans(self, k: int) -> None:
        for _ in range(k):
            seed_plan(self.run, days=1, per_day=2, name=f"Plan {next(_serial)}")

    def add_assignments(self, k: int) -> None:
        """k more assignments in the draft plan, with new officers and hotspots too."""
        extra = seed_force(f"grow{next(_serial)}", hotspots=k, officers=0)
        self.add_officers(k)
        officers = list(OfficerProfile.objects.filter(force=self.force).order_by("-pk")[:k])
        spots = list(extra.hotspots.all())
        PlanHotspot.objects.bulk_create(PlanHotspot(plan=self.plan, hotspot=h) for h in spots)
        start = dt.datetime.combine(
            self.plan.first_day, dt.time(10), timezone.get_current_timezone()
        )
        PatrolAssignment.objects.bulk_create(
            PatrolAssignment(plan=self.plan, hotspot=h, officer=o, start=start,
                             end=start + dt.timedelta(minutes=15))
            for h, o in zip(spots, officers, strict=True)
        )  # fmt: skip

    def add_assignments_for_me(self, k: int) -> None:
        spots = list(self.run.hotspots.all())
        now = timezone.now().replace(microsecond=0)
        PatrolAssignment.objects.bulk_create(
            PatrolAssignment(plan=self.published, hotspot=spots[i % len(spots)], officer=self.me,
                             start=now + dt.timedelta(hours=1 + i),
                             end=now + dt.timedelta(hours=1 + i, minutes=15),
                             status=PatrolAssignment.Status.PUBLISHED)
            for i in range(next(_serial) * 10, next(_serial) * 10 + k)
        )  # fmt: skip

    def add_officers(self, k: int) -> None:
        users = [UserFactory(roles=["officer"]) for _ in range(k)]
        OfficerProfile.objects.bulk_create(
            OfficerProfile(user=u, force=self.force, collar_number=f"g{next(_serial)}",
                           calendar_token=None)
            for u in users
        )  # fmt: skip

    def add_shifts(self, k: int) -> None:
        self.add_officers(k)
        start = timezone.now() + dt.timedelta(hours=2)
        DutyShift.objects.bulk_create(
            DutyShift(officer=o, start=start, end=start + dt.timedelta(hours=8))
            for o in OfficerProfile.objects.filter(force=self.force).order_by("-pk")[:k]
        )
        DutyShift.objects.bulk_create(
            DutyShift(officer=self.me, start=start + dt.timedelta(days=i + next(_serial)),
                      end=start + dt.timedelta(days=i + next(_serial), hours=1))
            for i in range(k)
        )  # fmt: skip

    def add_leave(self, k: int) -> None:
        self.add_officers(k)
        Leave.objects.bulk_create(
            Leave(officer=o, first_day=dt.date(2026, 7, 1), last_day=dt.date(2026, 7, 3))
            for o in OfficerProfile.objects.filter(force=self.force).order_by("-pk")[:k]
        )

    def add_visits(self, k: int) -> list[PatrolVisit]:
        assignments = list(self.plan.assignments.all()[:1])
        spots = list(self.run.hotspots.all())
        start = dt.datetime.combine(
            self.plan.first_day, dt.time(10), timezone.get_current_timezone()
        )
        visits = PatrolVisit.objects.bulk_create(
            PatrolVisit(client_uuid=uuid.uuid4(), assignment=assignments[0] if i % 2 else None,
                        hotspot=spots[i % len(spots)], officer=self.me,
                        started_at=start + dt.timedelta(minutes=20 * i),
                        ended_at=start + dt.timedelta(minutes=20 * i + 12),
                        minutes_inside=10, band=PatrolVisit.Band.UNDER_10)
            for i in range(k)
        )  # fmt: skip
        GpsPing.objects.bulk_create(
            GpsPing(client_uuid=uuid.uuid4(), visit=v, at=v.started_at, lon=-1.47, lat=52.92,
                    accuracy_m=5)
            for v in visits
        )  # fmt: skip
        return visits

    def add_pings(self, k: int) -> None:
        GpsPing.objects.bulk_create(
            GpsPing(client_uuid=uuid.uuid4(), visit=self.visit,
                    at=self.visit.started_at + dt.timedelta(seconds=next(_serial)),
                    lon=-1.47, lat=52.92, accuracy_m=5)
            for _ in range(k)
        )  # fmt: skip

    def add_jobs(self, k: int) -> None:
        Job.objects.bulk_create(Job(kind="selftest", created_by=self.manager) for _ in range(k))

    def add_batches(self, k: int) -> list[ImportBatch]:
        return ImportBatch.objects.bulk_create(
            ImportBatch(force=self.force, source="police_uk", file_name=f"f{next(_serial)}.csv",
                        checksum="0", status="imported", months=["2025-01"],
                        rejected_rows=[{"line": 2, "field": "Month", "error": "bad"}],
                        created_by=self.manager)
            for _ in range(k)
        )  # fmt: skip

    def add_flags(self, k: int) -> None:
        category = Category.objects.first()
        QualityFlag.objects.bulk_create(
            QualityFlag(force=self.force, category=category,
                        month=dt.date(2000 + next(_serial) % 20, 1 + next(_serial) % 12, 1),
                        rule="cap", reason="capped", count=10)
            for _ in range(k)
        )  # fmt: skip

    def add_monthly(self, k: int) -> None:
        categories = list(Category.objects.all()[:2])
        MonthlyStat.objects.bulk_create(
            MonthlyStat(force=self.force, source="police_uk", category=c,
                        month=dt.date(2001 + next(_serial), 1, 1), count=5)
            for _ in range(k) for c in categories
        )  # fmt: skip

    def add_forces(self, k: int) -> None:
        Force.objects.bulk_create(
            Force(name=f"Force {next(_serial)}", slug=f"force-{next(_serial)}") for _ in range(k)
        )

    def add_runs(self, k: int) -> None:
        for _ in range(k):
            run = seed_force(f"run{next(_serial)}", hotspots=2, officers=0)
            HotspotRun.objects.filter(pk=run.pk).update(force=self.force)

    def add_hotspots(self, k: int) -> None:
        top = self.run.hotspots.order_by("-rank").first().rank
        extra = seed_force(f"spots{next(_serial)}", hotspots=k, officers=0)
        for i, spot in enumerate(extra.hotspots.all()):
            Hotspot.objects.filter(pk=spot.pk).update(run=self.run, rank=top + 1 + i)


@pytest.fixture
def world(manager, officer):
    return World(manager=manager, officer_user=officer)


def _ics_url(w: World) -> str:
    w.me.refresh_from_db()
    return f"/patrols/calendar/{w.me.calendar_token}.ics"


# (id, persona, url, grow)
CASES = [
    # core
    ("manager home", "manager", lambda w: "/manager/", World.add_jobs),
    ("commander home", "commander", lambda w: "/commander/", World.add_plans),
    ("job page", "manager", lambda w: f"/jobs/{w.job.pk}/", World.add_jobs),
    ("api me", "manager", lambda w: "/api/me/", World.add_jobs),
    ("api jobs", "manager", lambda w: "/api/jobs/", World.add_jobs),
    ("api job", "manager", lambda w: f"/api/jobs/{w.job.pk}/", World.add_jobs),
    # hotspots
    ("incident data page", "manager", lambda w: "/incidents/", World.add_batches),
    ("incident data page, flags", "manager", lambda w: "/incidents/", World.add_flags),
    ("batch page", "manager", lambda w: f"/incidents/batches/{w.batch.pk}/", World.add_batches),
    ("api forces", "manager", lambda w: "/api/forces/", World.add_forces),
    ("api monthly counts", "manager",
     lambda w: f"/api/forces/{w.force.slug}/monthly-counts/", World.add_monthly),
    ("api categories", "manager", lambda w: "/api/categories/", World.add_forces),
    ("api imports", "manager", lambda w: "/api/imports/", World.add_batches),
    ("api import", "manager", lambda w: f"/api/imports/{w.batch.pk}/", World.add_batches),
    ("api quality flags", "manager", lambda w: "/api/quality-flags/", World.add_flags),
    ("api runs", "manager", lambda w: "/api/hotspot-runs/", World.add_runs),
    ("api run", "manager", lambda w: f"/api/hotspot-runs/{w.run.pk}/", World.add_hotspots),
    ("api run geojson", "manager",
     lambda w: f"/api/hotspot-runs/{w.run.pk}/hotspots.geojson", World.add_hotspots),
    ("api run csv", "manager",
     lambda w: f"/api/hotspot-runs/{w.run.pk}/hotspots.csv", World.add_hotspots),
    ("api monitoring", "manager", lambda w: "/api/monitoring/", World.add_runs),
    ("runs page", "manager", lambda w: "/hotspots/", World.add_runs),
    ("run page", "manager", lambda w: f"/hotspots/runs/{w.run.pk}/", World.add_hotspots),
    # patrols
    ("plans page", "manager", lambda w: "/patrols/plans/", World.add_plans),
    ("plan page", "manager", lambda w: f"/patrols/plans/{w.plan.pk}/", World.add_assignments),
    ("plan page, commander", "commander",
     lambda w: f"/patrols/plans/{w.plan.pk}/", World.add_assignments),
    ("plan page, visits", "manager", lambda w: f"/patrols/plans/{w.plan.pk}/", World.add_visits),
    ("plan page, move form", "manager",
     lambda w: f"/patrols/plans/{w.plan.pk}/?move={w.plan.assignments.first().pk}",
     World.add_officers),
    ("roster page", "manager", lambda w: "/patrols/roster/", World.add_shifts),
    ("my patrols page", "officer", lambda w: "/patrols/mine/", World.add_assignments_for_me),
    ("calendar feed", "anonymous", _ics_url, World.add_assignments_for_me),
    ("api officers", "manager", lambda w: "/api/officers/", World.add_officers),
    ("api shifts", "manager", lambda w: "/api/shifts/", World.add_shifts),
    ("api leave", "manager", lambda w: "/api/leave/", World.add_leave),
    ("api plans", "manager", lambda w: "/api/plans/", World.add_plans),
    ("api plan", "manager", lambda w: f"/api/plans/{w.plan.pk}/", World.add_assignments),
    ("api plan assignments", "manager",
     lambda w: f"/api/plans/{w.plan.pk}/assignments/", World.add_assignments),
    ("api plan csv", "manager",
     lambda w: f"/api/plans/{w.plan.pk}/plan.csv", World.add_assignments),
    ("api my assignments", "officer",
     lambda w: "/api/my/assignments/", World.add_assignments_for_me),
    ("api visits", "manager", lambda w: "/api/visits/", World.add_visits),
    ("api visits, officer", "officer", lambda w: "/api/visits/", World.add_visits),
    *[
        (f"api dose by {group}", "manager",
         lambda w, group=group: f"/api/plans/{w.plan.pk}/dose/?group_by={group}", grow)
        for group in ("hotspot", "day", "officer", "assignment")
        for grow in (World.add_assignments, World.add_visits)
    ],
    ("api nearest hotspot", "officer",
     lambda w: "/api/hotspots/nearest/?lon=-1.47&lat=52.92", World.add_hotspots),
]  # fmt: skip


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize(
    ("persona", "url", "grow"),
    [pytest.param(p, u, g, id=name) for name, p, u, g in CASES],
)
def test_queries_do_not_grow_with_rows(
    request, world, persona, url, grow, manager_client, commander_client, officer_client,
    anonymous_client,
):  # fmt: skip
    client = {"manager": manager_client, "commander": commander_client,
              "officer": officer_client, "anonymous": anonymous_client}[persona]  # fmt: skip
    grow(world, N)
    few = _count(client, url(world))
    grow(world, N)
    many = _count(client, url(world))
    assert many == few, f"{request.node.callspec.id}: {few} queries with N rows, {many} with 2N"
