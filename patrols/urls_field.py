"""The officers' field app. The service worker sits at the app's URL so that its scope is the
app (/patrols/field/)."""

from django.urls import path

from patrols import views_field

urlpatterns = [
    path("patrols/field/", views_field.field_app, name="field-app"),
    path("patrols/field/sw.js", views_field.service_worker, name="field-sw"),
    path("patrols/field/manifest.webmanifest", views_field.manifest, name="field-manifest"),
]
