from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone

from calls.models import (
    Call,
    CallEvent,
    FeedFile,
    FeedSource,
    IncidentTypeMapping,
    IntegrationToken,
    PublicActionLog,
    RejectedEvent,
)
from calls.services.tokens import token_create, token_revoke


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(admin.ModelAdmin):
    """Adding a token shows its secret once; only the digest is stored."""

    list_display = ("name", "force", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("force",)
    fields = ("force", "name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, secret = token_create(force=obj.force, name=obj.name, created_by=request.user)
        obj.pk = token.pk
        messages.warning(request, f"Token secret (shown once, copy it now): {secret}")

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(token=token)


@admin.register(IncidentTypeMapping)
class IncidentTypeMappingAdmin(admin.ModelAdmin):
    list_display = ("incident_type", "description", "force", "public_category", "sensitive",
                    "incident_category")  # fmt: skip
    list_editable = ("public_category", "sensitive", "incident_category")
    list_filter = ("force", "sensitive", "public_category")
    search_fields = ("incident_type", "description")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        force = obj.force
        transaction.on_commit(lambda: _public_cache_clear(force=force))  # a type made sensitive

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _public_cache_clear(force=obj.force)


class CallEventInline(admin.TabularInline):
    model = CallEvent
    extra = 0
    can_delete = False
    readonly_fields = ("key", "status", "occurred_at", "source", "received_at", "payload")


class PublicActionInline(admin.TabularInline):
    model = PublicActionLog
    extra = 0
    can_delete = False
    readonly_fields = ("action", "reason", "user", "created_at")


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("reference", "force", "incident_type", "priority", "status", "received_at",
                    "public_action")  # fmt: skip
    list_filter = ("force", "status", "public_action")
    search_fields = ("reference",)
    readonly_fields = [f.name for f in Call._meta.fields]
    inlines = [CallEventInline, PublicActionInline]


@admin.register(RejectedEvent)
class RejectedEventAdmin(admin.ModelAdmin):
    list_display = ("received_at", "force", "source", "file_name", "line", "field", "error",
                    "reviewed_at")  # fmt: skip
    list_filter = ("force", "source", "reviewed_at")
    readonly_fields = ("force", "source", "token", "file_name", "line", "payload", "field",
                       "error", "received_at", "reviewed_at", "reviewed_by")  # fmt: skip
    actions = ["mark_reviewed"]

    @admin.action(description="Mark as reviewed")
    def mark_reviewed(self, request, queryset):
        queryset.update(reviewed_at=timezone.now(), reviewed_by=request.user)


@admin.register(FeedSource)
class FeedSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "force", "folder", "enabled", "last_polled_at", "last_error")
    list_filter = ("force", "enabled")


@admin.register(FeedFile)
class FeedFileAdmin(admin.ModelAdmin):
    list_display = ("name", "source", "read_at", "events_read", "events_applied",
                    "events_duplicate", "events_rejected", "error")  # fmt: skip
    list_filter = ("source",)
    readonly_fields = [f.name for f in FeedFile._meta.fields]


def _public_cache_clear(force) -> None:
    # The public view imports numpy, shapely and scipy; the admin is loaded at start-up.
    from calls.services.public import public_cache_clear

    public_cache_clear(force=force)
