"""Before/after evaluations of hotspot patrols and their stored results.

Periods are whole months held as the first day of the month. Buffers are in metres on the
hotspot run's grid (settings.PROJECTED_CRS). `results` is the JSON the report is drawn from;
its layout is evaluation.results.Results (typed and versioned: read it with
Results.from_json, never by string keys).
"""

from django.conf import settings
from django.db import models
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from hotspots.models import Category, Force, HotspotRun, ImportBatch
from patrols.models import PatrolPlan


class EvaluationQuerySet(models.QuerySet):
    def with_details(self):
        return self.select_related("force", "run", "plan", "job", "created_by")

    def finished(self):
        return self.filter(job__status="succeeded")

    def without_results(self):
        """For lists: the results JSON can run to megabytes for hundreds of hotspots. Only
        its layout version is read (`results_version`, None for the unversioned layout), so
        that a list can tell headlines of an older layout apart."""
        version = Cast(KT("results__schema_version"), models.IntegerField())
        return self.defer("results").annotate(results_version=version)


class Evaluation(models.Model):
    class Measure(models.TextChoices):
        ASB = "asb", "Anti-social behaviour"
        CRIME = "crime", "All crime"
        CHOSEN = "chosen", "Chosen categories"

    class Comparison(models.TextChoices):
        FORCE = "force", "Force-wide"
        REST = "rest", "Rest of the force (excluding hotspots and buffers)"
        CONTROL = "control", "Control hotspots (the run's hotspots not in the plan)"

    class FlaggedMonths(models.TextChoices):
        WARN = "warn", "Keep them and warn"
        EXCLUDE = "exclude", "Exclude them from both periods"

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="evaluations")
    name = models.CharField(max_length=200, blank=True)
    # The hotspot set: all of a run's hotspots, or the hotspots of a plan (whose run then
    # supplies the grid and the control hotspots).
    run = models.ForeignKey(HotspotRun, on_delete=models.CASCADE, related_name="evaluations")
    plan = models.ForeignKey(
        PatrolPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="evaluations"
    )
    before_start = models.DateField(help_text="First month of the before period.")
    before_end = models.DateField(help_text="Last month of the before period, inclusive.")
    after_start = models.DateField(help_text="First month of the after (patrol) period.")
    after_end = models.DateField(help_text="Last month of the after period, inclusive.")
    measures = models.JSONField(default=list, help_text='e.g. ["asb", "crime", "chosen"]')
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    buffer_m = models.PositiveIntegerField(default=250, help_text="Buffer ring width, metres.")
    comparison = models.CharField(max_length=8, choices=Comparison.choices, default=Comparison.REST)
    flagged_months = models.CharField(
        max_length=8, choices=FlaggedMonths.choices, default=FlaggedMonths.WARN
    )
    minimum_count = models.PositiveIntegerField(
        default=20, help_text="Below this many incidents (before + after) a change is not claimed."
    )
    source = models.CharField(
        max_length=16, choices=ImportBatch.Source.choices, default=ImportBatch.Source.POLICE_UK
    )
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL)
    results = models.JSONField(default=dict, blank=True)
    # The report's opening sentence, kept beside the results so that lists need not load them.
    headline = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        if self.name:
            return self.name
        subject = self.plan.name if self.plan_id else str(self.run)
        return f"{subject}: {self.after_start:%b %Y} – {self.after_end:%b %Y}"
