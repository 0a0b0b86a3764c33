"""Session lifetimes: officers on shared tablets are signed out when idle."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

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
