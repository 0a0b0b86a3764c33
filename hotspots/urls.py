from django.urls import path

from hotspots import api, views

urlpatterns = [
    path("incidents/", views.incident_data, name="incident-data"),
    path("incidents/batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("api/forces/", api.ForceListApi.as_view(), name="api-force-list"),
    path(
        "api/forces/<slug:slug>/monthly-counts/",
        api.MonthlyCountApi.as_view(),
        name="api-monthly-counts",
    ),
    path("api/categories/", api.CategoryListApi.as_view(), name="api-category-list"),
    path("api/imports/", api.ImportBatchListApi.as_view(), name="api-import-list"),
    path("api/imports/upload/", api.ImportUploadApi.as_view(), name="api-import-upload"),
    path("api/imports/<int:pk>/", api.ImportBatchDetailApi.as_view(), name="api-import-detail"),
    path("api/quality-flags/", api.QualityFlagListApi.as_view(), name="api-quality-flags"),
]
