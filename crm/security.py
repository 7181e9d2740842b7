"""Session hardening: idle timeout, and the page shown when sign-in is locked out."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

LAST_SEEN_KEY = "crm_last_seen"
# Refresh the timestamp at most this often, so that a burst of requests writes the session once.
TOUCH_EVERY_SECONDS = 60


class IdleTimeoutMiddleware:
    """Log out a user whose last request is older than `CRM_SESSION_IDLE_MINUTES` (0: never).

    Only session-based sign-ins are concerned; API calls with a token carry no session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        idle_seconds = settings.CRM_SESSION_IDLE_MINUTES * 60
        user = getattr(request, "user", None)
        if idle_seconds > 0 and user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - int(last_seen) > idle_seconds:
                logout(request)
                messages.info(
                    request,
                    _("You were signed out after %(minutes)s minutes without activity.")
                    % {"minutes": settings.CRM_SESSION_IDLE_MINUTES},
                )
            elif last_seen is None or now - int(last_seen) >= TOUCH_EVERY_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed sign-in attempts. Sign-in is locked for this account or address "
        "for %(minutes)s minutes."
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: the page (or JSON for the API), 429."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
