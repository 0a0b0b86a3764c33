from django.urls import include, path

from patrols import api, views, views_pages, views_passive, views_roster

urlpatterns = [
    path("patrols/plans/", views_pages.plan_list, name="plan-list"),
    path("patrols/plans/<int:pk>/", views_pages.plan_detail, name="plan-detail"),
    path("patrols/plans/<int:pk>/delete/", views_pages.plan_delete, name="plan-delete"),
    path("patrols/returns/", views_pages.funder_return, name="funder-return"),
    path("patrols/roster/", views_roster.roster, name="roster"),
    path("patrols/roster/shifts/<int:pk>/", views_roster.shift_edit, name="roster-shift"),
    path("patrols/roster/leave/<int:pk>/", views_roster.leave_edit, name="roster-leave"),
    path("patrols/location-pings/", views_passive.location_pings, name="location-pings"),
    path("patrols/mine/", views_pages.my_patrols, name="my-patrols"),
    path("patrols/mine/calendar/", views_pages.my_calendar, name="my-calendar"),
    path("patrols/calendar/<str:token>.ics", views.calendar_feed, name="officer-calendar"),
    path("api/officers/", api.OfficerListApi.as_view(), name="api-officer-list"),
    path("api/shifts/", api.ShiftListApi.as_view(), name="api-shift-list"),
    path("api/leave/", api.LeaveListApi.as_view(), name="api-leave-list"),
    path("api/plans/", api.PlanListApi.as_view(), name="api-plan-list"),
    path("api/plans/<int:pk>/", api.PlanDetailApi.as_view(), name="api-plan-detail"),
    path("api/plans/<int:pk>/generate/", api.PlanGenerateApi.as_view(), name="api-plan-generate"),
    path("api/plans/<int:pk>/publish/", api.PlanPublishApi.as_view(), name="api-plan-publish"),
    path(
        "api/plans/<int:pk>/assignments/",
        api.PlanAssignmentListApi.as_view(),
        name="api-plan-assignments",
    ),
    path("api/plans/<int:pk>/plan.csv", api.PlanCsvApi.as_view(), name="api-plan-csv"),
    path("api/assignments/<int:pk>/", api.AssignmentDetailApi.as_view(), name="api-assignment"),
    path("api/my/assignments/", api.MyAssignmentListApi.as_view(), name="api-my-assignments"),
    path("api/my/dose-today/", api.DoseTodayApi.as_view(), name="api-my-dose-today"),
    path("api/visits/", api.VisitListApi.as_view(), name="api-visit-list"),
    path(
        "api/visits/<uuid:client_uuid>/pings/", api.VisitPingsApi.as_view(), name="api-visit-pings"
    ),
    path("api/plans/<int:pk>/dose/", api.DoseApi.as_view(), name="api-plan-dose"),
    path("api/returns/", api.FunderReturnApi.as_view(), name="api-funder-return"),
    path(
        "api/returns/return.csv",
        api.FunderReturnFileApi.as_view(),
        {"kind": "csv"},
        name="api-funder-return-csv",
    ),
    path(
        "api/returns/return.xlsx",
        api.FunderReturnFileApi.as_view(),
        {"kind": "xlsx"},
        name="api-funder-return-xlsx",
    ),
    path("api/hotspots/nearest/", api.NearestHotspotApi.as_view(), name="api-nearest-hotspot"),
    path("", include("patrols.urls_field")),
]
