from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import IsManager, IsManagerOrCommander
from core.schema import ERROR, download
from evaluation import selectors
from evaluation.serializers import (
    EvaluationDetailSerializer,
    EvaluationRequestSerializer,
    EvaluationSerializer,
)
from evaluation.services import evaluation_results, evaluation_start
from evaluation.services.exports import evaluation_csv


class EvaluationListApi(generics.ListCreateAPIView):
    """Evaluations with their headlines (GET: managers and commanders). POST (managers)
    records one and starts it as a job: poll `job`, then read the evaluation."""

    permission_classes = [IsManagerOrCommander]

    def get_permissions(self):
        return [IsManager()] if self.request.method == "POST" else [IsManagerOrCommander()]

    def get_serializer_class(self):
        if self.request.method == "POST":
            return EvaluationRequestSerializer
        return EvaluationSerializer

    def get_queryset(self):
        return selectors.evaluation_list().without_results()

    @extend_schema(request=EvaluationRequestSerializer, responses={202: EvaluationSerializer})
    def post(self, request):
        params = EvaluationRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        evaluation = evaluation_start(data=params.validated_data, user=request.user)
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_202_ACCEPTED)


class EvaluationDetailApi(generics.RetrieveAPIView):
    """One evaluation: parameters, job progress, headline, warnings and the full results
    (per measure: totals, per-hotspot changes with exact intervals, pooled rate ratios,
    difference-in-differences, WDD, WDQ, harm, dose-response; data-quality flags,
    regression-to-the-mean check, dose, activity and crossover). Managers and commanders.
    Results stored in an older layout are recomputed: `results` is null and `job` the new
    job until they are ready."""

    serializer_class = EvaluationDetailSerializer
    permission_classes = [IsManagerOrCommander]

    def get_queryset(self):
        return selectors.evaluation_list()

    def retrieve(self, request, *args, **kwargs):
        evaluation = self.get_object()
        # Results of an older layout are cleared and recomputed here: `results` is null and
        # `job` the new job until they are ready.
        context = {**self.get_serializer_context(), "results": evaluation_results(evaluation)}
        return Response(EvaluationDetailSerializer(evaluation, context=context).data)


class EvaluationCsvApi(APIView):
    """The report's per-hotspot table as CSV: one row per hotspot and measure."""

    permission_classes = [IsManagerOrCommander]

    @extend_schema(
        responses={
            **download("text/csv", "CSV, one row per hotspot and measure"),
            409: OpenApiResponse(ERROR, description="The results are not ready yet."),
        }
    )
    def get(self, request, pk: int):
        evaluation = get_object_or_404(selectors.evaluation_list(), pk=pk)
        had_results = bool(evaluation.results)
        results = evaluation_results(evaluation)
        if results is None:
            detail = (
                "The results are being computed again with the current statistics."
                if had_results
                else "The evaluation has not finished."
            )
            return Response({"detail": detail}, status=409)
        response = HttpResponse(evaluation_csv(results), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="evaluation-{pk}-hotspots.csv"'
        return response
