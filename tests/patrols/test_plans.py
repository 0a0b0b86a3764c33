"""Plans from hotspots, doses and shifts to checked, adjustable, published assignments."""

import datetime as dt

import pytest

from core.jobs import job_run
from patrols import scheduling
from patrols.models import PatrolAssignment, PatrolPlan
from patrols.services.plans import (
    PlanError,
    assignment_update,
    plan_create,
    plan_generate_start,
    schedule_request,
)
from patrols.services.roster import RosterError, leave_create, shift_create
from tests.patrols.factories import LONDON, HotspotFactory, OfficerFactory, RunFactory, local, shift

pytestmark = pytest.mark.django_db
WEEK = [dt.date(2026, 10, 19) + dt.timedelta(days=i) for i in range(7)]  # holds 25 October
EVENINGS = [{"days": [0, 1, 2, 3, 4, 5, 6], "start": "17:00", "end": "22:00"}]


@pytest.fixture
def setting():
    run = RunFactory()
    hotspots = [HotspotFactory(run=run) for _ in range(4)]
    officers = [OfficerFactory(force=run.force) for _ in range(3)]
    for officer in officers:
        for day in WEEK:
            shift(officer, day, "15:00", "23:00")
    return run, hotspots, officers


def make_plan(run, hotspots, design="every_day", seed=11):
    items = [{"hotspot": h, "windows": EVENINGS, "visits_per_day": 2} for h in hotspots]
    return plan_create(
        run=run,
        name="Test week",
        first_day=WEEK[0],
        last_day=WEEK[-1],
        hotspots=items,
        design=design,
        seed=seed,
    )


def generate(plan):
    job = plan_generate_start(plan=plan)
    job = job_run(job_id=job.pk)
    assert job.status == "succeeded", job.error
    plan.refresh_from_db()
    return plan


def schedule_from_db(plan) -> scheduling.Schedule:
    visits = tuple(
        scheduling.Visit(
            a.hotspot_id,
            a.officer_id,
            a.start.astimezone(LONDON),
            a.end.astimezone(LONDON),
            a.locked,
        )
        for a in plan.assignments.all()
    )
    empty = scheduling.Coverage((), 0, 0, 0.0, 0.0, 0.0)
    return scheduling.Schedule(visits, empty, {}, plan.seed, "db", "db", 0.0)


def independent_violations(plan) -> list[str]:
    """Checked here without the scheduler's own checker: overlaps, shifts and windows."""
    problems = []
    assignments = list(plan.assignments.select_related("officer"))
    for a in assignments:
        start, end = a.start.astimezone(LONDON), a.end.astimezone(LONDON)
        if not (
            dt.time(17) <= start.time()
            and (end.time() <= dt.time(22))
            and start.date() == end.date()
        ):
            problems.append(f"{a} outside 17:00–22:00 local")
        if not a.officer.shifts.filter(start__lte=a.start, end__gte=a.end).exists():
            problems.append(f"{a} outside the officer's shifts")
        for b in assignments:
            if a.pk < b.pk and a.officer_id == b.officer_id and a.start < b.end and b.start < a.end:
                problems.append(f"{a} overlaps {b}")
    return problems


def test_generated_plan_respects_every_constraint_over_a_clock_change(setting):
    run, hotspots, _ = setting
    plan = generate(make_plan(run, hotspots))
    assert plan.assignments.count() == 4 * 7 * 2
    assert independent_violations(plan) == []
    assert scheduling.check(schedule_request(plan), schedule_from_db(plan)) == []
    assert plan.coverage["share"] == pytest.approx(1.0)
    sunday = [a for a in plan.assignments.all() if a.start.astimezone(LONDON).date() == WEEK[6]]
    assert sunday and all(a.end - a.start == dt.timedelta(minutes=15) for a in sunday)


def test_start_times_vary_from_day_to_day(setting):
    run, hotspots, _ = setting
    plan = generate(make_plan(run, hotspots))
    for hotspot in hotspots:
        times = {
            a.start.astimezone(LONDON).time() for a in plan.assignments.filter(hotspot=hotspot)
        }
        assert len(times) > 3, f"{hotspot} is visited at fixed times: {times}"


def test_crossover_design_records_patrol_and_no_patrol_days(setting):
    run, hotspots, _ = setting
    plan = generate(make_plan(run, hotspots, design=PatrolPlan.Design.CROSSOVER))
    flags = [flag for days in plan.patrol_days.values() for flag in days.values()]
    assert len(flags) == 28 and 8 <= sum(flags) <= 20
    for hotspot_id, days in plan.patrol_days.items():
        for day, patrol in days.items():
            visits = plan.assignments.filter(hotspot_id=int(hotspot_id), start__date=day)
            if not patrol:
                assert not visits.exists()


def free_slot(officer, day) -> dt.datetime:
    """A 15-minute evening slot on `day` in which the officer has no assignment."""
    busy = list(PatrolAssignment.objects.filter(officer=officer))
    for minute in range(17 * 60, 21 * 60 + 45, 5):
        start = local(day, f"{minute // 60:02d}:{minute % 60:02d}")
        end = start + dt.timedelta(minutes=15)
        if not any(a.start < end and start < a.end for a in busy):
            return start
    raise AssertionError("no free slot")


def test_moved_assignment_is_locked_and_kept_on_resolve(setting):
    run, hotspots, officers = setting
    plan = generate(make_plan(run, hotspots))
    assignment = plan.assignments.first()
    start = free_slot(assignment.officer, WEEK[2])
    end = start + dt.timedelta(minutes=15)
    moved = assignment_update(assignment=assignment, start=start, end=end)
    assert moved.locked
    generate(plan)
    kept = PatrolAssignment.objects.get(pk=assignment.pk)
    assert (kept.start, kept.locked) == (start, True)
    assert independent_violations(plan) == []


def test_double_booking_and_off_duty_moves_are_refused(setting):
    run, hotspots, officers = setting
    plan = generate(make_plan(run, hotspots))
    first, second = plan.assignments.filter(officer=officers[0])[:2]
    with pytest.raises(PlanError, match="already assigned"):
        assignment_update(assignment=second, start=first.start, end=first.end)
    morning = local(WEEK[1], "09:00")
    with pytest.raises(PlanError, match="not on duty"):
        assignment_update(assignment=second, start=morning, end=morning + dt.timedelta(minutes=15))


def test_no_shifts_fails_with_an_explanation():
    run = RunFactory()
    plan = make_plan(run, [HotspotFactory(run=run)])
    job = job_run(job_id=plan_generate_start(plan=plan).pk)
    assert job.status == "failed"
    assert "No one is on duty" in job.error


def test_uncovered_window_is_explained(setting):
    run, hotspots, _ = setting
    items = [{"hotspot": hotspots[0], "windows": [{"days": [0], "start": "06:00", "end": "08:00"}]}]
    plan = plan_create(
        run=run, name="Mornings", first_day=WEEK[0], last_day=WEEK[-1], hotspots=items
    )
    plan = generate(plan)
    reasons = plan.coverage["hotspots"][str(hotspots[0].pk)]["reasons"]
    assert reasons == [scheduling.REASON_NO_DUTY]
    assert plan.coverage["share"] == 0


def test_overlapping_shift_is_refused_and_midnight_crossing_allowed():
    officer = OfficerFactory()
    night = shift_create(
        officer=officer, start=local(WEEK[0], "22:00"), end=local(WEEK[1], "06:00")
    )
    assert night.end.astimezone(LONDON).date() == WEEK[1]
    with pytest.raises(RosterError, match="already on duty"):
        shift_create(officer=officer, start=local(WEEK[1], "05:00"), end=local(WEEK[1], "13:00"))


def test_leave_removes_shifts_from_planning(setting):
    run, hotspots, officers = setting
    for officer in officers[1:]:
        leave_create(officer=officer, first_day=WEEK[0], last_day=WEEK[-1])
    plan = generate(make_plan(run, hotspots))
    assert set(plan.assignments.values_list("officer", flat=True)) == {officers[0].pk}
