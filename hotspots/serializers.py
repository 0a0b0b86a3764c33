from rest_framework import serializers

from hotspots.models import Category, Force, ImportBatch, QualityFlag


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
    created_by = serializers.CharField(source="created_by.username", default=None)

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
    month = serializers.DateField(format="%Y-%m")

    class Meta:
        model = QualityFlag
        fields = [
            "id",
            "force",
            "category",
            "month",
            "rule",
            "reason",
            "score",
            "count",
            "expected",
        ]


class MonthlyCountSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    category = serializers.CharField(source="category__slug")
    category_name = serializers.CharField(source="category__name")
    count = serializers.IntegerField()
    no_location = serializers.IntegerField()
    outside = serializers.IntegerField()


class ImportUploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    source = serializers.ChoiceField(choices=["police_uk", "force_export"], default="police_uk")
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
