from django.contrib import admin

from hotspots.models import Category, Force, ImportBatch, Incident, QualityFlag


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "boundary_area_km2")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("boundary", "boundary_area_km2")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "group", "harm_weight", "aliases")
    list_editable = ("harm_weight",)
    list_filter = ("group",)
    search_fields = ("name", "aliases")


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = (
        "file_name",
        "force",
        "source",
        "status",
        "rows_imported",
        "rows_rejected",
        "created_at",
    )
    list_filter = ("force", "source", "status")
    readonly_fields = [f.name for f in ImportBatch._meta.fields]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("month", "category", "location", "force", "in_force_area", "source")
    list_filter = ("force", "source", "category", "in_force_area")
    list_select_related = ("category", "force")
    show_full_result_count = False
    readonly_fields = [f.name for f in Incident._meta.fields]


@admin.register(QualityFlag)
class QualityFlagAdmin(admin.ModelAdmin):
    list_display = ("force", "month", "category", "rule", "count", "expected")
    list_filter = ("force", "rule")
    list_select_related = ("force", "category")
