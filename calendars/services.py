"""Writes of the calendar feed: make a user's token, reset it, note a fetch."""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calendars.models import CalendarFeed, token_digest
from core.audit import audit_log
from crm.models import User

# A fetch is noted at most this often, so a calendar polling every few minutes writes little.
FETCH_NOTE_EVERY = datetime.timedelta(minutes=15)


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def _check_may_have_feed(actor: User, user: User) -> None:
    if not user.is_active:
        raise ValidationError(
            {"user": _("%(user)s is deactivated: no calendar feed.") % {"user": user.username}}
        )
    if actor.pk != user.pk and not actor.is_admin:
        raise ValidationError(_("Only the user or an admin can see a user's calendar feed."))


@transaction.atomic
def calendar_feed_ensure(*, actor: User, user: User) -> CalendarFeed:
    """`user`'s feed, made with a new token when they have none (the user or an admin)."""
    _check_may_have_feed(actor, user)
    token, digest = _new_token()
    feed, created = CalendarFeed.objects.get_or_create(
        user=user,
        defaults={"token": token, "digest": digest, "created_at": timezone.now()},
    )
    if created:
        audit_log(actor=actor, action="create", instance=feed, extra={"user": user.username})
    return feed


@transaction.atomic
def calendar_feed_reset(*, actor: User) -> CalendarFeed:
    """A new token for the actor's own feed: the old URL answers 404 from now on."""
    _check_may_have_feed(actor, actor)
    token, digest = _new_token()
    now = timezone.now()
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        user=actor, defaults={"token": token, "digest": digest, "created_at": now}
    )
    if not created:
        feed.token, feed.digest, feed.created_at, feed.last_fetched_at = token, digest, now, None
        feed.save(update_fields=["token", "digest", "created_at", "last_fetched_at"])
    audit_log(actor=actor, action="reset" if not created else "create", instance=feed)
    return feed


def calendar_feed_note_fetch(*, feed: CalendarFeed, now: datetime.datetime | None = None) -> None:
    """Record that the feed was fetched (one UPDATE, skipped within `FETCH_NOTE_EVERY`).

    Not audited: a calendar app polls every hour; `last_fetched_at` is the record."""
    now = now or timezone.now()
    if feed.last_fetched_at is not None and now - feed.last_fetched_at < FETCH_NOTE_EVERY:
        return
    CalendarFeed.objects.filter(pk=feed.pk, token=feed.token).update(last_fetched_at=now)
