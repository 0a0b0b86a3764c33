from django.urls import path

from calls import api, views

urlpatterns = [
    path("live/<slug:slug>/", views.public_map, name="calls-public-map"),
    path("calls/live/", views.staff_map, name="calls-staff-map"),
    path(
        "api/forces/<slug:slug>/call-events/",
        api.CallEventPushApi.as_view(),
        name="api-call-events-push",
    ),
    path("api/calls/", api.StaffCallListApi.as_view(), name="api-call-list"),
    path("api/calls/<int:pk>/", api.StaffCallDetailApi.as_view(), name="api-call-detail"),
    path(
        "api/calls/<int:pk>/public-action/",
        api.CallPublicActionApi.as_view(),
        name="api-call-public-action",
    ),
    path(
        "api/call-events/rejected/",
        api.RejectedEventListApi.as_view(),
        name="api-call-events-rejected",
    ),
    path(
        "api/public/forces/<slug:slug>/calls/",
        api.PublicCallsApi.as_view(),
        name="api-public-calls",
    ),
    path(
        "api/public/forces/<slug:slug>/calls/summary/",
        api.PublicSummaryApi.as_view(),
        name="api-public-calls-summary",
    ),
]
