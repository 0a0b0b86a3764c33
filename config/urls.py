from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("core.urls")),
    path("", include("hotspots.urls")),
    path("", include("patrols.urls")),
    path("", include("evaluation.urls")),
    path("", include("calls.urls")),
]

handler404 = "core.api.not_found"
