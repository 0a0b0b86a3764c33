from rest_framework import serializers

from core.serializers import JobSerializer
from hotspots.models import Hotspot, HotspotRun
from patrols.models import (
    DutyShift,
    Leave,
    OfficerProfile,
    PatrolAssignment,
    PatrolPlan,
    PatrolVisit,
    PlanHotspot,
)
from patrols.windows import WindowError, validate_windows


class OfficerSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    team = serializers.CharField(source="team.name", default=None, read_only=True, allow_null=True)
    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = OfficerProfile
        fields = ["id", "collar_number", "name", "rank", "team", "force"]

    def get_name(self, officer: OfficerProfile) -> str:
        return officer.user.get_full_name() or officer.user.username


class ShiftSerializer(serializers.ModelSerializer):
    class Meta:
        model = DutyShift
        fields = ["id", "officer", "start", "end", "note"]


class LeaveSerializer(serializers.ModelSerializer):
    class Meta:
        model = Leave
        fields = ["id", "officer", "first_day", "last_day", "reason"]


class PlanHotspotSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="hotspot.label", read_only=True)
    rank = serializers.IntegerField(source="hotspot.rank", read_only=True)

    class Meta:
        model = PlanHotspot
        fields = [
            "hotspot",
            "rank",
            "label",
            "visits_per_day",
            "minutes_per_visit",
            "min_gap_minutes",
            "windows",
        ]


class PlanHotspotRequestSerializer(serializers.Serializer):
    hotspot = serializers.PrimaryKeyRelatedField(queryset=Hotspot.objects.all())
    visits_per_day = serializers.IntegerField(min_value=1, max_value=12, default=1)
    minutes_per_visit = serializers.IntegerField(min_value=1, max_value=120, default=15)
    min_gap_minutes = serializers.IntegerField(min_value=0, max_value=720, default=60)
    windows = serializers.JSONField(required=False)

    def validate_windows(self, windows):
        try:
            return validate_windows(windows)
        except WindowError as error:
            raise serializers.ValidationError(str(error)) from None


class PlanRequestSerializer(serializers.Serializer):
    run = serializers.PrimaryKeyRelatedField(queryset=HotspotRun.objects.all())
    name = serializers.CharField(max_length=200)
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    design = serializers.ChoiceField(choices=PatrolPlan.Design.choices, default="every_day")
    seed = serializers.IntegerField(min_value=0, required=False)
    travel_speed_kmh = serializers.FloatField(min_value=1, max_value=120, default=20)
    cap_day_minutes = serializers.IntegerField(
        min_value=0, max_value=1440, required=False, allow_null=True,
        help_text="Most patrol minutes at one hotspot a day (blank: the setting; 0: no cap).",
    )  # fmt: skip
    cap_week_minutes = serializers.IntegerField(
        min_value=0, max_value=10080, required=False, allow_null=True,
        help_text="Most patrol minutes at one hotspot an ISO week (blank: the setting; 0: none).",
    )  # fmt: skip
    hotspots = PlanHotspotRequestSerializer(many=True)


class AssignmentSerializer(serializers.ModelSerializer):
    hotspot_label = serializers.CharField(source="hotspot.label", read_only=True)
    hotspot_rank = serializers.IntegerField(source="hotspot.rank", read_only=True)
    officer_name = serializers.CharField(source="officer.__str__", read_only=True)
    centroid_lon = serializers.FloatField(source="hotspot.centroid_lon", read_only=True)
    centroid_lat = serializers.FloatField(source="hotspot.centroid_lat", read_only=True)

    class Meta:
        model = PatrolAssignment
        fields = [
            "id",
            "plan",
            "hotspot",
            "hotspot_rank",
            "hotspot_label",
            "centroid_lon",
            "centroid_lat",
            "officer",
            "officer_name",
            "partner",
            "start",
            "end",
            "status",
            "locked",
        ]
        read_only_fields = ["plan", "hotspot"]


class AssignmentUpdateSerializer(serializers.Serializer):
    officer = serializers.PrimaryKeyRelatedField(
        queryset=OfficerProfile.objects.all(), required=False
    )
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    locked = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(choices=PatrolAssignment.Status.choices, required=False)


class PlanSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    job = JobSerializer(read_only=True, allow_null=True)
    hotspots = PlanHotspotSerializer(source="plan_hotspots", many=True, read_only=True)

    class Meta:
        model = PatrolPlan
        fields = [
            "id",
            "name",
            "force",
            "run",
            "first_day",
            "last_day",
            "design",
            "seed",
            "travel_speed_kmh",
            "cap_day_minutes",
            "cap_week_minutes",
            "status",
            "job",
            "coverage",
            "patrol_days",
            "hotspots",
            "created_at",
            "published_at",
        ]


class FixSerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    accuracy_m = serializers.FloatField(min_value=0)


class PingSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField()
    at = serializers.DateTimeField()
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    accuracy_m = serializers.FloatField(min_value=0)


class VisitRequestSerializer(serializers.Serializer):
    """A finished visit as a tablet sends it; `pings` may come here or in later batches."""

    client_uuid = serializers.UUIDField()
    hotspot = serializers.IntegerField()
    assignment = serializers.IntegerField(required=False, allow_null=True)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    start = FixSerializer(required=False, allow_null=True)
    end = FixSerializer(required=False, allow_null=True)
    arrests = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    stop_searches = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    dispersals = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    asb_warnings = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    people_engaged = serializers.IntegerField(min_value=0, max_value=100_000, default=0)
    intelligence_reports = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    notes = serializers.CharField(max_length=5000, allow_blank=True, default="")
    pings = PingSerializer(many=True, required=False, default=list)

    def model_fields(self) -> dict:
        data = self.validated_data
        names = ("started_at", "ended_at", "notes", *PatrolVisit.ACTIVITY_FIELDS)
        fields = {name: data[name] for name in names}
        fields["hotspot_id"] = data["hotspot"]
        fields["assignment_id"] = data.get("assignment")
        for end in ("start", "end"):
            fix = data.get(end) or {}
            fields[f"{end}_lon"] = fix.get("lon")
            fields[f"{end}_lat"] = fix.get("lat")
            fields[f"{end}_accuracy_m"] = fix.get("accuracy_m")
        return fields


class VisitSerializer(serializers.ModelSerializer):
    hotspot_label = serializers.CharField(source="hotspot.label", read_only=True)
    officer_name = serializers.CharField(source="officer.__str__", read_only=True)
    minutes = serializers.FloatField(read_only=True)
    ping_count = serializers.SerializerMethodField()

    class Meta:
        model = PatrolVisit
        fields = [
            "id",
            "client_uuid",
            "assignment",
            "hotspot",
            "hotspot_label",
            "officer",
            "officer_name",
            "started_at",
            "ended_at",
            "minutes",
            "start_lon",
            "start_lat",
            "start_accuracy_m",
            "end_lon",
            "end_lat",
            "end_accuracy_m",
            "arrests",
            "stop_searches",
            "dispersals",
            "asb_warnings",
            "people_engaged",
            "intelligence_reports",
            "notes",
            "minutes_inside",
            "minutes_unknown",
            "band",
            "ping_count",
            "received_at",
        ]

    def get_ping_count(self, visit: PatrolVisit) -> int:
        return getattr(visit, "ping_count", None) or visit.pings.count()


class DoseRowSerializer(serializers.Serializer):
    """A row of patrols.delivery: planned against delivered minutes of one group."""

    key = serializers.CharField()
    label = serializers.CharField()
    planned_minutes = serializers.FloatField()
    delivered_minutes = serializers.FloatField()
    verified_minutes = serializers.FloatField(
        help_text="Delivered minutes measured by location (GPS fixes or passive pings)."
    )
    unverified_minutes = serializers.FloatField(
        help_text="Logged visit lengths counted for visits with no usable GPS fix."
    )
    minutes_by_source = serializers.DictField(child=serializers.FloatField())
    minutes_inside = serializers.FloatField(help_text="Minutes inside measured by GPS.")
    assignments = serializers.IntegerField()
    visits = serializers.IntegerField()
    ad_hoc_visits = serializers.IntegerField()
    verified_visits = serializers.IntegerField()
    bands = serializers.DictField(child=serializers.IntegerField())
    outcomes = serializers.DictField(child=serializers.IntegerField())


class ReturnLineSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True)
    hotspot = serializers.CharField()
    planned_patrols = serializers.IntegerField()
    planned_hours = serializers.FloatField()
    delivered_hours = serializers.FloatField()
    verified_hours = serializers.FloatField(help_text="Delivered hours measured by GPS.")
    patrols = serializers.IntegerField(help_text="Visits logged, planned and ad hoc.")
    ad_hoc_patrols = serializers.IntegerField()
    arrests = serializers.IntegerField()
    stop_searches = serializers.IntegerField()
    dispersals = serializers.IntegerField(help_text="Dispersal directions.")
    asb_warnings = serializers.IntegerField()
    people_engaged = serializers.IntegerField()
    intelligence_reports = serializers.IntegerField()


class FunderReturnSerializer(serializers.Serializer):
    force = serializers.CharField()
    period = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    lines = ReturnLineSerializer(many=True)
    total = ReturnLineSerializer()
    made_at = serializers.DateTimeField()
    attribution = serializers.SerializerMethodField()

    def get_attribution(self, report) -> str:
        from patrols.returns import ATTRIBUTION

        return ATTRIBUTION


class DoseTodaySerializer(serializers.Serializer):
    hotspot = serializers.IntegerField(source="hotspot_id")
    minutes_today = serializers.FloatField()
    minutes_this_week = serializers.FloatField()
    cap_day_minutes = serializers.IntegerField(allow_null=True)
    cap_week_minutes = serializers.IntegerField(allow_null=True)
    dose_reached_today = serializers.BooleanField(
        help_text="Today's or this week's cap on patrol minutes at the hotspot is reached."
    )


def query_lonlat(params) -> tuple[float, float]:
    """`lon` and `lat` of a query string as WGS84 degrees, or a 400 saying what is wrong."""
    try:
        lon, lat = float(params["lon"]), float(params["lat"])
    except (KeyError, ValueError):
        raise serializers.ValidationError({"detail": "Give lon and lat as numbers."}) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # also refuses inf and nan
        raise serializers.ValidationError({"detail": "lon must be within ±180 and lat within ±90."})
    return lon, lat
