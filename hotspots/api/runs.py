from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.jobs import job_start
from core.permissions import IsManager, IsStaff
from core.schema import BINARY, GEOJSON_FEATURE_COLLECTION, download
from core.serializers import JobSerializer
from hotspots import selectors
from hotspots.serializers import (
    ComparisonRequestSerializer,
    HotspotRunDetailSerializer,
    HotspotRunSerializer,
    RunRequestSerializer,
)
from hotspots.services.exports import (
    hotspots_csv,
    hotspots_feature_collection,
    hotspots_geopackage,
)
from hotspots.services.runs import comparison_params, hotspot_run_request


class HotspotRunListApi(generics.ListCreateAPIView):
    """Hotspot runs (GET: every role). POST (managers) starts a run as a job: poll `job`."""

    permission_classes = [IsStaff]

    def get_permissions(self):
        return [IsManager()] if self.request.method == "POST" else [IsStaff()]

    def get_serializer_class(self):
        return RunRequestSerializer if self.request.method == "POST" else HotspotRunSerializer

    def get_queryset(self):
        return selectors.hotspot_run_list()

    @extend_schema(request=RunRequestSerializer, responses={202: HotspotRunSerializer})
    def post(self, request):
        params = RunRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        run = hotspot_run_request(data=params.validated_data, user=request.user)
        return Response(HotspotRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class HotspotRunDetailApi(generics.RetrieveAPIView):
    """One run with its parameters, job progress, summary and ranked hotspots."""

    serializer_class = HotspotRunDetailSerializer
    permission_classes = [IsStaff]

    def get_queryset(self):
        return selectors.hotspot_run_list().prefetch_related("hotspots")


def _run(request, pk: int):
    return get_object_or_404(selectors.hotspot_run_list(), pk=pk)


class HotspotGeoJsonApi(APIView):
    """A run's hotspots as a GeoJSON FeatureCollection (WGS84 lon/lat)."""

    permission_classes = [IsStaff]

    @extend_schema(
        responses=download(
            "application/geo+json", "GeoJSON FeatureCollection", GEOJSON_FEATURE_COLLECTION
        )
    )
    def get(self, request, pk: int):
        collection = hotspots_feature_collection(_run(request, pk))
        return JsonResponse(collection, content_type="application/geo+json")


class HotspotCsvApi(APIView):
    """A run's hotspots as CSV, one row per hotspot with its polygon as WKT (EPSG:4326)."""

    permission_classes = [IsStaff]

    @extend_schema(responses=download("text/csv", "CSV, one row per hotspot"))
    def get(self, request, pk: int):
        response = HttpResponse(hotspots_csv(_run(request, pk)), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="hotspots-run-{pk}.csv"'
        return response


class HotspotGeoPackageApi(APIView):
    """A run's hotspots as a GeoPackage (layer 'hotspots', EPSG:4326) for QGIS or ArcGIS."""

    permission_classes = [IsStaff]

    @extend_schema(responses=download("application/geopackage+sqlite3", "GeoPackage", BINARY))
    def get(self, request, pk: int):
        data = hotspots_geopackage(_run(request, pk))
        response = HttpResponse(data, content_type="application/geopackage+sqlite3")
        response["Content-Disposition"] = f'attachment; filename="hotspots-run-{pk}.gpkg"'
        return response


class ComparisonApi(APIView):
    """Compare Gi*, KDE, DBSCAN and HDBSCAN: select hotspots on one period, score them on a
    later one (PAI, RRI, hit rate, stability). Runs as a job; the table is the job's result."""

    permission_classes = [IsManager]

    @extend_schema(request=ComparisonRequestSerializer, responses={202: JobSerializer})
    def post(self, request):
        params = ComparisonRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        data.setdefault("cell_m", settings.GRID_CELL_M)
        job = job_start(kind="hotspots.compare", params=comparison_params(data), user=request.user)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
