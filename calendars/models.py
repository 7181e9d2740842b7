"""The secret address of each user's calendar feed (an iCalendar URL phone calendars subscribe to).

The token is the only credential of the feed: whoever has the URL reads the calendar, so it is
long (32 random bytes from `secrets`), reset from the profile page, and dead once the user is
deactivated. It is kept readable (the profile page and `calendar_feed_url` show the URL again,
as Google Calendar shows its "secret address"), and looked up by its SHA-256 digest, then
compared with `hmac.compare_digest`, so the database's index comparison never works on the
secret itself (no timing oracle on the token).
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class CalendarFeed(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("token"), max_length=64)
    digest = models.CharField(_("token digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    last_fetched_at = models.DateTimeField(_("last fetched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            # (bandit takes the empty string for a password: it is the "no token" check)
            models.CheckConstraint(
                condition=~models.Q(token=""),  # nosec B106
                name="calendar_feed_token_set",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}"
