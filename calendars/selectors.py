"""Reads of the calendar feed: whose feed a token opens, and what goes into it.

What a feed shows is the user's own calendar, read through the one visibility rule (the
visits and commitments selectors, themselves narrowed by `owner_scope_q`/`account_scope_q`)
and then narrowed to what is theirs to do: plans of accounts they own, commitments they own,
gift and greeting reminders addressed to them, touches they logged. A manager's feed is their
own day, not the team's (the team's plans are on the visits calendar page).
"""

import datetime
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import CharField, F, Func, IntegerField, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from calendars.models import CalendarFeed, token_digest
from commitments.models import Commitment
from commitments.selectors import commitments_visible_to
from crm.models import User
from visits.models import Reminder, VisitPlan, VisitSettings
from visits.selectors import plans_in_book_for, reminders_visible_to, touches_visible_to

# A token is 43 URL-safe characters (secrets.token_urlsafe(32)); anything else is not one.
TOKEN_MAX_LENGTH = 64


def feed_for_user(user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def feed_for_token(token: str) -> CalendarFeed | None:
    """The feed whose token is `token`, with its user, if that user is active; else None.

    Looked up by the token's digest, then compared in constant time."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(digest=token_digest(token), user__is_active=True)
        .first()
    )
    if feed is None or not hmac.compare_digest(feed.token.encode(), token.encode()):
        return None
    return feed


@dataclass(frozen=True)
class FeedWindow:
    start: datetime.date
    end: datetime.date
    cancelled_since: datetime.datetime

    @classmethod
    def around(cls, today: datetime.date, now: datetime.datetime) -> "FeedWindow":
        return cls(
            start=today - datetime.timedelta(days=settings.CRM_CALENDAR_FEED_PAST_DAYS),
            end=today + datetime.timedelta(days=settings.CRM_CALENDAR_FEED_FUTURE_DAYS),
            cancelled_since=now
            - datetime.timedelta(days=settings.CRM_CALENDAR_FEED_CANCELLED_DAYS),
        )


@dataclass(frozen=True)
class FeedContent:
    """What one feed holds: rows as dicts (values()), so a year of items builds no models."""

    plans: list[dict]
    commitments: list[dict]
    reminders: list[dict]
    touches: list[dict]
    morning_time: datetime.time
    afternoon_time: datetime.time


def _ical_stamp(moment: F | Coalesce) -> Func:
    """`moment` (a timestamp) as iCalendar writes a UTC DATE-TIME, 20261207T142208Z, seconds
    truncated. Made by PostgreSQL: turning thousands of timestamps into Python datetimes
    cost more than the rest of the feed's read."""
    return Func(
        moment,
        template="to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"')",
        output_field=CharField(),
    )


def _ical_sequence(created: str, updated: str) -> Func:
    """The whole seconds from `created` to `updated`, never below 0 (0 when `updated` is
    null: GREATEST skips nulls): an event's SEQUENCE, growing with every change."""
    return Func(
        F(updated),
        F(created),
        template="GREATEST(0, floor(EXTRACT(EPOCH FROM %(expressions)s)))::integer",
        arg_joiner=" - ",
        output_field=IntegerField(),
    )


# Each row's DTSTAMP/LAST-MODIFIED (the last change) and SEQUENCE, beside the fields.
PLAN_STAMPS = {
    "stamp": _ical_stamp(F("updated_at")),
    "sequence": _ical_sequence("created_at", "updated_at"),
}
COMMITMENT_STAMPS = PLAN_STAMPS
REMINDER_STAMPS = {
    "stamp": _ical_stamp(Coalesce("done_at", "created_at")),
    "sequence": _ical_sequence("created_at", "done_at"),
}
TOUCH_STAMPS = PLAN_STAMPS

PLAN_FIELDS = (
    "id",
    "planned_date",
    "planned_time",
    "slot",
    "purpose",
    "status",
    "senior_manager",
    "account_id",
    "account__name",
    "account__tier",
    "account__address",
)
COMMITMENT_FIELDS = (
    "id",
    "title",
    "notes",
    "due_date",
    "due_time",
    "status",
    "account_id",
    "account__name",
    "account__address",
    "contact__name",
)
REMINDER_FIELDS = (
    "id",
    "kind",
    "date",
    "status",
    "touch_type",
    "account_id",
    "account__name",
    "contact__name",
    "occasion__name_en",
    "occasion__name_zh_hans",
)
TOUCH_FIELDS = (
    "id",
    "type",
    "date",
    "note",
    "account_id",
    "account__name",
    "contact__name",
)


def feed_plans(user: User, window: FeedWindow) -> QuerySet:
    """Plans of accounts in `user`'s book that they own, in the window; a cancelled one only
    for `CRM_CALENDAR_FEED_CANCELLED_DAYS` after its cancellation."""
    recent_or_not_cancelled = ~Q(status=VisitPlan.Status.CANCELLED) | Q(
        updated_at__gte=window.cancelled_since
    )
    return (
        plans_in_book_for(user)
        .between(window.start, window.end)
        .filter(recent_or_not_cancelled, account__owner=user)
        .order_by("planned_date", "id")
        .values(*PLAN_FIELDS, **PLAN_STAMPS)
    )


def feed_commitments(user: User, window: FeedWindow) -> QuerySet:
    """Commitments `user` owns (and may see) due in the window, open and done."""
    return (
        commitments_visible_to(user)
        .filter(owner=user, due_date__gte=window.start, due_date__lte=window.end)
        .order_by("due_date", "id")
        .values(*COMMITMENT_FIELDS, **COMMITMENT_STAMPS)
    )


def feed_reminders(user: User, window: FeedWindow) -> QuerySet:
    """Gift and greeting reminders (birthdays, holidays) addressed to `user`, by the
    occasion's date, in the window."""
    return (
        reminders_visible_to(user)
        .filter(
            recipient=user,
            kind__in=[Reminder.Kind.GIFT, Reminder.Kind.GREETING],
            date__gte=window.start,
            date__lte=window.end,
        )
        .order_by("date", "id")
        .values(*REMINDER_FIELDS, **REMINDER_STAMPS)
    )


def feed_touches(user: User, window: FeedWindow) -> QuerySet:
    """Touches `user` logged (letters, brochures, cards, gifts, …) in the window."""
    return (
        touches_visible_to(user)
        .filter(created_by=user, date__gte=window.start, date__lte=window.end)
        .order_by("date", "id")
        .values(*TOUCH_FIELDS, **TOUCH_STAMPS)
    )


def feed_window(now: datetime.datetime | None = None) -> FeedWindow:
    now = now or timezone.now()
    return FeedWindow.around(timezone.localdate(now), now)


def _sources(user: User, window: FeedWindow) -> dict[str, QuerySet]:
    return {
        "plans": feed_plans(user, window),
        "commitments": feed_commitments(user, window),
        "reminders": feed_reminders(user, window),
        "touches": feed_touches(user, window),
    }


def feed_fingerprint(user: User, window: FeedWindow) -> str:
    """A digest of every row the feed of `user` would show, computed by PostgreSQL in one
    query (the rows stay in the database): equal digests, equal feed content."""
    parts, params = [], []
    for tag, qs in _sources(user, window).items():
        sql, qs_params = qs.query.sql_with_params()
        # `sql` is Django's own SQL for the queryset, its values stay parameters.
        parts.append(f"SELECT %s || md5(t::text) AS h FROM ({sql}) t")  # noqa: S608  # nosec B608
        params += [tag, *qs_params]
    union = " UNION ALL ".join(parts)
    query = f"SELECT md5(coalesce(string_agg(h, ',' ORDER BY h), '')) FROM ({union}) rows"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def feed_slot_times() -> tuple[datetime.time, datetime.time]:
    visit_settings = VisitSettings.load()
    return visit_settings.morning_time, visit_settings.afternoon_time


def feed_content(user: User, window: FeedWindow, *, slot_times: tuple | None = None) -> FeedContent:
    """Everything `user`'s feed shows: four queries whatever the size of their book."""
    morning, afternoon = slot_times or feed_slot_times()
    rows = {name: list(qs) for name, qs in _sources(user, window).items()}
    return FeedContent(**rows, morning_time=morning, afternoon_time=afternoon)


def commitment_is_done(row: dict) -> bool:
    return row["status"] == Commitment.Status.DONE
