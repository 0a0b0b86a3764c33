from rest_framework import serializers

from core.models import Job


class JobSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )
    duration_s = serializers.FloatField(read_only=True, allow_null=True)
    is_finished = serializers.BooleanField(read_only=True)
    title = serializers.CharField(source="words.title", read_only=True)
    summary = serializers.CharField(
        source="words.summary", read_only=True, help_text="The outcome in words, once finished."
    )

    class Meta:
        model = Job
        fields = [
            "id", "kind", "status", "progress", "message", "params", "result", "error",
            "attempts", "created_by", "created_at", "started_at", "finished_at", "duration_s",
            "is_finished", "title", "summary",
        ]  # fmt: skip
        read_only_fields = fields

    # What anyone who may read the run, plan or report a job belongs to may see of it; its
    # parameters, result, messages and author only those who may read it at /api/jobs/.
    PUBLIC_FIELDS = frozenset(
        {"id", "kind", "status", "progress", "attempts", "created_at", "started_at",
         "finished_at", "duration_s", "is_finished"}
    )  # fmt: skip
    BLANK = {"params": {}, "result": None, "error": "", "message": "", "created_by": None,
             "title": "", "summary": ""}  # fmt: skip

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or instance.is_visible_to(request.user):
            return data
        return {name: data[name] if name in self.PUBLIC_FIELDS else self.BLANK[name]
                for name in data}  # fmt: skip


class SelftestSerializer(serializers.Serializer):
    steps = serializers.IntegerField(min_value=1, max_value=1000, default=10)
    pause_s = serializers.FloatField(min_value=0, max_value=5, default=0.05)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
