"""The calls API: the push endpoint for command-and-control integrations, the staff endpoints
(exact locations) and the public endpoints (the rules of docs/live-calls.md, cached).

Who may use each endpoint is stated on it and tested in tests/calls/test_api.py.
"""

import datetime as dt

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from calls import selectors
from calls.models import CallEvent, IntegrationToken
from calls.serializers import (
    PublicActionSerializer,
    PushResultSerializer,
    RejectedEventSerializer,
    StaffCallDetailSerializer,
    StaffCallSerializer,
)
from calls.services.events import APPLIED, DUPLICATE, MAX_BATCH, REJECTED, call_events_apply
from calls.services.moderation import call_set_public_action
from calls.services.public import CALLS, SUMMARY, public_body, public_rate_allowed
from calls.services.tokens import token_for_secret
from core.permissions import IsManager, IsManagerOrCommander
from core.schema import ERROR
from hotspots.models import Force

FORCE_PARAM = OpenApiParameter("force", str, required=True, description="Force slug")
HOURS_PARAM = OpenApiParameter("hours", int, description="Calls received in the last N hours "
                               "(1–48, default 24)")  # fmt: skip


class IntegrationTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <secret>` of an active integration token. It authenticates the
    token, not a user: request.user stays anonymous and request.auth is the token."""

    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send 'Authorization: Bearer <token>'.")
        token = token_for_secret(secret=header[1].decode("latin-1"))
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked integration token.")
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser(), token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="call-events"'


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "calls.api.IntegrationTokenAuthentication"
    name = "integrationToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}


class IsForceIntegration(BasePermission):
    """An active integration token of the force named in the URL."""

    roles = ("a command-and-control integration token of the force in the URL",)
    message = "This token may only send events of its own force."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        return isinstance(token, IntegrationToken) and token.force.slug == view.kwargs["slug"]


class CallEventPushApi(APIView):
    """Push call events: one event object, a list, or {"events": [...]} (at most 1,000).
    Each event is applied or refused whole; refused events are kept for review. Answers 200
    when every event was applied or was a repeat, 422 when some were refused (the others
    are applied; see `results`). Safe to retry: events are idempotent."""

    authentication_classes = [IntegrationTokenAuthentication]
    permission_classes = [IsForceIntegration]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: PushResultSerializer,
            413: OpenApiResponse(ERROR, description="More than 1,000 events."),
            422: PushResultSerializer,
        },
    )
    def post(self, request, slug: str):
        data = request.data
        events = data.get("events") if isinstance(data, dict) and "events" in data else data
        events = events if isinstance(events, list) else [events]
        if len(events) > MAX_BATCH:
            return Response({"detail": f"At most {MAX_BATCH} events per request."}, status=413)
        outcomes = call_events_apply(
            force=request.auth.force, raw_events=events, source=CallEvent.Source.API,
            token=request.auth,
        )  # fmt: skip
        results = [outcome.result for outcome in outcomes]
        body = {
            "applied": results.count(APPLIED),
            "duplicate": results.count(DUPLICATE),
            "rejected": results.count(REJECTED),
            "results": [outcome.to_json() for outcome in outcomes],
        }
        return Response(body, status=422 if body["rejected"] else 200)


def _force_param(request) -> Force:
    slug = request.query_params.get("force")
    if not slug:
        raise exceptions.ValidationError({"force": "Give the force slug."})
    return get_object_or_404(Force, slug=slug)


def _hours(request) -> int:
    raw = request.query_params.get("hours", "24")
    if not raw.isdigit() or not 1 <= int(raw) <= 48:
        raise exceptions.ValidationError({"hours": "A whole number of hours from 1 to 48."})
    return int(raw)


class StaffCallListApi(generics.ListAPIView):
    """Calls of a force with exact locations, control-room text, the hotspot of the latest
    hotspot run each falls in and the hotspot of today's published patrol plans."""

    serializer_class = StaffCallSerializer
    permission_classes = [IsManagerOrCommander]
    pagination_class = None

    @extend_schema(parameters=[FORCE_PARAM, HOURS_PARAM])
    def get(self, request, *args, **kwargs):
        force = _force_param(request)
        since = timezone.now() - dt.timedelta(hours=_hours(request))
        calls = list(selectors.staff_call_list(force=force, since=since))
        ranks = selectors.hotspot_ranks(
            calls=calls, hotspots=selectors.current_hotspots(force=force)
        )
        patrols = selectors.patrol_marks(calls=calls, patrols=selectors.todays_patrols(force=force))
        context = {"mappings": selectors.mappings_for(force=force), "hotspot_ranks": ranks,
                   "patrols": patrols}  # fmt: skip
        return Response(StaffCallSerializer(calls, many=True, context=context).data)


class StaffCallDetailApi(generics.RetrieveAPIView):
    """One call with its full event history and public actions."""

    serializer_class = StaffCallDetailSerializer
    permission_classes = [IsManagerOrCommander]

    def get_queryset(self):
        return selectors.call_detail(pk=self.kwargs["pk"])

    def get_serializer_context(self):
        context = super().get_serializer_context()
        call = self.get_object()
        context["mappings"] = selectors.mappings_for(force=call.force)
        return context


class CallPublicActionApi(APIView):
    """Withhold a call from the public, or show it only at its coarse area, with a reason;
    an empty action returns it to the rules. Recorded with who and why."""

    permission_classes = [IsManager]

    @extend_schema(request=PublicActionSerializer, responses={200: StaffCallDetailSerializer})
    def post(self, request, pk: int):
        call = get_object_or_404(selectors.call_detail(pk=pk), pk=pk)
        form = PublicActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        call_set_public_action(call=call, user=request.user, **form.validated_data)
        call = selectors.call_detail(pk=pk).get(pk=pk)
        context = {"mappings": selectors.mappings_for(force=call.force)}
        return Response(StaffCallDetailSerializer(call, context=context).data)


class RejectedEventListApi(generics.ListAPIView):
    """Events that were refused, as they came, with the reason, newest first."""

    serializer_class = RejectedEventSerializer
    permission_classes = [IsManager]

    @extend_schema(parameters=[FORCE_PARAM])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.rejected_event_list(force=_force_param(self.request))


class PublicCallsApi(APIView):
    """The public live calls of a force: delayed, windowed, generalised and with sensitive
    calls withheld (docs/live-calls.md). Cached; answers If-None-Match with 304."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    kind = CALLS

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 304: None, 429: None})
    def get(self, request, slug: str):
        address = request.META.get("REMOTE_ADDR", "")
        if not public_rate_allowed(address=address):
            return HttpResponse("Too many requests; the map refreshes by itself.", status=429,
                                headers={"Retry-After": "60"})  # fmt: skip
        item = public_body(kind=self.kind, slug=slug)
        if item is None:
            raise Http404("No such force.")
        headers = {"ETag": item.etag, "Cache-Control": "public, max-age=30"}
        if item.etag in request.headers.get("If-None-Match", ""):
            return HttpResponse(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return HttpResponse(item.body, content_type="application/json", headers=headers)


class PublicSummaryApi(PublicCallsApi):
    """Calls of the last 28 days by public category and hour of the week, counts below the
    minimum shown as null. Same rules and caching as the live calls."""

    kind = SUMMARY
