from django.urls import include, path

from hotspots import views
from hotspots.api import incidents as api
from hotspots.api import monitoring as monitoring_api
from hotspots.api import runs as runs_api

urlpatterns = [
    path("incidents/", views.incident_data, name="incident-data"),
    path("incidents/batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("api/forces/", api.ForceListApi.as_view(), name="api-force-list"),
    path(
        "api/forces/<slug:slug>/monthly-counts/",
        api.MonthlyCountApi.as_view(),
        name="api-monthly-counts",
    ),
    path("api/forces/<slug:slug>/streets/", api.StreetLabelApi.as_view(), name="api-force-streets"),
    path("api/categories/", api.CategoryListApi.as_view(), name="api-category-list"),
    path("api/imports/", api.ImportBatchListApi.as_view(), name="api-import-list"),
    path("api/imports/upload/", api.ImportUploadApi.as_view(), name="api-import-upload"),
    path("api/imports/<int:pk>/", api.ImportBatchDetailApi.as_view(), name="api-import-detail"),
    path("api/quality-flags/", api.QualityFlagListApi.as_view(), name="api-quality-flags"),
]

urlpatterns += [
    path("api/hotspot-runs/", runs_api.HotspotRunListApi.as_view(), name="api-run-list"),
    path(
        "api/hotspot-runs/<int:pk>/", runs_api.HotspotRunDetailApi.as_view(), name="api-run-detail"
    ),
    path(
        "api/hotspot-runs/<int:pk>/hotspots.geojson",
        runs_api.HotspotGeoJsonApi.as_view(),
        name="api-run-geojson",
    ),
    path(
        "api/hotspot-runs/<int:pk>/hotspots.csv",
        runs_api.HotspotCsvApi.as_view(),
        name="api-run-csv",
    ),
    path(
        "api/hotspot-runs/<int:pk>/hotspots.gpkg",
        runs_api.HotspotGeoPackageApi.as_view(),
        name="api-run-gpkg",
    ),
    path("api/hotspot-comparisons/", runs_api.ComparisonApi.as_view(), name="api-comparison"),
    path("api/monitoring/", monitoring_api.HotspotReviewListApi.as_view(), name="api-monitoring"),
]

urlpatterns += [path("", include("hotspots.urls_pages"))]
