from django.conf import settings
from django.db import models


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Managers and commanders see every job (commanders read runs and reports that
        others started); anyone else only their own."""
        from core.roles import COMMANDER, MANAGER, has_role

        if has_role(user, MANAGER, COMMANDER):
            return self
        return self.filter(created_by=user)

    def unfinished(self):
        return self.filter(status__in=(Job.Status.QUEUED, Job.Status.RUNNING))

    def stalled(self, *, before):
        """Running jobs whose last heartbeat (or start) is older than `before`."""
        return self.filter(status=Job.Status.RUNNING).filter(
            models.Q(heartbeat_at__lt=before)
            | models.Q(heartbeat_at__isnull=True, started_at__lt=before)
        )


class Job(models.Model):
    """A long-running task of any app: its progress, outcome and who started it."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    kind = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written every JOB_HEARTBEAT_SECONDS while the job runs; a running job whose heartbeat
    # stops had its worker die (core.jobs.jobs_reap).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status}, {self.progress}%)"

    def is_visible_to(self, user) -> bool:
        """The row-level form of `Job.objects.visible_to`, without a query."""
        from core.roles import COMMANDER, MANAGER, has_role

        return has_role(user, MANAGER, COMMANDER) or (
            user.is_authenticated and self.created_by_id == user.pk
        )

    @property
    def words(self):
        """The job told in words (core.job_words), for pages and the API."""
        from core.job_words import describe

        return describe(self)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def duration_s(self) -> float | None:
        if not (self.started_at and self.finished_at):
            return None
        return (self.finished_at - self.started_at).total_seconds()
