from django.contrib.auth import views as auth_views
from django.urls import path

from core import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("manager/", views.manager_home, name="manager-home"),
    path("commander/", views.commander_home, name="commander-home"),
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
    path("healthz", api.HealthApi.as_view(), name="healthz"),
    path("api/me/", api.MeApi.as_view(), name="api-me"),
    path("api/jobs/", api.JobListApi.as_view(), name="api-job-list"),
    path("api/jobs/selftest/", api.SelftestApi.as_view(), name="api-job-selftest"),
    path("api/jobs/<int:pk>/", api.JobDetailApi.as_view(), name="api-job-detail"),
]
