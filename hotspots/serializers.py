import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.months import add_months, latest_unbroken, month_ranges, month_span
from core.serializers import JobSerializer
from hotspots import selectors
from hotspots.models import (
    Category,
    Force,
    Hotspot,
    HotspotArea,
    HotspotReview,
    HotspotRun,
    ImportBatch,
    QualityFlag,
)

MONTH_SCHEMA = {
    "type": "string",
    "pattern": r"^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$",
    "example": "2024-01",
    "description": "A month, YYYY-MM (YYYY-MM-DD is read as that day's month).",
}


@extend_schema_field(MONTH_SCHEMA)
class MonthField(serializers.DateField):
    """A month written 'YYYY-MM', held as the first day of the month."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", input_formats=["%Y-%m", "%Y-%m-%d"], **kwargs)

    def to_internal_value(self, value):
        return super().to_internal_value(value).replace(day=1)


class ForceSerializer(serializers.ModelSerializer):
    incident_count = serializers.IntegerField(read_only=True, allow_null=True)
    has_boundary = serializers.SerializerMethodField()

    class Meta:
        model = Force
        fields = ["id", "name", "slug", "boundary_area_km2", "has_boundary", "incident_count"]

    def get_has_boundary(self, force: Force) -> bool:
        return force.boundary is not None


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "group", "harm_weight", "harm_notes", "aliases"]


class ImportBatchSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = ImportBatch
        fields = [
            "id", "force", "source", "file_name", "checksum", "months", "status", "on_error",
            "rows_read", "rows_imported", "rows_no_location", "rows_outside", "rows_rejected",
            "rejected_rows", "job", "created_by", "created_at",
        ]  # fmt: skip


class QualityFlagSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    month = MonthField(read_only=True)

    class Meta:
        model = QualityFlag
        fields = [
            "id",
            "force",
            "category",
            "month",
            "kind",
            "rule",
            "reason",
            "score",
            "count",
            "expected",
        ]


class MonthlyCountSerializer(serializers.Serializer):
    month = MonthField(read_only=True)
    category = serializers.CharField(source="category__slug")
    category_name = serializers.CharField(source="category__name")
    count = serializers.IntegerField()
    no_location = serializers.IntegerField()
    outside = serializers.IntegerField()


class ImportUploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    source = serializers.ChoiceField(choices=ImportBatch.Source.choices, default="police_uk")
    force = serializers.SlugField(required=False, allow_blank=True)
    on_error = serializers.ChoiceField(choices=["reject", "skip"], default="reject")
    mapping = serializers.JSONField(required=False)
    boundary = serializers.FileField(required=False)

    def validate(self, data):
        if data["source"] == "force_export":
            if not data.get("force"):
                raise serializers.ValidationError({"force": "A force export needs the force slug."})
            if not data.get("mapping"):
                raise serializers.ValidationError({"mapping": "A force export needs a mapping."})
            if len(data["files"]) != 1:
                raise serializers.ValidationError({"files": "Upload one force export at a time."})
        return data


DEFAULT_MONTHS = selectors.DEFAULT_PERIOD_MONTHS


class NeighbourhoodSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["queen", "distance"], default="queen")
    order = serializers.IntegerField(min_value=1, max_value=10, default=1)
    band_m = serializers.FloatField(min_value=1, max_value=5000, required=False)

    def validate(self, data):
        if data["kind"] == "distance" and not data.get("band_m"):
            raise serializers.ValidationError({"band_m": "A distance band needs band_m (metres)."})
        return data


class MethodOptionsSerializer(serializers.Serializer):
    """Method settings; distances in metres. Defaults follow the product's method notes."""

    neighbourhood = NeighbourhoodSerializer(required=False)
    alpha = serializers.FloatField(min_value=0.0001, max_value=0.2, default=0.05)
    permutations = serializers.IntegerField(min_value=0, max_value=9999, default=0)
    bandwidth_m = serializers.FloatField(min_value=10, max_value=5000, default=300)
    kernel = serializers.ChoiceField(choices=["gaussian", "quartic"], default="gaussian")
    kde_share = serializers.FloatField(min_value=0.001, max_value=0.5, default=0.02)
    eps_m = serializers.FloatField(min_value=5, max_value=2000, default=150)
    min_samples = serializers.IntegerField(min_value=2, max_value=100_000, default=40)
    min_cluster_size = serializers.IntegerField(min_value=2, max_value=100_000, default=60)
    max_area_km2 = serializers.FloatField(
        min_value=0.001, max_value=100, required=False,
        help_text="Largest patrol-scale hotspot, km² (default: the HOTSPOT_MAX_AREA_KM2 setting).",
    )  # fmt: skip


class SelectionSerializer(MethodOptionsSerializer):
    """What runs and comparisons share: the data, the grid, limits and every method's settings."""

    force = serializers.SlugRelatedField(slug_field="slug", queryset=Force.objects.all())
    source = serializers.ChoiceField(choices=ImportBatch.Source.choices, default="police_uk")
    selection = serializers.ChoiceField(choices=HotspotRun.Selection.choices, default="asb")
    categories = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), many=True, required=False
    )
    harm_weighted = serializers.BooleanField(default=False)
    cell_m = serializers.IntegerField(min_value=10, max_value=5000, required=False)
    min_incidents = serializers.IntegerField(min_value=1, default=10)
    max_hotspots = serializers.IntegerField(min_value=1, max_value=500, default=20)
    allow_missing_months = serializers.BooleanField(
        default=False,
        help_text="Accept a period with months the force has no data for (they count as "
        "empty); a period with no data at all is refused regardless.",
    )

    def check_period(self, data: dict, first: str, last: str) -> None:
        """Refuse months the force has no data for from the chosen source, naming them."""
        force, source = data["force"], data["source"]
        missing = selectors.missing_months(
            force=force, source=source, first=data[first], last=data[last]
        )
        if not missing:
            return
        message = (
            f"{force.name} has no {selectors.SOURCE_NAMES[source]} data for {month_ranges(missing)}"
        )
        if len(missing) == len(month_span(data[first], data[last])):
            held = selectors.months_held(force=force, source=source)
            message += f"; it has {month_ranges(held)}." if held else "; import some first."
        elif data.get("allow_missing_months"):
            return
        else:
            message += (
                ". Choose a period it covers, or allow missing months to count them as empty."
            )
        raise serializers.ValidationError({first: message})


class RunRequestSerializer(SelectionSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    method = serializers.ChoiceField(choices=HotspotRun.Method.choices, default="gistar")
    period_start = MonthField(
        required=False, help_text="Default: the force's latest 12 months held without a gap."
    )
    period_end = MonthField(required=False)
    clip_to_boundary = serializers.BooleanField(default=True)

    def validate(self, data):
        data = {**data, **self._default_period(data)}
        if data["period_start"] > data["period_end"]:
            raise serializers.ValidationError({"period_end": "The period ends before it starts."})
        if data["selection"] == "chosen" and not data.get("categories"):
            raise serializers.ValidationError({"categories": "Choose at least one category."})
        self.check_period(data, "period_start", "period_end")
        return data

    def _default_period(self, data: dict) -> dict[str, dt.date]:
        """The latest 12 months held without a gap; or, given only the last month, the 12
        months to it (fewer when a gap comes sooner); or, given only the first, to the
        latest month held."""
        if data.get("period_start") and data.get("period_end"):
            return {}
        if data.get("period_end"):
            end = data["period_end"]
            held = selectors.months_held(force=data["force"], source=data["source"])
            period = latest_unbroken([m for m in held if m <= end], DEFAULT_MONTHS)
            if period and period[1] == end:
                return {"period_start": period[0]}
            return {"period_start": add_months(end, 1 - DEFAULT_MONTHS)}
        period = selectors.default_period(force=data["force"], source=data["source"])
        if period is None:
            source = selectors.SOURCE_NAMES[data["source"]]
            raise serializers.ValidationError(
                {"period_start": f"{data['force'].name} has no {source} data; import some first."}
            )
        if data.get("period_start"):
            return {"period_end": period[1]}
        return {"period_start": period[0], "period_end": period[1]}


class HotspotSerializer(serializers.ModelSerializer):
    area = serializers.IntegerField(
        source="area.number", default=None, read_only=True, allow_null=True
    )
    area_label = serializers.CharField(
        source="area.label", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Hotspot
        fields = [
            "id", "rank", "label", "centroid_lon", "centroid_lat", "area_m2", "incident_count",
            "harm", "counts_by_category", "share_of_incidents", "share_of_area", "pai",
            "peak_score", "monthly_trend", "hour_weekday", "patrol_window", "geometry", "area",
            "area_label",
        ]  # fmt: skip


class HotspotAreaSerializer(serializers.ModelSerializer):
    """A contiguous significant area that hotspots were carved from: context, not a target."""

    class Meta:
        model = HotspotArea
        fields = ["number", "label", "area_m2", "incident_count", "harm", "geometry"]


class HotspotRunSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    categories = serializers.SlugRelatedField(slug_field="slug", read_only=True, many=True)
    period_start = MonthField(read_only=True)
    period_end = MonthField(read_only=True)
    job = JobSerializer(read_only=True, allow_null=True)
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = HotspotRun
        fields = [
            "id", "name", "force", "method", "source", "period_start", "period_end", "selection",
            "categories", "harm_weighted", "cell_m", "options", "min_incidents", "max_hotspots",
            "clip_to_boundary", "job", "grid", "timings", "summary", "created_by", "created_at",
        ]  # fmt: skip


class HotspotRunDetailSerializer(HotspotRunSerializer):
    hotspots = HotspotSerializer(many=True, read_only=True)

    class Meta(HotspotRunSerializer.Meta):
        fields = [*HotspotRunSerializer.Meta.fields, "hotspots"]


class ComparisonRequestSerializer(SelectionSerializer):
    selection_start = MonthField()
    selection_end = MonthField()
    test_start = MonthField()
    test_end = MonthField()

    def validate(self, data):
        if data["selection_start"] > data["selection_end"] or data["test_start"] > data["test_end"]:
            raise serializers.ValidationError("Each period must end after it starts.")
        if data["test_start"] <= data["selection_end"]:
            raise serializers.ValidationError(
                {"test_start": "The test period must come after the selection period."}
            )
        self.check_period(data, "selection_start", "selection_end")
        self.check_period(data, "test_start", "test_end")
        return data


class HotspotReviewSerializer(serializers.ModelSerializer):
    """A monitoring review. `result` holds, per selected hotspot, whether it cooled, its
    hot months among the latest and its emerging-hot-spot pattern, and the new or
    intensifying places outside the selection (cells, pattern, peak z, lon/lat)."""

    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = HotspotReview
        fields = [
            "id", "force", "kind", "object_id", "label", "url", "run", "selection_start",
            "selection_end", "recent_start", "recent_end", "hotspots", "cooled",
            "emerging_outside", "jaccard", "result", "job", "reviewed_at",
        ]  # fmt: skip


class StreetLabelSerializer(serializers.Serializer):
    name = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
