"""Officers, teams, duty shifts and leave; patrol plans, their hotspots and assignments.

Times are timezone-aware (stored in UTC, shown in settings.TIME_ZONE, Europe/London).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from hotspots.models import Force, Hotspot, HotspotRun


class Team(models.Model):
    """A patrol team, e.g. a Safer Neighbourhood Team."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["force", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


def _calendar_token() -> str:
    return secrets.token_urlsafe(24)


class OfficerProfile(models.Model):
    class Rank(models.TextChoices):
        PC = "pc", "Police constable"
        PCSO = "pcso", "PCSO"
        SPECIAL = "special", "Special constable"
        SERGEANT = "sergeant", "Sergeant"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer"
    )
    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="officers")
    collar_number = models.CharField(max_length=20)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="officers"
    )
    rank = models.CharField(max_length=10, choices=Rank.choices, default=Rank.PC)
    # A secret in the officer's calendar feed address: calendar apps cannot sign in. A new
    # one replaces the old address; none turns the feed off (patrols/services/calendar.py).
    calendar_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, default=_calendar_token
    )

    class Meta:
        ordering = ["collar_number"]
        constraints = [
            models.UniqueConstraint(fields=["force", "collar_number"], name="officer_unique_collar")
        ]

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.username
        return f"{self.collar_number} {name}"


class DutyShift(models.Model):
    """An officer on duty from start to end; a shift may cross midnight."""

    officer = models.ForeignKey(OfficerProfile, on_delete=models.CASCADE, related_name="shifts")
    start = models.DateTimeField()
    end = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["officer", "start"], name="shift_officer_start")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="shift_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.officer} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


class Leave(models.Model):
    officer = models.ForeignKey(OfficerProfile, on_delete=models.CASCADE, related_name="leave")
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="leave_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer} {self.first_day}–{self.last_day}"


# Large JSON columns of related rows that lists and pages never show: decoding them once per
# row made a plan page of 350 assignments spend most of its time in json.loads.
FORCE_HEAVY = ("boundary",)
RUN_HEAVY = ("options", "grid", "timings", "summary")
HOTSPOT_HEAVY = ("cells", "geometry", "counts_by_category", "monthly_trend", "hour_weekday")
PLAN_HEAVY = ("coverage", "patrol_days")


def _related(prefix: str, fields: tuple[str, ...]) -> list[str]:
    return [f"{prefix}__{name}" for name in fields]


class PatrolPlanQuerySet(models.QuerySet):
    def with_details(self):
        return self.select_related("force", "job", "created_by", "run").defer(
            *_related("force", FORCE_HEAVY), *_related("run", RUN_HEAVY)
        )


class PatrolPlan(models.Model):
    class Design(models.TextChoices):
        EVERY_DAY = "every_day", "Every day"
        CROSSOVER = "crossover", "Daily crossover (about half the hotspots each day)"

    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="plans")
    name = models.CharField(max_length=200)
    run = models.ForeignKey(
        HotspotRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )
    first_day = models.DateField()
    last_day = models.DateField()
    design = models.CharField(max_length=10, choices=Design.choices, default=Design.EVERY_DAY)
    seed = models.PositiveIntegerField(help_text="Seed of the randomisation, kept for evaluation.")
    travel_speed_kmh = models.FloatField(default=20.0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL)
    # {"overall": share, "harm_weighted": share, "hotspots": {id: {...}}, "solver": ...}
    coverage = models.JSONField(default=dict, blank=True)
    # {"<hotspot id>": {"YYYY-MM-DD": true|false}}: patrol and no-patrol days (crossover).
    patrol_days = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Most patrol minutes at one hotspot a local day / ISO week; blank takes the settings
    # PATROL_CAP_DAY_MINUTES / PATROL_CAP_WEEK_MINUTES (where 0 means no cap).
    cap_day_minutes = models.PositiveIntegerField(null=True, blank=True)
    cap_week_minutes = models.PositiveIntegerField(null=True, blank=True)

    objects = PatrolPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-first_day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="plan_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def caps(self) -> tuple[int | None, int | None]:
        """(day, week) caps on patrol minutes at one hotspot; None where there is none."""
        day = self.cap_day_minutes
        week = self.cap_week_minutes
        day = settings.PATROL_CAP_DAY_MINUTES if day is None else day
        week = settings.PATROL_CAP_WEEK_MINUTES if week is None else week
        return (day or None, week or None)


class PlanHotspot(models.Model):
    """A hotspot in a plan with its dose and active windows."""

    plan = models.ForeignKey(PatrolPlan, on_delete=models.CASCADE, related_name="plan_hotspots")
    hotspot = models.ForeignKey(Hotspot, on_delete=models.PROTECT, related_name="+")
    visits_per_day = models.PositiveSmallIntegerField(default=1)
    minutes_per_visit = models.PositiveSmallIntegerField(default=15)
    min_gap_minutes = models.PositiveSmallIntegerField(default=60)
    # [{"days": [3, 4, 5], "start": "18:00", "end": "22:00"}], days 0 = Monday; an end at or
    # before the start runs past midnight.
    windows = models.JSONField(default=list)

    class Meta:
        ordering = ["plan", "hotspot__rank"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "hotspot"], name="plan_hotspot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.hotspot}"


class AssignmentQuerySet(models.QuerySet):
    def for_officer(self, officer):
        return self.filter(Q(officer=officer) | Q(partner=officer))

    def published(self):
        return self.filter(plan__status=PatrolPlan.Status.PUBLISHED).exclude(
            status=PatrolAssignment.Status.CANCELLED
        )

    def with_details(self):
        """With hotspot, officers and plan, less their large JSON columns (see HOTSPOT_HEAVY)."""
        return self.select_related("hotspot", "officer__user", "partner__user", "plan").defer(
            *_related("hotspot", HOTSPOT_HEAVY), *_related("plan", PLAN_HEAVY)
        )


class PatrolAssignment(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned"
        PUBLISHED = "published"
        DONE = "done"
        MISSED = "missed"
        CANCELLED = "cancelled"

    plan = models.ForeignKey(PatrolPlan, on_delete=models.CASCADE, related_name="assignments")
    hotspot = models.ForeignKey(Hotspot, on_delete=models.PROTECT, related_name="assignments")
    officer = models.ForeignKey(
        OfficerProfile, on_delete=models.PROTECT, related_name="assignments"
    )
    partner = models.ForeignKey(
        OfficerProfile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    locked = models.BooleanField(default=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["officer", "start"], name="assignment_officer_start"),
            models.Index(fields=["plan", "start"], name="assignment_plan_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="assignment_ends_after")
        ]

    def __str__(self) -> str:
        return f"{self.hotspot} {self.start:%a %H:%M} {self.officer}"


class PatrolVisitQuerySet(models.QuerySet):
    def with_details(self):
        """With hotspot, officer and assignment (and the assignment's hotspot, which dose
        tables label assignments by, less its large JSON columns)."""
        return self.select_related("hotspot", "officer__user", "assignment__hotspot").defer(
            *_related("assignment__hotspot", HOTSPOT_HEAVY)
        )

    def of_officer(self, officer):
        return self.filter(officer=officer)


class PatrolVisit(models.Model):
    """A visit to a hotspot logged on a tablet, planned (assignment) or ad hoc.

    The client generates `client_uuid`; a resend of the same visit is recognised by it.
    Locations are WGS84 lon/lat with the device's accuracy in metres; `minutes_inside` is the
    dose measured from the GPS pings inside the hotspot (see patrols.dosage).
    """

    class Band(models.TextChoices):
        DRIVE_BY = "drive-by", "Drive-by (under 2 minutes)"
        UNDER_10 = "under 10", "Under 10 minutes"
        TEN_TO_15 = "10-15", "10–15 minutes"
        OVER_15 = "over 15", "Over 15 minutes"

    # What a patrol achieved, as officers log it and funders' returns count it: (field, label).
    ACTIVITY = (
        ("arrests", "Arrests"),
        ("stop_searches", "Stop-searches"),
        ("dispersals", "Dispersal directions"),
        ("asb_warnings", "ASB warnings"),
        ("people_engaged", "People engaged"),
        ("intelligence_reports", "Intelligence reports"),
    )
    ACTIVITY_FIELDS = tuple(name for name, _ in ACTIVITY)

    client_uuid = models.UUIDField(unique=True)
    assignment = models.ForeignKey(
        PatrolAssignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    hotspot = models.ForeignKey(Hotspot, on_delete=models.PROTECT, related_name="visits")
    officer = models.ForeignKey(OfficerProfile, on_delete=models.PROTECT, related_name="visits")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    start_lon = models.FloatField(null=True, blank=True)
    start_lat = models.FloatField(null=True, blank=True)
    start_accuracy_m = models.FloatField(null=True, blank=True)
    end_lon = models.FloatField(null=True, blank=True)
    end_lat = models.FloatField(null=True, blank=True)
    end_accuracy_m = models.FloatField(null=True, blank=True)
    arrests = models.PositiveIntegerField(default=0)
    stop_searches = models.PositiveIntegerField(default=0)
    dispersals = models.PositiveIntegerField(default=0, help_text="Dispersal directions.")
    asb_warnings = models.PositiveIntegerField(default=0)
    people_engaged = models.PositiveIntegerField(default=0)
    intelligence_reports = models.PositiveIntegerField(default=0)
    notes = models.TextField(blank=True)
    minutes_inside = models.FloatField(default=0)
    minutes_unknown = models.FloatField(default=0)
    band = models.CharField(max_length=10, choices=Band.choices, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    objects = PatrolVisitQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["officer", "started_at"], name="visit_officer_start"),
            models.Index(fields=["hotspot", "started_at"], name="visit_hotspot_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gte=F("started_at")), name="visit_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer} at {self.hotspot} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> float:
        return (self.ended_at - self.started_at).total_seconds() / 60


class GpsPing(models.Model):
    """A GPS fix during a visit (WGS84, accuracy in metres); idempotent by client UUID."""

    client_uuid = models.UUIDField(unique=True)
    visit = models.ForeignKey(PatrolVisit, on_delete=models.CASCADE, related_name="pings")
    at = models.DateTimeField()
    lon = models.FloatField()
    lat = models.FloatField()
    accuracy_m = models.FloatField()

    class Meta:
        ordering = ["visit", "at"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.at:%H:%M:%S}"


class UnitAlias(models.Model):
    """A vehicle or radio call sign in a force's location exports and the officer it stands
    for, when the export names units rather than officers (patrols/passive.py)."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="unit_aliases")
    unit = models.CharField(max_length=60)
    officer = models.ForeignKey(
        OfficerProfile, on_delete=models.CASCADE, related_name="unit_aliases"
    )

    class Meta:
        ordering = ["force", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["force", "unit"], name="unit_alias_unique_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.officer}"


class LocationImport(models.Model):
    """One file of passive location pings (vehicle or radio), read through a column mapping."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="location_imports")
    file_name = models.CharField(max_length=255)
    mapping = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0, help_text="Rows not already stored.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows} rows)"


class LocationPing(models.Model):
    """A passive location fix of an officer: WGS84 lon/lat, projected x/y (metres) and the
    device's accuracy in metres. A fix already stored (officer, unit, time) is not added again."""

    batch = models.ForeignKey(LocationImport, on_delete=models.CASCADE, related_name="pings")
    officer = models.ForeignKey(
        OfficerProfile, on_delete=models.CASCADE, related_name="location_pings"
    )
    unit = models.CharField(max_length=60, blank=True)
    at = models.DateTimeField()
    lon = models.FloatField()
    lat = models.FloatField()
    x = models.FloatField()
    y = models.FloatField()
    accuracy_m = models.FloatField()

    class Meta:
        ordering = ["officer", "at"]
        indexes = [models.Index(fields=["officer", "at"], name="location_ping_officer_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "unit", "at"], name="location_ping_unique_fix"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer} {self.at:%Y-%m-%d %H:%M:%S}"
