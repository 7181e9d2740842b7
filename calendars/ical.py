"""The feed as an iCalendar document (RFC 5545), made with the `icalendar` library.

Choices, each the way subscribed calendars (iPhone, Android/Google, Outlook, 飞书日历) read a
published feed with no METHOD:
- UIDs are `<kind>-<id>@<CRM_CALENDAR_UID_DOMAIN>` (plan-7@…, commitment-3@…, reminder-…,
  touch-…): stable across renames, hosts and token resets.
- DTSTAMP and LAST-MODIFIED are the row's `updated_at` (without METHOD, DTSTAMP is when the
  information was last revised), SEQUENCE the whole seconds between `created_at` and
  `updated_at`: it only grows, so every change is a newer revision.
- Items with a time are timed events with TZID=settings.TIME_ZONE and its VTIMEZONE; items with
  a date only are all-day events (VALUE=DATE). A plan without a time but in the morning or
  afternoon slot starts at that slot's time from the visit settings.
- A cancelled plan is sent with STATUS:CANCELLED (and a newer SEQUENCE) for
  `CRM_CALENDAR_FEED_CANCELLED_DAYS`, then dropped: clients that saw it cancel it, and a
  subscribed calendar replaces its copy with each fetch, so the removal is seen too.
- Each VEVENT's text is cached (shared cache, a day) under a digest of everything it is made
  of, so a poll renders only what changed since the last one (icalendar takes milliseconds
  per event; a rep's year is thousands).
- A VEVENT has no COMPLETED status (RFC 5545 3.8.1.11), and subscribed phone calendars ignore
  VTODO; so done plans, commitments and reminders stay as events, marked "✓" in the summary.
"""

import datetime
import functools
import hashlib
import zlib
import zoneinfo
from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from calendars.selectors import (
    FeedContent,
    feed_content,
    feed_fingerprint,
    feed_slot_times,
    feed_window,
)
from crm.models import User
from visits.models import Reminder, Slot, TouchType, VisitPlan

PRODID = "-//CRM//Calendar feed//EN"
VISIT_MINUTES = 60
COMMITMENT_MINUTES = 30
DONE_MARK = "✓ "
CALENDAR_END = b"END:VCALENDAR\r\n"
# Each event's text, as icalendar wrote it, is kept in the shared cache under a digest of all
# it depends on: the library takes milliseconds per event, and between two polls of a
# subscribed calendar almost nothing changed. A day covers hourly and daily polls; raise
# CACHE_VERSION when the rendering changes.
EVENT_CACHE_SECONDS = 26 * 3600
CACHE_VERSION = 2


@functools.lru_cache(maxsize=8)
def _vtimezone(tzid: str, first_year: int) -> icalendar.Timezone:
    """The VTIMEZONE of `tzid` from `first_year` on (cached: it changes once a year)."""
    return icalendar.Timezone.from_tzid(
        tzid, first_date=datetime.date(first_year, 1, 1), last_date=datetime.date(2038, 1, 1)
    )


_ID = 999_999_999


@functools.lru_cache(maxsize=8)
def _path(name: str) -> str:
    """The path of page `name` with "{}" for its id, reversed once (not once per event)."""
    return reverse(name, kwargs={"pk": _ID}).replace(str(_ID), "{}")


def _sequence(created: datetime.datetime, updated: datetime.datetime | None) -> int:
    if updated is None:
        return 0
    return max(0, int((updated - created).total_seconds()))


class FeedBuilder:
    def __init__(self, *, user: User, base_url: str, today: datetime.date) -> None:
        self.user = user
        self.base_url = base_url.rstrip("/")
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.domain = settings.CRM_CALENDAR_UID_DOMAIN
        self.today = today
        self.chinese = (user.language or "").startswith("zh")
        self.slot_times: dict[str, datetime.time] = {}
        self.context: tuple = ()

    # --- the pieces -------------------------------------------------------------------------

    def _event(
        self,
        *,
        uid: str,
        summary: str,
        day: datetime.date,
        at: datetime.time | None,
        minutes: int,
        created: datetime.datetime,
        modified: datetime.datetime | None,
    ) -> icalendar.Event:
        event = icalendar.Event()
        event.add("uid", f"{uid}@{self.domain}")
        stamp = modified or created
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("sequence", _sequence(created, modified))
        event.add("summary", summary)
        if at is None:
            event.add("dtstart", day)
            event.add("dtend", day + datetime.timedelta(days=1))
            event.add("transp", "TRANSPARENT")
        else:
            start = datetime.datetime.combine(day, at, tzinfo=self.tz)
            event.add("dtstart", start)
            event.add("dtend", start + datetime.timedelta(minutes=minutes))
        return event

    def _describe(self, event: icalendar.Event, lines: Iterable[str], path: str) -> None:
        url = f"{self.base_url}{path}" if self.base_url else ""
        text = "\n".join(line for line in [*lines, url] if line)
        # The link goes in the description only: every client shows that, few show URL, and
        # icalendar's cost grows with the characters it writes.
        if text:
            event.add("description", text)

    def plan(self, row: dict) -> icalendar.Event:
        at = row["planned_time"] or self.slot_times.get(row["slot"])
        status = row["status"]
        tier = f" ({row['account__tier']})" if row["account__tier"] else ""
        summary = _("Visit: %(account)s") % {"account": row["account__name"]} + tier
        if status == VisitPlan.Status.DONE:
            summary = DONE_MARK + summary
        event = self._event(
            uid=f"plan-{row['id']}",
            summary=summary,
            day=row["planned_date"],
            at=at,
            minutes=VISIT_MINUTES,
            created=row["created_at"],
            modified=row["updated_at"],
        )
        event.add("status", "CANCELLED" if status == VisitPlan.Status.CANCELLED else "CONFIRMED")
        if row["account__address"]:
            event.add("location", row["account__address"])
        lines = [row["purpose"]]
        if row["senior_manager"]:
            lines.append(_("A senior manager should come."))
        self._describe(event, lines, _path("visits:plan_detail").format(row["id"]))
        return event

    def commitment(self, row: dict) -> icalendar.Event:
        summary = _("Promised: %(title)s (%(account)s)") % {
            "title": row["title"],
            "account": row["account__name"],
        }
        if row["status"] == "done":
            summary = DONE_MARK + summary
        event = self._event(
            uid=f"commitment-{row['id']}",
            summary=summary,
            day=row["due_date"],
            at=row["due_time"],
            minutes=COMMITMENT_MINUTES,
            created=row["created_at"],
            modified=row["updated_at"],
        )
        event.add("status", "CONFIRMED")
        if row["account__address"]:
            event.add("location", row["account__address"])
        lines = []
        if row["contact__name"]:
            lines.append(_("To: %(contact)s") % {"contact": row["contact__name"]})
        lines.append(row["notes"])
        self._describe(event, lines, _path("accounts:detail").format(row["account_id"]))
        return event

    def reminder(self, row: dict) -> icalendar.Event:
        occasion = (
            (self.chinese and row["occasion__name_zh_hans"]) or row["occasion__name_en"] or ""
        )
        values = {
            "occasion": occasion,
            "contact": row["contact__name"] or "",
            "account": row["account__name"],
        }
        if row["kind"] == Reminder.Kind.GIFT:
            summary = _("Gift: %(occasion)s of %(contact)s (%(account)s)") % values
        else:
            summary = _("Greeting: %(occasion)s of %(contact)s (%(account)s)") % values
        if row["status"] == Reminder.Status.DONE:
            summary = DONE_MARK + summary
        event = self._event(
            uid=f"reminder-{row['id']}",
            summary=summary,
            day=row["date"],
            at=None,
            minutes=0,
            created=row["created_at"],
            modified=row["done_at"],
        )
        event.add("status", "CONFIRMED")
        touch = dict(TouchType.choices).get(row["touch_type"], "")
        self._describe(event, [str(touch)], reverse("visits:reminders"))
        return event

    def touch(self, row: dict) -> icalendar.Event:
        touch = dict(TouchType.choices).get(row["type"], row["type"])
        summary = DONE_MARK + _("%(touch)s: %(account)s") % {
            "touch": touch,
            "account": row["account__name"],
        }
        event = self._event(
            uid=f"touch-{row['id']}",
            summary=summary,
            day=row["date"],
            at=None,
            minutes=0,
            created=row["created_at"],
            modified=None,
        )
        event.add("status", "CONFIRMED")
        lines = [row["contact__name"] or "", row["note"]]
        self._describe(event, lines, _path("accounts:detail").format(row["account_id"]))
        return event

    # --- the whole ---------------------------------------------------------------------------

    def head(self) -> bytes:
        """VCALENDAR's properties and the VTIMEZONE, without the closing line."""
        cal = icalendar.Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        name = _("CRM: %(user)s") % {"user": self.user.get_full_name() or self.user.username}
        cal.add("x-wr-calname", name)
        cal.add("name", name)
        cal.add("x-wr-timezone", settings.TIME_ZONE)
        cal.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT1H")
        cal.add_component(_vtimezone(settings.TIME_ZONE, self.today.year - 1))
        return cal.to_ical().removesuffix(CALENDAR_END)

    def _cache_key(self, kind: str, row: dict) -> str:
        """A key naming everything an event's text depends on: the row, the language, the
        links' base, the UID domain and the slot times (so any change renders it anew)."""
        # Rows come from values(*FIELDS): the same keys in the same order every time.
        material = repr((self.context, kind, tuple(row.values()))).encode()
        digest = hashlib.blake2b(material, digest_size=16).hexdigest()
        return f"calendars:event:{CACHE_VERSION}:{digest}"

    def build(self, content: FeedContent) -> bytes:
        self.slot_times = {
            Slot.MORNING: content.morning_time,
            Slot.AFTERNOON: content.afternoon_time,
        }
        self.context = (
            get_language(),
            self.base_url,
            self.domain,
            settings.TIME_ZONE,
            content.morning_time,
            content.afternoon_time,
        )
        renderers = {
            "plan": self.plan,
            "commitment": self.commitment,
            "reminder": self.reminder,
            "touch": self.touch,
        }
        items = [
            *(("plan", row) for row in content.plans),
            *(("commitment", row) for row in content.commitments),
            *(("reminder", row) for row in content.reminders),
            *(("touch", row) for row in content.touches),
        ]
        keys = [self._cache_key(kind, row) for kind, row in items]
        cached = cache.get_many(keys)
        fresh: dict[str, bytes] = {}
        chunks = [self.head()]
        for key, (kind, row) in zip(keys, items, strict=True):
            text = cached.get(key)
            if text is None:
                text = fresh[key] = renderers[kind](row).to_ical()
            chunks.append(text)
        if fresh:
            cache.set_many(fresh, timeout=EVENT_CACHE_SECONDS)
        chunks.append(CALENDAR_END)
        return b"".join(chunks)


def _feed_key(user: User, fingerprint: str, context: tuple) -> str:
    material = repr((user.pk, user.username, user.get_full_name(), fingerprint, context))
    digest = hashlib.blake2b(material.encode(), digest_size=16).hexdigest()
    return f"calendars:feed:{CACHE_VERSION}:{user.pk}:{digest}"


def feed_ical(user: User, *, base_url: str, now: datetime.datetime) -> bytes:
    """The iCalendar document of `user`'s feed at `now`, in the user's language.

    The whole document is cached (compressed) under a digest of its rows that PostgreSQL
    computes without sending them; when anything changed, the rows are read and only the
    events that changed are written anew (the others come from the event cache)."""
    window = feed_window(now)
    today = timezone.localdate(now)
    slot_times = feed_slot_times()
    with override(user.language or settings.LANGUAGE_CODE):
        context = (
            get_language(),
            base_url,
            settings.CRM_CALENDAR_UID_DOMAIN,
            settings.TIME_ZONE,
            today.year,
            *slot_times,
        )
        key = _feed_key(user, feed_fingerprint(user, window), context)
        packed = cache.get(key)
        if packed is not None:
            return zlib.decompress(packed)
        content = feed_content(user, window, slot_times=slot_times)
        body = FeedBuilder(user=user, base_url=base_url, today=today).build(content)
    cache.set(key, zlib.compress(body, 1), timeout=EVENT_CACHE_SECONDS)
    return body
