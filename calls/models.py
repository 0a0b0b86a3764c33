"""Calls for service from a force's command-and-control system, their status events, the
mapping of the force's incident types to public categories, integration tokens, rejected events
kept for review, and file feeds.

Coordinates: `longitude`/`latitude` WGS84 as sent; `x`/`y` metres in settings.PROJECTED_CRS.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone

from calls.categories import CATEGORY_CHOICES, STATUS_CHOICES
from hotspots.models import Force


class IntegrationTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class IntegrationToken(models.Model):
    """One command-and-control integration of one force. Only a SHA-256 digest of the secret
    is stored; the secret is shown once, when the token is created."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="call_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The start of the secret, to recognise it.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = IntegrationTokenQuerySet.as_manager()

    class Meta:
        ordering = ["force", "name"]
        constraints = [
            models.UniqueConstraint(fields=["force", "name"], name="calls_token_unique_name")
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"{self.force.slug}/{self.name} ({self.prefix}…, {state})"

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class IncidentTypeMapping(models.Model):
    """A force's own incident type (its code in the control room) and the public category it
    is shown under. `sensitive` withholds every call of the type from the public."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="call_type_mappings")
    incident_type = models.CharField(max_length=40, help_text="The force's code, as sent.")
    description = models.CharField(max_length=200, blank=True)
    public_category = models.CharField(max_length=40, choices=CATEGORY_CHOICES)
    sensitive = models.BooleanField(default=False, help_text="Never shown in public.")
    incident_category = models.ForeignKey(
        "hotspots.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Counted in hotspot runs and monitoring as this category (blank: not counted).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["force", "incident_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "incident_type"], name="calls_mapping_unique_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_type} → {self.public_category}"


class CallQuerySet(models.QuerySet):
    def received_between(self, start, end):
        return self.filter(received_at__gte=start, received_at__lte=end)

    def open(self):
        return self.exclude(status__in=("resolved", "cancelled"))


class Call(models.Model):
    """A call as its events describe it (calls.events.call_state); the events are the truth."""

    class PublicAction(models.TextChoices):
        NONE = "", "Rules only"
        WITHHOLD = "withhold", "Withhold from the public"
        GENERALISE = "generalise", "Show only at its coarse area"

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="calls")
    reference = models.CharField(max_length=100, help_text="The force's incident reference.")
    incident_type = models.CharField(max_length=40, blank=True)
    priority = models.CharField(max_length=20, blank=True, help_text="Grade, as the force sends.")
    status = models.CharField(max_length=12, choices=STATUS_CHOICES)
    status_at = models.DateTimeField()
    received_at = models.DateTimeField()
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    x = models.FloatField(null=True, blank=True, help_text="Projected easting, metres.")
    y = models.FloatField(null=True, blank=True, help_text="Projected northing, metres.")
    involves_juvenile = models.BooleanField(default=False)
    summary = models.TextField(blank=True, help_text="Control-room free text: staff only.")
    public_action = models.CharField(
        max_length=12, choices=PublicAction.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["force", "reference"], name="calls_unique_reference")
        ]
        indexes = [models.Index(fields=["force", "received_at"], name="calls_force_received")]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"


class CallEvent(models.Model):
    """One status event as received, kept for the history and for re-folding the call."""

    class Source(models.TextChoices):
        API = "api", "Push API"
        FILE = "file", "File feed"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    key = models.CharField(max_length=64, help_text="The sender's event id, or a content hash.")
    status = models.CharField(max_length=12, choices=STATUS_CHOICES)
    occurred_at = models.DateTimeField()
    payload = models.JSONField(help_text="The validated event (calls.events.CallEventIn).")
    source = models.CharField(max_length=8, choices=Source.choices)
    token = models.ForeignKey(
        IntegrationToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "key"], name="calls_event_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.call_id} {self.status} at {self.occurred_at:%Y-%m-%d %H:%M}"


class RejectedEvent(models.Model):
    """An event that was refused, exactly as it came, with the reason: nothing of it was
    applied. Kept for a manager to review."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="rejected_call_events")
    source = models.CharField(max_length=8, choices=CallEvent.Source.choices)
    token = models.ForeignKey(
        IntegrationToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=500, blank=True)
    line = models.PositiveIntegerField(null=True, blank=True)
    payload = models.JSONField(null=True)
    field = models.CharField(max_length=40, blank=True)
    error = models.TextField()
    received_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.received_at:%Y-%m-%d %H:%M}: {self.error[:60]}"


class PublicActionLog(models.Model):
    """Who withheld or generalised a call in public, when and why."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="public_actions")
    action = models.CharField(max_length=12, choices=Call.PublicAction.choices, blank=True)
    reason = models.TextField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.call_id}: {self.action or 'rules only'} ({self.reason[:40]})"


class FeedSource(models.Model):
    """A folder a force's exports are written into, read every few minutes through a column
    mapping (docs/live-calls.md)."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="call_feeds")
    name = models.CharField(max_length=100)
    folder = models.CharField(max_length=500)
    mapping = models.JSONField(help_text="Column mapping; see docs/live-calls.md.")
    enabled = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["force", "name"]
        constraints = [
            models.UniqueConstraint(fields=["force", "name"], name="calls_feed_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.force.slug}/{self.name}"


class FeedFile(models.Model):
    """One file read from a feed: a file already read with the same content is skipped."""

    source = models.ForeignKey(FeedSource, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=500)
    checksum = models.CharField(max_length=64)
    events_read = models.PositiveIntegerField(default=0)
    events_applied = models.PositiveIntegerField(default=0)
    events_duplicate = models.PositiveIntegerField(default=0)
    events_rejected = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-read_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "name", "checksum"], name="calls_feed_file_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.events_applied}/{self.events_read} applied)"
