"""The officers' field app: an installable, offline-first page for logging visits on a tablet.

The page is the app shell. Its service worker keeps the shell (with the map library) and the
officer's schedule (the shift in progress and 48 hours ahead, with its hotspots' outlines and
briefings: patrols.fieldapp) on the device, and the page keeps an outbox of finished visits and
GPS pings in IndexedDB that it sends when the network allows; the API records each exactly once
by its client UUID.

The service worker script and the manifest are public: like the files under /static/ they hold
no data, and browsers fetch manifests without cookies and must not see a login redirect in
place of a service worker when a session lapses.
"""

import hashlib
import json
import uuid
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import IsOfficer
from core.roles import OFFICER
from core.views import role_required
from hotspots.maps import map_base
from patrols import fieldapp
from patrols.models import PatrolVisit
from patrols.serializers import query_lonlat

# Files the service worker keeps so that the page opens without a network.
SHELL_FILES = (
    "core/app.css",
    "patrols/field/field.css",
    "patrols/field/outbox.js",
    "patrols/field/fieldmap.js",
    "patrols/field/app.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "core/basemap.js",
    "hotspots/map_base.js",
    "patrols/field/icon.svg",
    "patrols/field/icon-192.png",
    "patrols/field/icon-512.png",
    "patrols/field/icon-maskable-512.png",
)
SHELL_TEMPLATES = ("patrols/field/app.html", "patrols/field/sw.js")
COUNTERS = PatrolVisit.ACTIVITY
THEME = "#123f6d"


@role_required(OFFICER)
def field_app(request):
    get_token(request)  # the outbox sends the CSRF cookie's token with every POST
    officer = getattr(request.user, "officer", None)
    context = {"officer": officer, "counters": COUNTERS, "config": _page_config(request)}
    response = render(request, "patrols/field/app.html", context)
    # The service worker, not the HTTP cache, decides when a stored copy may be shown.
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _page_config(request) -> dict:
    zero = uuid.UUID(int=0)
    return {
        "username": request.user.get_username(),
        "pingSeconds": settings.FIELD_PING_SECONDS,
        "base": map_base(getattr(getattr(request.user, "officer", None), "force", None)),
        "urls": {
            "page": reverse("field-app"),
            "sw": reverse("field-sw"),
            "login": reverse("login"),
            "me": reverse("api-me"),
            "assignments": reverse("api-my-assignments"),
            "visits": reverse("api-visit-list"),
            "pings": reverse("api-visit-pings", args=[zero]).replace(str(zero), "{uuid}"),
            "nearest": reverse("api-nearest-hotspot"),
            "schedule": reverse("api-my-schedule"),
            "nearby": reverse("api-my-nearby"),
        },
    }


@require_GET
def service_worker(request):
    config = {
        "version": shell_version(),
        "page": reverse("field-app"),
        "logout": reverse("logout"),
        "assets": [reverse("field-manifest"), *(static(name) for name in SHELL_FILES)],
        "data": [
            reverse("api-my-assignments"),
            reverse("api-visit-list"),
            reverse("api-my-schedule"),
        ],
    }
    body = get_template("patrols/field/sw.js").render({"config_json": json.dumps(config)})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("field-app")
    patch_cache_control(response, no_cache=True)
    return response


@require_GET
def manifest(request):
    page = reverse("field-app")
    icons = [
        {"src": static("patrols/field/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        {"src": static("patrols/field/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("patrols/field/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("patrols/field/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    data = {
        "name": "Hotspot patrols: field log",
        "short_name": "Patrols",
        "description": "Today's hotspot patrols and visit logging, offline when signal is poor.",
        "id": page,
        "start_url": page,
        "scope": page,
        "display": "standalone",
        "orientation": "any",
        "background_color": "#f4f6f8",
        "theme_color": THEME,
        "icons": icons,
    }
    return JsonResponse(data, content_type="application/manifest+json")


def shell_version() -> str:
    """A digest of the shell's files: a new one makes browsers install the new service worker,
    which fetches the shell afresh. Cached for the process unless DEBUG."""
    if settings.DEBUG:
        return _digest()
    return _cached_digest()


@lru_cache(maxsize=1)
def _cached_digest() -> str:
    return _digest()


def _digest() -> str:
    digest = hashlib.sha256()
    paths = [finders.find(name) for name in SHELL_FILES]
    paths += [get_template(name).origin.name for name in SHELL_TEMPLATES]
    for path in paths:
        if path:
            with open(path, "rb") as file:
                digest.update(file.read())
    return digest.hexdigest()[:16]


def _officer_of(request):
    officer = getattr(request.user, "officer", None)
    if officer is None:
        raise PermissionDenied("Your account has no officer profile.")
    return officer


class MyScheduleApi(APIView):
    """The signed-in officer's own published assignments from the start of the shift in
    progress to 48 hours ahead, the hotspots in them and in the force's running plans (outline,
    briefing, visits today), and the live inside-the-hotspot rule (officers only)."""

    permission_classes = [IsOfficer]

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(fieldapp.schedule(officer=_officer_of(request)))


NEARBY_HOTSPOTS = inline_serializer(
    "NearbyHotspot",
    {
        "hotspot": serializers.IntegerField(),
        "rank": serializers.IntegerField(),
        "label": serializers.CharField(),
        "distance_m": serializers.IntegerField(),
        "visits_today": serializers.IntegerField(),
        "dose_reached_today": serializers.BooleanField(allow_null=True),
        "geometry": serializers.JSONField(),
        "centroid_lon": serializers.FloatField(),
        "centroid_lat": serializers.FloatField(),
    },
    many=True,
)


class MyNearbyApi(APIView):
    """Up to five hotspots nearest a position for an ad hoc visit, with distance and how many
    visits each has had today (officers only; counts, not other officers' records)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        parameters=[OpenApiParameter("lon", float, required=True),
                    OpenApiParameter("lat", float, required=True)],
        responses={200: NEARBY_HOTSPOTS},
    )  # fmt: skip
    def get(self, request):
        officer = _officer_of(request)
        lon, lat = query_lonlat(request.query_params)
        return Response(fieldapp.nearby(officer=officer, lon=lon, lat=lat))
