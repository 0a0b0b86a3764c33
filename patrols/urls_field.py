"""The officers' field app. The service worker sits at the app's URL so that its scope is the
app (/patrols/field/); the app's own API answers sit with the rest of the API."""

from django.urls import path

from patrols import views_field

urlpatterns = [
    path("patrols/field/", views_field.field_app, name="field-app"),
    path("patrols/field/sw.js", views_field.service_worker, name="field-sw"),
    path("patrols/field/manifest.webmanifest", views_field.manifest, name="field-manifest"),
    path("api/my/schedule/", views_field.MyScheduleApi.as_view(), name="api-my-schedule"),
    path("api/my/nearby/", views_field.MyNearbyApi.as_view(), name="api-my-nearby"),
]
