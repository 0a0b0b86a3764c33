from django.contrib import admin

from evaluation.models import Evaluation


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "force", "after_start", "after_end", "comparison", "created_at")
    list_filter = ("force", "comparison", "flagged_months")
    list_select_related = ("force", "run", "plan")
    readonly_fields = ("job", "results", "headline", "created_by", "created_at")
    raw_id_fields = ("run", "plan")
