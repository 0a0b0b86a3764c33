from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import JobSerializer
from evaluation import report
from evaluation.models import Evaluation
from evaluation.results import Results
from evaluation.services.months import add_months, months_between
from hotspots.models import Category, HotspotRun, ImportBatch
from hotspots.serializers import MonthField
from patrols.models import PatrolPlan


class EvaluationRequestSerializer(serializers.Serializer):
    """What to evaluate. Give a hotspot run (all its hotspots) or a patrol plan (its
    hotspots, with the rest of its run as possible controls). The before period defaults to
    the same months a year earlier."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    run = serializers.PrimaryKeyRelatedField(
        queryset=HotspotRun.objects.select_related("force", "job"), required=False,
        allow_null=True,
    )  # fmt: skip
    plan = serializers.PrimaryKeyRelatedField(
        queryset=PatrolPlan.objects.select_related("run__force", "run__job"), required=False,
        allow_null=True,
    )  # fmt: skip
    after_start = MonthField()
    after_end = MonthField()
    before_start = MonthField(required=False, allow_null=True)
    before_end = MonthField(required=False, allow_null=True)
    measures = serializers.MultipleChoiceField(
        choices=Evaluation.Measure.choices, default=["asb", "crime"]
    )
    categories = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), many=True, required=False
    )
    buffer_m = serializers.IntegerField(min_value=0, max_value=2000, default=250)
    comparison = serializers.ChoiceField(
        choices=Evaluation.Comparison.choices, default=Evaluation.Comparison.REST
    )
    flagged_months = serializers.ChoiceField(
        choices=Evaluation.FlaggedMonths.choices, default=Evaluation.FlaggedMonths.WARN,
        help_text="exclude: each flagged month leaves both periods with its partner month, "
        "for every category and the comparison area; the job fails with the reason when "
        "nothing is left or the categories cannot be compared like for like.",
    )  # fmt: skip
    minimum_count = serializers.IntegerField(min_value=1, max_value=10_000, default=20)
    source = serializers.ChoiceField(choices=ImportBatch.Source.choices, default="police_uk")

    def validate(self, data):
        run, plan = data.get("run"), data.get("plan")
        if bool(run) == bool(plan):
            raise serializers.ValidationError("Give a hotspot run or a patrol plan, not both.")
        if plan and plan.run is None:
            raise serializers.ValidationError({"plan": "This plan has no hotspot run."})
        if not (plan.run if plan else run).grid:
            raise serializers.ValidationError({"run": "The hotspot run has not finished."})
        self._periods(data)
        self._measures(data, plan)
        return data

    def _periods(self, data: dict) -> None:
        if data["after_end"] < data["after_start"]:
            raise serializers.ValidationError({"after_end": "The period ends before it starts."})
        length = months_between(data["after_start"], data["after_end"])
        if not data.get("before_start"):
            data["before_start"] = add_months(data["after_start"], -12)
        if not data.get("before_end"):
            data["before_end"] = add_months(data["before_start"], length)
        if months_between(data["before_start"], data["before_end"]) != length:
            raise serializers.ValidationError(
                {"before_end": "The before period must have as many months as the after one."}
            )
        if data["before_end"] >= data["after_start"]:
            raise serializers.ValidationError(
                {"before_start": "The before period must end before the after period starts."}
            )

    def _measures(self, data: dict, plan) -> None:
        data["measures"] = [m for m, _ in Evaluation.Measure.choices if m in data["measures"]]
        if not data["measures"]:
            raise serializers.ValidationError({"measures": "Choose at least one measure."})
        if "chosen" in data["measures"] and not data.get("categories"):
            raise serializers.ValidationError({"categories": "Choose the categories."})
        if data["comparison"] == Evaluation.Comparison.CONTROL and not plan:
            raise serializers.ValidationError(
                {"comparison": "Control hotspots need a plan: they are its run's other hotspots."}
            )


class EvaluationSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    categories = serializers.SlugRelatedField(slug_field="slug", read_only=True, many=True)
    before_start = MonthField(read_only=True)
    before_end = MonthField(read_only=True)
    after_start = MonthField(read_only=True)
    after_end = MonthField(read_only=True)
    job = JobSerializer(read_only=True, allow_null=True)
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )
    headline = serializers.CharField(
        read_only=True, help_text="The report's opening sentence; empty until it finishes."
    )

    class Meta:
        model = Evaluation
        fields = [
            "id", "name", "force", "run", "plan", "before_start", "before_end", "after_start",
            "after_end", "measures", "categories", "buffer_m", "comparison", "flagged_months",
            "minimum_count", "source", "job", "created_by", "created_at", "headline",
        ]  # fmt: skip


class WarningSerializer(serializers.Serializer):
    kind = serializers.CharField()
    level = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    details = serializers.ListField(
        child=serializers.CharField(),
        help_text="Shown on demand: e.g. every data-quality flag's reason behind a summary.",
    )


class EvaluationDetailSerializer(EvaluationSerializer):
    """The view passes the typed results (evaluation.results.Results, or None while they are
    computed or recomputed) in the context as "results"."""

    warnings = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField(
        help_text="The typed results' JSON (schema_version, meta, hotspots, measures, quality, "
        "categories, releases, rtm, dose, activity, crossover, timings); null until computed, "
        "and while results of an older layout are computed again."
    )

    class Meta(EvaluationSerializer.Meta):
        fields = [*EvaluationSerializer.Meta.fields, "warnings", "results"]

    def _results(self) -> Results | None:
        return self.context.get("results")

    @extend_schema_field(WarningSerializer(many=True))
    def get_warnings(self, evaluation: Evaluation) -> list[dict]:
        results = self._results()
        if results is None:
            return []
        return WarningSerializer(report.warnings(results), many=True).data

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_results(self, evaluation: Evaluation) -> dict | None:
        results = self._results()
        return None if results is None else results.to_json()
