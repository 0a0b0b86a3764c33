from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from calls.categories import BY_SLUG
from calls.models import Call, CallEvent, PublicActionLog, RejectedEvent


class CallEventSerializer(serializers.ModelSerializer):
    source = serializers.CharField(help_text="api or file")

    class Meta:
        model = CallEvent
        fields = ["id", "key", "status", "occurred_at", "source", "received_at", "payload"]


class PublicActionLogSerializer(serializers.ModelSerializer):
    user = serializers.CharField(
        source="user.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = PublicActionLog
        fields = ["action", "reason", "user", "created_at"]


class PatrolledSerializer(serializers.Serializer):
    plan = serializers.CharField()
    plan_id = serializers.IntegerField()
    hotspot = serializers.CharField()
    rank = serializers.IntegerField()
    assignments_today = serializers.IntegerField()


class StaffCallSerializer(serializers.ModelSerializer):
    """A call with its exact location and control-room text: staff only."""

    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    public_category = serializers.SerializerMethodField()
    sensitive = serializers.SerializerMethodField()
    hotspot_rank = serializers.SerializerMethodField()
    patrolled = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "id", "force", "reference", "incident_type", "public_category", "sensitive",
            "priority", "status", "status_at", "received_at", "longitude", "latitude",
            "involves_juvenile", "summary", "public_action", "hotspot_rank",
            "patrolled",
        ]  # fmt: skip

    def _mapping(self, call):
        return self.context.get("mappings", {}).get(call.incident_type)

    def get_public_category(self, call) -> str | None:
        mapping = self._mapping(call)
        return BY_SLUG[mapping.public_category].label if mapping else None

    def get_sensitive(self, call) -> bool | None:
        mapping = self._mapping(call)
        return mapping.sensitive if mapping else None

    def get_hotspot_rank(self, call) -> int | None:
        return self.context.get("hotspot_ranks", {}).get(call.pk)

    @extend_schema_field(PatrolledSerializer(allow_null=True))
    def get_patrolled(self, call) -> dict | None:
        """The hotspot of today's published patrol plans the call falls in, if any."""
        return self.context.get("patrols", {}).get(call.pk)


class StaffCallDetailSerializer(StaffCallSerializer):
    events = CallEventSerializer(many=True, read_only=True)
    public_actions = PublicActionLogSerializer(many=True, read_only=True)

    class Meta(StaffCallSerializer.Meta):
        fields = [*StaffCallSerializer.Meta.fields, "events", "public_actions"]


class PublicActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Call.PublicAction.choices, allow_blank=True)
    reason = serializers.CharField(max_length=2000)


class RejectedEventSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    token = serializers.CharField(
        source="token.name", default=None, read_only=True, allow_null=True
    )
    source = serializers.CharField(help_text="api or file")

    class Meta:
        model = RejectedEvent
        fields = ["id", "force", "source", "token", "file_name", "line", "field", "error",
                  "payload", "received_at", "reviewed_at"]  # fmt: skip


class EventOutcomeSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    result = serializers.ChoiceField(choices=["applied", "duplicate", "rejected"])
    reference = serializers.CharField()
    call_id = serializers.IntegerField(allow_null=True)
    field = serializers.CharField()
    error = serializers.CharField()


class PushResultSerializer(serializers.Serializer):
    applied = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = EventOutcomeSerializer(many=True)
