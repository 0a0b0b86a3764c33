"""Forces, categories and incidents as imported; data-quality flags on monthly counts.

Coordinates: `longitude`/`latitude` are WGS84 as published; `x`/`y` are metres in
settings.PROJECTED_CRS (EPSG:27700 by default), computed once at import.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Force(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    # GeoJSON geometry (Polygon or MultiPolygon) in WGS84 lon/lat.
    boundary = models.JSONField(null=True, blank=True)
    boundary_area_km2 = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CategoryQuerySet(models.QuerySet):
    def asb(self):
        return self.filter(group=Category.Group.ASB)

    def crime(self):
        return self.filter(group=Category.Group.CRIME)


class Category(models.Model):
    """An incident category with its harm weight (days of custody, after the Cambridge Crime
    Harm Index; see hotspots/data/categories.csv) and older or local names as aliases."""

    class Group(models.TextChoices):
        ASB = "asb", "Anti-social behaviour"
        CRIME = "crime", "Crime"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    group = models.CharField(max_length=8, choices=Group.choices)
    harm_weight = models.FloatField(help_text="Days of custody at the sentencing starting point.")
    harm_notes = models.TextField(blank=True)
    aliases = models.JSONField(default=list, blank=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One imported file (one month for police.uk) with its counts and rejected rows."""

    class Source(models.TextChoices):
        POLICE_UK = "police_uk", "police.uk street-level CSV"
        FORCE_EXPORT = "force_export", "Force export"

    class Status(models.TextChoices):
        IMPORTED = "imported"
        REJECTED = "rejected"
        SUPERSEDED = "superseded", "Superseded by a later import"

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="batches")
    source = models.CharField(max_length=16, choices=Source.choices)
    file_name = models.CharField(max_length=500)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the decompressed file.")
    months = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=Status.choices)
    on_error = models.CharField(max_length=8, default="reject")
    rows_read = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_no_location = models.PositiveIntegerField(default=0)
    rows_outside = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    # [{"file", "line", "field", "message", "value"}], capped; rows_rejected has the full count.
    rejected_rows = models.JSONField(default=list, blank=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class IncidentQuerySet(models.QuerySet):
    def mappable(self):
        """Located incidents inside the force area: the ones maps and hotspots use."""
        return self.filter(in_force_area=True)

    def in_months(self, first, last):
        return self.filter(month__gte=first, month__lte=last)


class Incident(models.Model):
    """One published incident. The table takes hundreds of thousands of rows per import, so it
    keeps few indexes and no database-level foreign keys: rows are written only by the
    importer, inside the transaction that creates their batch, and Django still cascades and
    protects deletions."""

    force = models.ForeignKey(
        Force, on_delete=models.CASCADE, related_name="incidents", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="incidents", db_constraint=False
    )
    source = models.CharField(max_length=16, choices=ImportBatch.Source.choices)
    month = models.DateField(help_text="First day of the month the incident is published in.")
    occurred_at = models.DateTimeField(null=True, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="incidents", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    # The category name as the file gave it (police.uk's scheme of that month, or a force's
    # own); `category` is the harmonised one (hotspots/schemes.py, docs/categories.md).
    published_category = models.CharField(max_length=120, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    x = models.FloatField(null=True, blank=True, help_text="Projected easting, metres.")
    y = models.FloatField(null=True, blank=True, help_text="Projected northing, metres.")
    has_location = models.BooleanField(default=True)
    in_force_area = models.BooleanField(default=True)
    location = models.CharField(max_length=255, blank=True)
    lsoa_code = models.CharField(max_length=16, blank=True)
    lsoa_name = models.CharField(max_length=120, blank=True)
    outcome = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=100, blank=True, help_text="Crime ID or force ref.")
    context = models.TextField(blank=True)
    priority = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=40, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        indexes = [
            # Hotspot runs and evaluations read x/y by force, period and category: on
            # PostgreSQL the coordinates ride in the index (an index-only scan).
            models.Index(
                fields=["force", "month", "category"],
                include=["x", "y"],
                name="incident_force_month_cat",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "reference"],
                condition=Q(source="force_export"),
                name="incident_unique_force_export_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category_id} {self.month:%Y-%m} {self.location}"


class MonthlyStat(models.Model):
    """Counts per force, source, category and month, kept with each import for quality checks."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="monthly_stats")
    source = models.CharField(max_length=16, choices=ImportBatch.Source.choices)
    category = models.ForeignKey(Category, on_delete=models.CASCADE)
    month = models.DateField()
    count = models.PositiveIntegerField()
    duplicate_rows = models.PositiveIntegerField(default=0)
    distinct_rows = models.PositiveIntegerField(default=0)
    copy_factor = models.PositiveIntegerField(
        default=1, help_text="k when every distinct row appears a multiple of k times."
    )
    distinct_points = models.PositiveIntegerField(default=0)
    no_location = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["force", "source", "category", "month"], name="monthly_stat_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.force_id} {self.category_id} {self.month:%Y-%m}: {self.count}"


class QualityFlagQuerySet(models.QuerySet):
    def for_months(self, force, first, last):
        return self.filter(force=force, month__gte=first, month__lte=last)

    def artefacts(self):
        return self.filter(kind=QualityFlag.Kind.ARTEFACT)


class QualityFlag(models.Model):
    """A (force, category, month) count that looks like a publication artefact, with why; a
    flag without a category concerns the force's whole month. `kind` "release" marks a
    property of police.uk's release (e.g. no Crime IDs before 2011-12): shown, not excluded."""

    class Kind(models.TextChoices):
        ARTEFACT = "artefact", "Publication artefact"
        RELEASE = "release", "Property of the release"

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="quality_flags")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    month = models.DateField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ARTEFACT)
    rule = models.CharField(max_length=40)
    reason = models.TextField()
    score = models.FloatField(default=0)
    count = models.PositiveIntegerField()
    expected = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = QualityFlagQuerySet.as_manager()

    class Meta:
        ordering = ["force", "month", "category"]
        indexes = [models.Index(fields=["force", "month"], name="quality_flag_force_month")]

    def __str__(self) -> str:
        return f"{self.force} {self.category or 'all categories'} {self.month:%Y-%m}: {self.rule}"


class HotspotRunQuerySet(models.QuerySet):
    def with_job(self):
        return self.select_related("force", "job", "created_by")

    def finished(self):
        return self.filter(job__status="succeeded")


class HotspotRun(models.Model):
    """One hotspot analysis: its parameters, the grid it used, timings and summary figures."""

    class Method(models.TextChoices):
        GISTAR = "gistar", "Getis-Ord Gi* (with FDR)"
        KDE = "kde", "Kernel density"
        DBSCAN = "dbscan", "DBSCAN"
        HDBSCAN = "hdbscan", "HDBSCAN"

    class Selection(models.TextChoices):
        ASB = "asb", "Anti-social behaviour"
        CRIME = "crime", "All crime"
        ALL = "all", "All incidents"
        CHOSEN = "chosen", "Chosen categories"

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="hotspot_runs")
    name = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.GISTAR)
    source = models.CharField(
        max_length=16, choices=ImportBatch.Source.choices, default=ImportBatch.Source.POLICE_UK
    )
    period_start = models.DateField(help_text="First month (first day of the month).")
    period_end = models.DateField(help_text="Last month (first day of the month), inclusive.")
    selection = models.CharField(max_length=8, choices=Selection.choices, default=Selection.ASB)
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    harm_weighted = models.BooleanField(default=False)
    cell_m = models.PositiveIntegerField(default=150)
    # Method settings: neighbourhood, alpha, bandwidth_m, kde_share, eps_m, min_samples, ...
    options = models.JSONField(default=dict, blank=True)
    min_incidents = models.PositiveIntegerField(default=10)
    max_hotspots = models.PositiveIntegerField(default=20)
    clip_to_boundary = models.BooleanField(default=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL)
    # x0, y0, cell_m, nx, ny, crs of the grid used.
    grid = models.JSONField(null=True, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HotspotRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return (
            self.name
            or f"{self.get_method_display()} {self.period_start:%Y-%m}–{self.period_end:%Y-%m}"
        )


class HotspotArea(models.Model):
    """A contiguous significant area (e.g. a town centre) that a run's patrol-scale hotspots
    were carved from, kept as context on maps and in exports. GeoJSON in WGS84 lon/lat."""

    run = models.ForeignKey(HotspotRun, on_delete=models.CASCADE, related_name="areas")
    number = models.PositiveIntegerField(help_text="1 = the area of the top-ranked hotspot.")
    label = models.CharField(max_length=255)
    cells = models.JSONField(help_text="Flat indices of the run's grid cells.")
    geometry = models.JSONField()
    area_m2 = models.FloatField()
    incident_count = models.PositiveIntegerField()
    harm = models.FloatField()

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="hotspot_area_unique_number"),
        ]

    def __str__(self) -> str:
        return f"Area {self.number}: {self.label}"


class Hotspot(models.Model):
    """A ranked, patrol-scale hotspot of a run. Geometry is GeoJSON in WGS84 lon/lat; areas
    in m²."""

    run = models.ForeignKey(HotspotRun, on_delete=models.CASCADE, related_name="hotspots")
    area = models.ForeignKey(
        HotspotArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="hotspots",
        help_text="The hotspot area it was carved from.",
    )  # fmt: skip
    rank = models.PositiveIntegerField()
    label = models.CharField(max_length=255)
    cells = models.JSONField(help_text="Flat indices of the run's grid cells.")
    geometry = models.JSONField()
    centroid_lon = models.FloatField()
    centroid_lat = models.FloatField()
    centroid_x = models.FloatField()
    centroid_y = models.FloatField()
    area_m2 = models.FloatField()
    incident_count = models.PositiveIntegerField()
    harm = models.FloatField()
    counts_by_category = models.JSONField(default=dict)
    share_of_incidents = models.FloatField()
    share_of_area = models.FloatField()
    pai = models.FloatField()
    peak_score = models.FloatField(help_text="Peak Gi* z, density or cluster cell count.")
    monthly_trend = models.JSONField(default=dict)
    hour_weekday = models.JSONField(null=True, blank=True, help_text="7×24 counts, Monday first.")
    patrol_window = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "rank"], name="hotspot_unique_rank"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.label}"


class HotspotReviewQuerySet(models.QuerySet):
    def with_details(self):
        return self.select_related("force", "run", "job")

    def needing_attention(self):
        """Reviews with a cooled hotspot or an emerging place outside the selection."""
        return self.filter(Q(cooled__gt=0) | Q(emerging_outside__gt=0))


class HotspotReview(models.Model):
    """The latest re-scoring of one selection of hotspots (a run's, or a published plan's)
    against the months since: which hotspots cooled, which new or intensifying places lie
    outside it, and how stable its cells are. One row per selection, replaced by each
    monitoring pass; `result` is `hotspots.analysis.monitoring.SelectionReview.to_json()`
    plus the hotspots' ids and labels and the places' lon/lat."""

    class Kind(models.TextChoices):
        RUN = "run", "Latest hotspot run"
        PLAN = "plan", "Published patrol plan"

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="hotspot_reviews")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # The run's or plan's id: a plan lives in the patrols app, which this app must not import.
    object_id = models.PositiveIntegerField()
    label = models.CharField(max_length=255)
    url = models.CharField(max_length=255, blank=True)
    run = models.ForeignKey(HotspotRun, on_delete=models.CASCADE, related_name="reviews")
    selection_start = models.DateField()
    selection_end = models.DateField()
    recent_start = models.DateField(help_text="First of the latest months judged.")
    recent_end = models.DateField(help_text="Latest month held for the force.")
    hotspots = models.PositiveIntegerField(default=0)
    cooled = models.PositiveIntegerField(default=0)
    emerging_outside = models.PositiveIntegerField(default=0)
    jaccard = models.FloatField(null=True, blank=True)
    result = models.JSONField(default=dict)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL)
    reviewed_at = models.DateTimeField(auto_now=True)

    objects = HotspotReviewQuerySet.as_manager()

    class Meta:
        ordering = ["force", "kind", "-object_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="hotspot_review_unique")
        ]

    def __str__(self) -> str:
        return f"Review of {self.label}"
