from django.http import JsonResponse
from django.views import defaults
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import selectors
from core.jobs import job_start, jobs_reap
from core.permissions import IsManager, IsStaff
from core.roles import roles_of
from core.serializers import JobSerializer, MeSerializer, SelftestSerializer


class JobListApi(generics.ListAPIView):
    """Jobs: managers see every job, others the jobs they started."""

    serializer_class = JobSerializer
    permission_classes = [IsStaff]

    def get_queryset(self):
        jobs_reap()  # no job shows as running when its process died
        return selectors.job_list(user=self.request.user)


class JobDetailApi(generics.RetrieveAPIView):
    """One job with its progress (0–100), message, result or error; poll it for progress."""

    serializer_class = JobSerializer
    permission_classes = [IsStaff]

    def get_queryset(self):
        jobs_reap()  # no job shows as running when its process died
        return selectors.job_list(user=self.request.user)


class SelftestApi(APIView):
    """Start a diagnostic job that counts with progress: checks that workers run jobs."""

    permission_classes = [IsManager]

    # Documented as JSON: every field has a default, so a form body the fuzzing garbles would
    # pass for an empty one (forms are still read, as before).
    @extend_schema(request={"application/json": SelftestSerializer}, responses={202: JobSerializer})
    def post(self, request):
        params = SelftestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        job = job_start(kind="core.selftest", params=params.validated_data, user=request.user)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class MeApi(APIView):
    """The signed-in user and their roles."""

    permission_classes = [IsStaff]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        data = {
            "username": user.username,
            "full_name": user.get_full_name(),
            "roles": sorted(roles_of(user)),
        }
        return Response(MeSerializer(data).data)


class HealthApi(APIView):
    """Database and broker reachability: 200 when both answer, 503 otherwise."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: dict, 503: dict})
    def get(self, request):
        checks = selectors.health_check()
        ok = all(check["ok"] for check in checks.values())
        code = status.HTTP_200_OK if ok else status.HTTP_503_SERVICE_UNAVAILABLE
        return Response({"status": "ok" if ok else "unavailable", **checks}, status=code)


def not_found(request, exception):
    """404 for a URL that matches no route: JSON under /api/, as every API answer is; the
    usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
