import datetime as dt

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from hotspots.models import Force, HotspotRun
from patrols.models import DutyShift, OfficerProfile, Team
from patrols.services.plans import plan_create, plan_generate_start
from patrols.services.roster import shift_create

# (start, end) of the team's shift patterns, local time; a night crosses midnight.
PATTERNS = [("07:00", "15:00"), ("14:00", "22:00"), ("16:00", "00:00"), ("22:00", "06:00")]
EXTRA = [
    ("dmorris", "Dev", "Morris"),
    ("akhan", "Aisha", "Khan"),
    ("lbrown", "Leo", "Brown"),
    ("sowen", "Sian", "Owen"),
    ("jpatel", "Jay", "Patel"),
    ("rcole", "Ruth", "Cole"),
]


class Command(BaseCommand):
    help = (
        "Give the demo force a Safer Neighbourhood Team of officers (the demo officer users "
        "among them) with four weeks of shifts, and a draft plan for next week."
    )

    def handle(self, *args, **options):
        force = Force.objects.filter(slug="exampleshire").first()
        if force is None:
            raise CommandError("Load the demo data first (manage.py load_demo_data).")
        if OfficerProfile.objects.filter(force=force).exists():
            self.stdout.write("The demo roster exists already.")
            return
        with transaction.atomic():
            team = Team.objects.create(force=force, name="Exampleton SNT")
            users = self._users()
            officers = [self._officer(force, team, n, user) for n, user in enumerate(users)]
            first = timezone.localdate()
            for n, officer in enumerate(officers):
                self._shifts(officer, first, PATTERNS[n % len(PATTERNS)])
        self._plan(force)
        self.stdout.write(
            f"Demo roster: {len(officers)} officers, {DutyShift.objects.count()} shifts."
        )

    def _users(self) -> list[User]:
        users = list(User.objects.filter(username__in=["officer", "officer2"]))
        group = Group.objects.get(name="officer")
        for username, first, last in EXTRA:
            user, _ = User.objects.get_or_create(
                username=username, first_name=first, last_name=last
            )
            user.groups.add(group)
            users.append(user)
        return users

    def _officer(self, force, team, n: int, user) -> OfficerProfile:
        return OfficerProfile.objects.create(
            user=user,
            force=force,
            team=team,
            collar_number=f"{4101 + n}",
            rank=OfficerProfile.Rank.PCSO if n % 3 == 2 else OfficerProfile.Rank.PC,
        )

    def _shifts(self, officer, first: dt.date, pattern: tuple[str, str]) -> None:
        zone = timezone.get_current_timezone()
        for offset in range(28):
            if offset % 7 in (officer.pk % 7, (officer.pk + 3) % 7):
                continue  # two rest days a week
            day = first + dt.timedelta(days=offset)
            start = dt.datetime.combine(day, dt.time.fromisoformat(pattern[0]), zone)
            end_day = day if pattern[1] > pattern[0] else day + dt.timedelta(days=1)
            end = dt.datetime.combine(end_day, dt.time.fromisoformat(pattern[1]), zone)
            shift_create(officer=officer, start=start, end=end)

    def _plan(self, force) -> None:
        run = HotspotRun.objects.filter(force=force, selection="asb").finished().first()
        if run is None:
            return
        monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
        hotspots = [{"hotspot": h} for h in run.hotspots.order_by("rank")[:8]]
        plan = plan_create(
            run=run,
            name=f"Demo: week of {monday:%-d %B}",
            first_day=monday,
            last_day=monday + dt.timedelta(days=6),
            hotspots=hotspots,
            design="crossover",
        )
        job = plan_generate_start(plan=plan, sync=True)
        share = (job.result or {}).get("share", 0)
        self.stdout.write(
            f"Demo plan '{plan.name}': {job.status}, {share:.0%} of the dose scheduled"
        )
