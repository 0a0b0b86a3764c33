"""Session lifetimes (officers on shared tablets are signed out when idle) and security
headers (a Content-Security-Policy, no caching of signed-in API answers)."""

import functools
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import Http404

from core.roles import OFFICER, has_role

SIGNED_IN_AT = "signed_in_at"


class SessionPolicyMiddleware:
    """Every session ends SESSION_COOKIE_AGE seconds after sign-in, however active; an
    officer's also after OFFICER_IDLE_MINUTES without a request (each request renews it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._apply(request, user)
        return self.get_response(request)

    def _apply(self, request, user) -> None:
        now = int(time.time())
        started = request.session.get(SIGNED_IN_AT, now)
        if now - started > settings.SESSION_COOKIE_AGE:
            logout(request)
            return
        if has_role(user, OFFICER):
            remaining = settings.SESSION_COOKIE_AGE - (now - started)
            request.session.set_expiry(min(settings.OFFICER_IDLE_MINUTES * 60, remaining))


@receiver(user_logged_in)
def _stamp_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = int(time.time())


@functools.lru_cache(maxsize=8)
def content_security_policy(tile_url: str) -> str:
    """Scripts only from this site (no inline script, no eval); inline style attributes are
    allowed for the charts' keys and the plan timeline; map tiles from MAP_TILE_URL's host."""
    images = ["'self'", "data:"]
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}.", "*."))
        images.append(f"{parts.scheme}://{parts.netloc}")
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class SecurityHeadersMiddleware:
    """A Content-Security-Policy on every response, and `Cache-Control: no-store` on API
    answers to signed-in users so that no shared cache or browser keeps them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = content_security_policy(settings.MAP_TILE_URL)
        response.headers.setdefault("Content-Security-Policy", policy)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") and user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response


# A record id the database can hold: a signed 64-bit integer.
ID_RANGE = range(-(2**63), 2**63)


class OutOfRangeIdMiddleware:
    """An id in a URL too large for the database names no record: 404, not the driver's
    overflow as a server error (SQLite and PostgreSQL hold ids in 64 bits)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        values = (*view_args, *view_kwargs.values())
        if any(isinstance(v, int) and v not in ID_RANGE for v in values):
            raise Http404("No such record.")
        return None
