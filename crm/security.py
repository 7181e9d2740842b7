"""Session hardening: idle timeout, the page shown when sign-in is locked out, what a
successful sign-in forgives, and the rate limit of "forgot password"."""

import hashlib
import time

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
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


class AxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, except for what a successful sign-in resets.

    With `AXES_RESET_ON_SUCCESS` axes deletes the failures that match *any* lockout parameter
    of the sign-in: every failure from that address (for every username) and every failure of
    that username (from every address). An attacker with one valid account of their own could
    then sign in between guesses and never be locked out, and a user signing in from home would
    forgive the guesses made against them elsewhere. Here a success clears only the failures of
    the username that succeeded, from the address it succeeded from; failures against other
    usernames keep counting towards both the username and the address limits.
    """

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        count, _deleted = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count


# --- "Forgot password": at most CRM_PASSWORD_RESET_PER_IP requests from one address and
# CRM_PASSWORD_RESET_PER_EMAIL for one e-mail address per window, counted in the cache ------------


def _window_count(key: str, window_seconds: int) -> int:
    """Count one more request in the window that `key`'s first request opened."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        return 0
    # None: the cache does not answer (django-redis ignores its errors); the request is let
    # through, Django's one-time tokens stay the guard.
    return int(count) if count is not None else 0


def password_reset_allowed(*, ip_address: str, email: str) -> str:
    """Count a reset request; "ok", or what refused it: "ip" (too many from the address) or
    "email" (too many for the e-mail address; the page must answer as if it went out)."""
    window = settings.CRM_PASSWORD_RESET_WINDOW_MINUTES * 60
    if _window_count(f"pwreset:ip:{ip_address}", window) > settings.CRM_PASSWORD_RESET_PER_IP:
        return "ip"
    # The address itself never reaches the cache, only its hash.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    if _window_count(f"pwreset:email:{digest}", window) > settings.CRM_PASSWORD_RESET_PER_EMAIL:
        return "email"
    return "ok"
