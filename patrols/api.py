import datetime as dt

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import HasRole, IsManager, IsManagerOrCommander, IsOfficer
from core.roles import MANAGER, OFFICER, has_role
from core.schema import download
from core.serializers import JobSerializer
from patrols import delivery, returns, selectors
from patrols.models import PatrolAssignment, PatrolVisit
from patrols.serializers import (
    AssignmentSerializer,
    AssignmentUpdateSerializer,
    DoseRowSerializer,
    DoseTodaySerializer,
    FunderReturnSerializer,
    LeaveSerializer,
    OfficerSerializer,
    PingSerializer,
    PlanRequestSerializer,
    PlanSerializer,
    ShiftSerializer,
    VisitRequestSerializer,
    VisitSerializer,
    query_lonlat,
)
from patrols.services.exports import plan_csv
from patrols.services.plans import (
    PlanError,
    assignment_update,
    plan_create,
    plan_generate_start,
    plan_publish,
)
from patrols.services.roster import RosterError, leave_create, shift_create
from patrols.services.visits import VisitConflict, VisitError, pings_record, visit_record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class IsOfficerOrManager(HasRole):
    roles = (OFFICER, MANAGER)


def _refuse(error: Exception):
    raise ValidationError({"detail": str(error)})


class OfficerListApi(generics.ListAPIView):
    """Officers and PCSOs with their teams."""

    serializer_class = OfficerSerializer
    permission_classes = [IsManagerOrCommander]
    queryset = selectors.officer_list()


class ShiftListApi(generics.ListCreateAPIView):
    """Duty shifts (managers). Overlapping shifts of one officer are refused with a reason."""

    serializer_class = ShiftSerializer
    permission_classes = [IsManager]
    queryset = selectors.shift_list()

    def perform_create(self, serializer):
        try:
            serializer.instance = shift_create(**serializer.validated_data)
        except RosterError as error:
            _refuse(error)


class LeaveListApi(generics.ListCreateAPIView):
    """Officers' leave (managers); shifts on leave days are left out of plans."""

    serializer_class = LeaveSerializer
    permission_classes = [IsManager]
    queryset = selectors.leave_list()

    def perform_create(self, serializer):
        try:
            serializer.instance = leave_create(**serializer.validated_data)
        except RosterError as error:
            _refuse(error)


class PlanListApi(generics.ListCreateAPIView):
    """Patrol plans: managers create (a draft from a hotspot run), managers and commanders
    read."""

    serializer_class = PlanSerializer
    permission_classes = [IsManagerOrCommander]

    def get_permissions(self):
        return [IsManager()] if self.request.method == "POST" else [IsManagerOrCommander()]

    def get_queryset(self):
        return selectors.plan_list()

    @extend_schema(request=PlanRequestSerializer, responses={201: PlanSerializer})
    def post(self, request):
        data = PlanRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            plan = plan_create(**data.validated_data, user=request.user)
        except PlanError as error:
            _refuse(error)
        return Response(PlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetailApi(generics.RetrieveAPIView):
    """A plan with its hotspots, doses, coverage (share of dose scheduled and why any is
    unmet) and the recorded patrol/no-patrol days of a crossover design."""

    serializer_class = PlanSerializer
    permission_classes = [IsManagerOrCommander]

    def get_queryset(self):
        return selectors.plan_list()


class PlanGenerateApi(APIView):
    """(Re)generate a draft plan's unlocked assignments with the solver, as a job."""

    permission_classes = [IsManager]

    @extend_schema(request=None, responses={202: JobSerializer})
    def post(self, request, pk: int):
        plan = get_object_or_404(selectors.plan_list(), pk=pk)
        try:
            job = plan_generate_start(plan=plan, user=request.user)
        except PlanError as error:
            _refuse(error)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class PlanPublishApi(APIView):
    """Publish a plan: its officers then see their assignments."""

    permission_classes = [IsManager]

    @extend_schema(request=None, responses={200: PlanSerializer})
    def post(self, request, pk: int):
        plan = get_object_or_404(selectors.plan_list(), pk=pk)
        try:
            plan = plan_publish(plan=plan)
        except PlanError as error:
            _refuse(error)
        return Response(PlanSerializer(plan).data)


class PlanAssignmentListApi(generics.ListAPIView):
    """A plan's assignments."""

    serializer_class = AssignmentSerializer
    permission_classes = [IsManagerOrCommander]
    pagination_class = None

    def get_queryset(self):
        return selectors.assignment_list(plan_id=self.kwargs["pk"])


class PlanCsvApi(APIView):
    """A plan's assignments as CSV."""

    permission_classes = [IsManagerOrCommander]

    @extend_schema(responses=download("text/csv", "CSV, one row per patrol"))
    def get(self, request, pk: int):
        plan = get_object_or_404(selectors.plan_list(), pk=pk)
        response = HttpResponse(plan_csv(plan), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="plan-{pk}.csv"'
        return response


class AssignmentDetailApi(APIView):
    """Reassign, move (which locks it), lock/unlock or set the status of an assignment."""

    permission_classes = [IsManager]

    @extend_schema(request=AssignmentUpdateSerializer, responses={200: AssignmentSerializer})
    def patch(self, request, pk: int):
        assignment = get_object_or_404(PatrolAssignment.objects.with_details(), pk=pk)
        changes = AssignmentUpdateSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        try:
            assignment = assignment_update(assignment=assignment, **changes.validated_data)
        except PlanError as error:
            _refuse(error)
        return Response(AssignmentSerializer(assignment).data)


class MyAssignmentListApi(generics.ListAPIView):
    """The signed-in officer's own published assignments (optionally of one day)."""

    serializer_class = AssignmentSerializer
    permission_classes = [IsOfficer]
    pagination_class = None

    @extend_schema(parameters=[OpenApiParameter("date", str, description="YYYY-MM-DD, local")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        officer = getattr(self.request.user, "officer", None)
        if officer is None:
            raise PermissionDenied("Your account has no officer profile.")
        day = self.request.query_params.get("date")
        try:
            date = dt.date.fromisoformat(day) if day else None
        except ValueError:
            raise ValidationError({"date": "Use YYYY-MM-DD."}) from None
        return selectors.my_assignments(officer=officer, day=date)


class VisitListApi(APIView):
    """GET: visits (an officer their own, managers all). POST (officers): record a finished
    visit exactly once by its client UUID: 201 when new, 200 with the same record when resent,
    409 when the UUID was received with other content."""

    permission_classes = [IsOfficerOrManager]

    @extend_schema(responses=VisitSerializer(many=True))
    def get(self, request):
        if not has_role(request.user, MANAGER, OFFICER):
            raise PermissionDenied("Commanders read patrol aggregates, not individual visits.")
        visits = selectors.visit_list(user=request.user)[:500]
        return Response(VisitSerializer(visits, many=True).data)

    @extend_schema(
        request=VisitRequestSerializer,
        responses={201: VisitSerializer, 200: VisitSerializer, 409: dict},
    )
    def post(self, request):
        if not has_role(request.user, OFFICER):
            raise PermissionDenied("Only officers log visits.")
        officer = _officer_of(request)
        sent = VisitRequestSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        try:
            recorded = visit_record(
                officer=officer, client_uuid=sent.validated_data["client_uuid"],
                fields=sent.model_fields(), pings=sent.validated_data["pings"],
            )  # fmt: skip
        except VisitConflict as conflict:
            return Response({"detail": str(conflict)}, status=status.HTTP_409_CONFLICT)
        except VisitError as error:
            _refuse(error)
        visit = selectors.visit_list(user=request.user).get(pk=recorded.visit.pk)
        code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        return Response(VisitSerializer(visit).data, status=code)


class VisitPingsApi(APIView):
    """Add a batch of GPS pings to one of your visits; resent pings are skipped (idempotent by
    their client UUIDs), changed ones are a 409 conflict."""

    permission_classes = [IsOfficer]
    # A list of pings only reads as JSON: a form body would pass for an empty batch.
    parser_classes = [JSONParser]

    @extend_schema(request=PingSerializer(many=True), responses={200: dict, 409: dict})
    def post(self, request, client_uuid):
        officer = _officer_of(request)
        visit = get_object_or_404(
            PatrolVisit.objects.with_details(), client_uuid=client_uuid, officer=officer
        )
        pings = PingSerializer(data=request.data, many=True)
        pings.is_valid(raise_exception=True)
        try:
            added = pings_record(visit=visit, pings=pings.validated_data)
        except VisitConflict as conflict:
            return Response({"detail": str(conflict)}, status=status.HTTP_409_CONFLICT)
        visit.refresh_from_db()
        return Response(
            {"added": added, "minutes_inside": visit.minutes_inside, "band": visit.band}
        )


class DoseApi(APIView):
    """Planned against delivered patrol minutes of a plan, by hotspot, day, officer, team or
    assignment (ad hoc visits on one row), with delivered minutes by source (GPS, logged and
    not verified by GPS, passive location), Koper bands and visit outcomes (aggregates). The
    definition of delivered is patrols.delivery's, as on every other page."""

    permission_classes = [IsManagerOrCommander]

    @extend_schema(
        parameters=[OpenApiParameter("group_by", str, enum=list(delivery.GROUPS))],
        responses=DoseRowSerializer(many=True),
    )
    def get(self, request, pk: int):
        plan = get_object_or_404(selectors.plan_list(), pk=pk)
        group_by = request.query_params.get("group_by", "hotspot")
        if group_by not in delivery.GROUPS:
            raise ValidationError({"group_by": f"One of {', '.join(delivery.GROUPS)}."})
        rows = delivery.plan_delivery(plan).rows(group_by)
        return Response(DoseRowSerializer(rows, many=True).data)


RETURN_PARAMETERS = [
    OpenApiParameter("force", str, description="The force's slug (optional with one force)."),
    OpenApiParameter("period", str, description="YYYY-MM, YYYY-Qn or YYYY.", required=True),
]


def _funder_return(request):
    try:
        force = returns.return_force(request.query_params.get("force"))
        return returns.funder_return(force=force, period=request.query_params.get("period", ""))
    except returns.ReturnError as error:
        field, _, message = str(error).partition(": ")
        raise ValidationError({field: [message]}) from None


class FunderReturnApi(APIView):
    """The funder's return of a force for a month, quarter or year: per hotspot and in total,
    patrol hours planned and delivered (and verified by GPS), patrols, arrests, stop-searches,
    dispersal directions, ASB warnings, people engaged and intelligence reports (managers and
    commanders)."""

    permission_classes = [IsManagerOrCommander]

    @extend_schema(parameters=RETURN_PARAMETERS, responses=FunderReturnSerializer)
    def get(self, request):
        return Response(FunderReturnSerializer(_funder_return(request)).data)


class FunderReturnFileApi(APIView):
    """The funder's return as CSV or as an XLSX workbook (managers and commanders)."""

    permission_classes = [IsManagerOrCommander]
    TYPES = {"csv": "text/csv", "xlsx": XLSX}

    @extend_schema(
        parameters=RETURN_PARAMETERS, responses={200: OpenApiResponse(description="CSV or XLSX")}
    )
    def get(self, request, kind: str):
        report = _funder_return(request)
        body = returns.return_csv(report) if kind == "csv" else returns.return_xlsx(report)
        response = HttpResponse(body, content_type=self.TYPES[kind])
        name = f"patrol-return-{report.period}.{kind}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class NearestHotspotApi(APIView):
    """The hotspot nearest a position, for an ad hoc visit (officers)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        parameters=[OpenApiParameter("lon", float), OpenApiParameter("lat", float)],
        responses={200: dict},
    )
    def get(self, request):
        officer = _officer_of(request)
        lon, lat = query_lonlat(request.query_params)
        hotspot, metres = selectors.nearest_hotspot(officer=officer, lon=lon, lat=lat)
        if hotspot is None:
            return Response(
                {"detail": "No hotspots for your force."}, status=status.HTTP_404_NOT_FOUND
            )
        dose = selectors.dose_today(
            force=officer.force, day=timezone.localdate(), hotspot_ids=[hotspot.pk]
        ).get(hotspot.pk)
        return Response({
            "hotspot": hotspot.pk, "rank": hotspot.rank, "label": hotspot.label,
            "distance_m": round(metres), "geometry": hotspot.geometry,
            "dose_reached_today": bool(dose and dose.dose_reached_today),
            "dose_today": DoseTodaySerializer(dose).data if dose else None,
        })  # fmt: skip


class DoseTodayApi(APIView):
    """Officers: for each hotspot of your force's plans running today, the patrol minutes
    delivered there today and this week by everyone, the caps, and `dose_reached_today` (the
    cap is reached: patrol elsewhere)."""

    permission_classes = [IsOfficer]

    @extend_schema(responses=DoseTodaySerializer(many=True))
    def get(self, request):
        officer = _officer_of(request)
        doses = selectors.dose_today(force=officer.force, day=timezone.localdate())
        return Response(DoseTodaySerializer(list(doses.values()), many=True).data)


def _officer_of(request):
    officer = getattr(request.user, "officer", None)
    if officer is None:
        raise PermissionDenied("Your account has no officer profile.")
    return officer
