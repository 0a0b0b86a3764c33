"""The hotspot analysis pages; hotspots/urls.py includes these beside the API."""

from django.urls import path

from hotspots import views_runs

urlpatterns = [
    path("hotspots/", views_runs.run_list, name="hotspot-runs"),
    path("hotspots/runs/<int:pk>/", views_runs.run_detail, name="hotspot-run-detail"),
    path("hotspots/runs/<int:pk>/delete/", views_runs.run_delete, name="hotspot-run-delete"),
    path("hotspots/compare/", views_runs.compare, name="hotspot-compare"),
]
