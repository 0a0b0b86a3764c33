import math

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import IsManager, IsManagerOrCommander, IsStaff
from core.serializers import JobSerializer
from hotspots import selectors
from hotspots.models import Category, Force, ImportBatch
from hotspots.serializers import (
    CategorySerializer,
    ForceSerializer,
    ImportBatchSerializer,
    ImportUploadSerializer,
    MonthlyCountSerializer,
    QualityFlagSerializer,
    StreetLabelSerializer,
)
from hotspots.services.uploads import import_upload_start

FORCE_FILTER = OpenApiParameter("force", str, description="Force slug")


def _force_from_query(request) -> Force | None:
    slug = request.query_params.get("force")
    return get_object_or_404(Force, slug=slug) if slug else None


class ForceListApi(generics.ListAPIView):
    """Forces with their incident counts and whether a boundary is loaded."""

    serializer_class = ForceSerializer
    permission_classes = [IsStaff]
    queryset = selectors.force_list()


class CategoryListApi(generics.ListAPIView):
    """Incident categories with harm weights (days of custody) and aliases."""

    serializer_class = CategorySerializer
    permission_classes = [IsStaff]
    queryset = Category.objects.all()
    pagination_class = None


class ImportBatchListApi(generics.ListAPIView):
    """Imported and rejected files, with counts and the rejected rows (file, line, field)."""

    serializer_class = ImportBatchSerializer
    permission_classes = [IsManagerOrCommander]

    @extend_schema(parameters=[FORCE_FILTER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.batch_list(force=_force_from_query(self.request))


class ImportBatchDetailApi(generics.RetrieveAPIView):
    """One imported or rejected file."""

    serializer_class = ImportBatchSerializer
    permission_classes = [IsManagerOrCommander]
    queryset = selectors.batch_list()


class ImportUploadApi(APIView):
    """Upload police.uk CSV/.csv.gz/zip files (or one force export with its column mapping) and
    import them as a job; poll the returned job for progress."""

    permission_classes = [IsManager]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer}, responses={202: JobSerializer}
    )
    def post(self, request):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            job = import_upload_start(
                files=data["files"], source=data["source"], force_slug=data.get("force") or None,
                on_error=data["on_error"], mapping=data.get("mapping"),
                boundary=data.get("boundary"), user=request.user,
            )  # fmt: skip
        except ValueError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class QualityFlagListApi(generics.ListAPIView):
    """Months whose counts look like publication artefacts, with the rule and the reason."""

    serializer_class = QualityFlagSerializer
    permission_classes = [IsStaff]

    @extend_schema(parameters=[FORCE_FILTER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.quality_flag_list(force=_force_from_query(self.request))


class MonthlyCountApi(APIView):
    """Incidents per month and category for a force (all sources unless `source` is given)."""

    permission_classes = [IsStaff]

    @extend_schema(
        parameters=[OpenApiParameter("source", str, enum=ImportBatch.Source.values)],
        responses=MonthlyCountSerializer(many=True),
    )
    def get(self, request, slug: str):
        force = get_object_or_404(Force, slug=slug)
        source = request.query_params.get("source")
        if source is not None and source not in ImportBatch.Source.values:
            raise ValidationError(
                {"source": f"Give one of {', '.join(ImportBatch.Source.values)}."}
            )
        rows = selectors.monthly_counts(force=force, source=source)
        return Response(MonthlyCountSerializer(rows, many=True).data)


MAX_LABEL_SPAN_DEGREES = 0.25  # about 17 km north to south: zoomed in far enough to read names


class StreetLabelApi(APIView):
    """Street names at the force's police.uk map points inside `bbox` (west,south,east,north in
    WGS84 degrees), for maps to draw when no base map loads. The points are police.uk's own
    published map points, so anyone may read them; a box wider than 0.25° gets no names."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("bbox", str, required=True,
                                     description="west,south,east,north in WGS84 degrees")],
        responses={200: StreetLabelSerializer(many=True), 400: OpenApiTypes.OBJECT},
    )  # fmt: skip
    def get(self, request, slug: str):
        force = get_object_or_404(Force, slug=slug)
        try:
            west, south, east, north = (float(v) for v in request.query_params["bbox"].split(","))
        except (KeyError, ValueError):
            return Response({"bbox": "Give bbox=west,south,east,north in degrees."}, status=400)
        if (
            not all(map(math.isfinite, (west, south, east, north)))
            or west >= east
            or south >= north
        ):
            return Response({"bbox": "west < east and south < north, as finite degrees."},
                            status=400)  # fmt: skip
        labels = []
        if max(east - west, north - south) <= MAX_LABEL_SPAN_DEGREES:
            labels = selectors.street_labels(force=force, bounds=(west, south, east, north))
        response = Response(StreetLabelSerializer(labels, many=True).data)
        response["Cache-Control"] = "public, max-age=3600"
        return response
