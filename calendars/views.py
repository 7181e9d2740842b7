"""The calendar feed (public: the token in its URL is the credential) and its reset."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from calendars.ical import feed_ical
from calendars.selectors import feed_for_token, feed_for_user
from calendars.services import calendar_feed_note_fetch, calendar_feed_reset
from core.http import or_404


def public_base_url(request: HttpRequest) -> str:
    """`CRM_PUBLIC_URL` when set, else the scheme and host the request came to."""
    return settings.CRM_PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")


@require_http_methods(["GET", "HEAD"])
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed of the token's user; a wrong or reset token, or a deactivated user's,
    answers 404. It reads no session: a calendar app has none, and a browser's is left as is
    (its last-seen time is not refreshed by a feed fetch, so no cookie is set)."""
    found = or_404(feed_for_token(token))
    if hasattr(request, "session"):
        request.session.modified = False
    now = timezone.now()
    calendar_feed_note_fetch(feed=found, now=now)
    body = feed_ical(found.user, base_url=public_base_url(request), now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    # The URL is a secret: no shared cache keeps a copy; clients poll hourly anyway.
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["Content-Disposition"] = 'inline; filename="crm.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def feed_reset(request: HttpRequest) -> HttpResponse:
    """Confirm, then give the user a new feed token (the first one when they have none)."""
    existing = feed_for_user(request.user)  # type: ignore[arg-type]
    if request.method == "POST":
        # A deactivated user has no session (Django refuses it), so the service's refusal
        # of one cannot be met here.
        calendar_feed_reset(actor=request.user)  # type: ignore[arg-type]
        if existing is None:
            messages.success(request, _("Your calendar address is ready."))
        else:
            messages.success(
                request,
                _(
                    "Your calendar address was reset: the old one no longer works. Subscribe "
                    "again with the new one on each device."
                ),
            )
        return redirect("profile")
    return render(request, "calendars/feed_reset.html", {"existing": existing})
