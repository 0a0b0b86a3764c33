from django.urls import path

from evaluation import api, views

urlpatterns = [
    path("evaluations/", views.evaluation_list, name="evaluation-list"),
    path("evaluations/<int:pk>/", views.evaluation_report, name="evaluation-report"),
    path("evaluations/<int:pk>/report.pdf", views.evaluation_pdf, name="evaluation-pdf"),
    path("evaluations/<int:pk>/delete/", views.evaluation_delete, name="evaluation-delete"),
    path("api/evaluations/", api.EvaluationListApi.as_view(), name="api-evaluation-list"),
    path(
        "api/evaluations/<int:pk>/",
        api.EvaluationDetailApi.as_view(),
        name="api-evaluation-detail",
    ),
    path(
        "api/evaluations/<int:pk>/hotspots.csv",
        api.EvaluationCsvApi.as_view(),
        name="api-evaluation-csv",
    ),
]
