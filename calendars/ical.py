"""The feed as an iCalendar document (RFC 5545).

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
- A VEVENT has no COMPLETED status (RFC 5545 3.8.1.11), and subscribed phone calendars ignore
  VTODO; so done plans, commitments and reminders stay as events, marked "✓" in the summary.

How it is written: the VCALENDAR's properties and the VTIMEZONE are made by the `icalendar`
library (once per feed); the VEVENTs, thousands per feed, are written here as content lines,
byte for byte what `icalendar.Event.to_ical()` writes for the same properties (its property
order, its TEXT escaping, its date and time forms and its folding of lines at 75 octets;
tests/calendars/test_ical_lines.py compares both). Through the library each event cost about
1.5 ms (type inference in `add()`, parameter objects, folding character by character): 4–19 s
for a rep's 7,000 events on a shared 2-core machine; written here, 10–20 µs. DTSTAMP and
SEQUENCE come ready from the selectors (formatted by PostgreSQL).
"""

import datetime
import functools
import hashlib
import zlib
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
# The whole feed is kept (compressed) in the shared cache under a digest of its rows; a day
# covers hourly and daily polls. Raise CACHE_VERSION when the rendering changes.
FEED_CACHE_SECONDS = 26 * 3600
CACHE_VERSION = 3
# icalendar folds a content line once it would reach this many octets (RFC 5545 3.1: lines
# SHOULD NOT be longer than 75 octets, excluding the line break).
FOLD_OCTETS = 75
CRLF = "\r\n"


def escape_text(text: str) -> str:
    """`text` as a TEXT value (RFC 5545 3.3.11), exactly as `icalendar.vText(text).to_ical()`
    writes it. Text with neither a backslash nor a carriage return (nearly every one) needs
    only its replacements of ";", "," and newlines, done here; the rest goes to vText."""
    if "\\" in text or "\r" in text:
        return icalendar.vText(text).to_ical().decode()
    return text.replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """`line` folded as icalendar's `Contentline(line).to_ical()` folds it: before a character
    that would make the line reach 75 octets, never inside a UTF-8 character, and not right
    after a backslash or caret (an escape stays whole on the next line)."""
    if len(line) < FOLD_OCTETS and (line.isascii() or len(line) < FOLD_OCTETS // 4):
        return line
    data = line.encode()
    size = len(data)
    if size < FOLD_OCTETS:
        return line
    parts = []
    start = 0
    while size - start >= FOLD_OCTETS:
        end = start + FOLD_OCTETS - 1
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back to the lead byte
            end -= 1
        if data[end - 1] in b"\\^":
            end -= 1
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode()


def _date(day: datetime.date) -> str:
    return f"{day.year:04}{day.month:02}{day.day:02}"


def _local(moment: datetime.datetime) -> str:
    return (
        f"{moment.year:04}{moment.month:02}{moment.day:02}"
        f"T{moment.hour:02}{moment.minute:02}{moment.second:02}"
    )


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


class FeedBuilder:
    """Writes one user's feed; texts in the active language (made once per feed, not per
    event)."""

    def __init__(self, *, user: User, base_url: str, today: datetime.date) -> None:
        self.user = user
        self.base_url = base_url.rstrip("/")
        self.domain = settings.CRM_CALENDAR_UID_DOMAIN
        self.today = today
        self.chinese = (user.language or "").startswith("zh")
        self.slot_times: dict[str, datetime.time] = {}
        self._whens: dict[tuple, str] = {}
        # The TZID parameter as icalendar writes it (quoted if the name ever needs it).
        tz_param = icalendar.Parameters({"TZID": settings.TIME_ZONE}).to_ical().decode()
        self.dtstart_tz = f"DTSTART;{tz_param}:"
        self.dtend_tz = f"DTEND;{tz_param}:"
        self.visit = _("Visit: %(account)s")
        self.promised = _("Promised: %(title)s (%(account)s)")
        self.gift = _("Gift: %(occasion)s of %(contact)s (%(account)s)")
        self.greeting = _("Greeting: %(occasion)s of %(contact)s (%(account)s)")
        self.senior = _("A senior manager should come.")
        self.to_contact = _("To: %(contact)s")
        self.touched = _("%(touch)s: %(account)s")
        self.touch_names = {value: str(label) for value, label in TouchType.choices}
        self.plan_path = _path("visits:plan_detail")
        self.account_path = _path("accounts:detail")
        self.reminders_path = reverse("visits:reminders")

    # --- the pieces -------------------------------------------------------------------------

    def _text(self, name: str, value: str) -> str:
        return fold_line(name + escape_text(value)) + CRLF

    def _when(self, day: datetime.date, at: datetime.time | None, minutes: int) -> str:
        """DTSTART and DTEND lines (kept: a feed has a few hundred distinct ones)."""
        key = (day, at, minutes)
        lines = self._whens.get(key)
        if lines is None:
            if at is None:
                start = "DTSTART;VALUE=DATE:" + _date(day)
                end = "DTEND;VALUE=DATE:" + _date(day + datetime.timedelta(days=1))
            else:
                moment = datetime.datetime.combine(day, at)
                start = self.dtstart_tz + _local(moment)
                end = self.dtend_tz + _local(moment + datetime.timedelta(minutes=minutes))
            lines = self._whens[key] = fold_line(start) + CRLF + fold_line(end) + CRLF
        return lines

    def event(
        self,
        *,
        uid: str,
        summary: str,
        day: datetime.date,
        at: datetime.time | None,
        minutes: int,
        stamp: str,
        sequence: int,
        status: str,
        location: str,
        lines: Iterable[str],
        path: str,
    ) -> str:
        """One VEVENT, its properties in icalendar's order (its canonical ones first, then
        the others alphabetically). Only texts are escaped and folded: the other lines are
        short and plain."""
        # The link goes in the description only: every client shows that, few show URL.
        url = f"{self.base_url}{path}" if self.base_url else ""
        text = "\n".join(line for line in [*lines, url] if line)
        return "".join(
            [
                "BEGIN:VEVENT\r\n",
                self._text("SUMMARY:", summary),
                self._when(day, at, minutes),
                f"DTSTAMP:{stamp}\r\n",
                self._text("UID:", f"{uid}@{self.domain}"),
                f"SEQUENCE:{sequence}\r\n",
                self._text("DESCRIPTION:", text) if text else "",
                f"LAST-MODIFIED:{stamp}\r\n",
                self._text("LOCATION:", location) if location else "",
                f"STATUS:{status}\r\n",
                "TRANSP:TRANSPARENT\r\n" if at is None else "",
                "END:VEVENT\r\n",
            ]
        )

    def plan(self, row: dict) -> str:
        status = row["status"]
        tier = f" ({row['account__tier']})" if row["account__tier"] else ""
        summary = self.visit % {"account": row["account__name"]} + tier
        if status == VisitPlan.Status.DONE:
            summary = DONE_MARK + summary
        lines = [row["purpose"]]
        if row["senior_manager"]:
            lines.append(self.senior)
        return self.event(
            uid=f"plan-{row['id']}",
            summary=summary,
            day=row["planned_date"],
            at=row["planned_time"] or self.slot_times.get(row["slot"]),
            minutes=VISIT_MINUTES,
            stamp=row["stamp"],
            sequence=row["sequence"],
            status="CANCELLED" if status == VisitPlan.Status.CANCELLED else "CONFIRMED",
            location=row["account__address"],
            lines=lines,
            path=self.plan_path.format(row["id"]),
        )

    def commitment(self, row: dict) -> str:
        summary = self.promised % {"title": row["title"], "account": row["account__name"]}
        if row["status"] == "done":
            summary = DONE_MARK + summary
        lines = []
        if row["contact__name"]:
            lines.append(self.to_contact % {"contact": row["contact__name"]})
        lines.append(row["notes"])
        return self.event(
            uid=f"commitment-{row['id']}",
            summary=summary,
            day=row["due_date"],
            at=row["due_time"],
            minutes=COMMITMENT_MINUTES,
            stamp=row["stamp"],
            sequence=row["sequence"],
            status="CONFIRMED",
            location=row["account__address"],
            lines=lines,
            path=self.account_path.format(row["account_id"]),
        )

    def reminder(self, row: dict) -> str:
        occasion = (
            (self.chinese and row["occasion__name_zh_hans"]) or row["occasion__name_en"] or ""
        )
        values = {
            "occasion": occasion,
            "contact": row["contact__name"] or "",
            "account": row["account__name"],
        }
        template = self.gift if row["kind"] == Reminder.Kind.GIFT else self.greeting
        summary = template % values
        if row["status"] == Reminder.Status.DONE:
            summary = DONE_MARK + summary
        return self.event(
            uid=f"reminder-{row['id']}",
            summary=summary,
            day=row["date"],
            at=None,
            minutes=0,
            stamp=row["stamp"],
            sequence=row["sequence"],
            status="CONFIRMED",
            location="",
            lines=[self.touch_names.get(row["touch_type"], "")],
            path=self.reminders_path,
        )

    def touch(self, row: dict) -> str:
        touch = self.touch_names.get(row["type"], row["type"])
        summary = DONE_MARK + self.touched % {"touch": touch, "account": row["account__name"]}
        return self.event(
            uid=f"touch-{row['id']}",
            summary=summary,
            day=row["date"],
            at=None,
            minutes=0,
            stamp=row["stamp"],
            sequence=row["sequence"],
            status="CONFIRMED",
            location="",
            lines=[row["contact__name"] or "", row["note"]],
            path=self.account_path.format(row["account_id"]),
        )

    # --- the whole ---------------------------------------------------------------------------

    def head(self) -> bytes:
        """VCALENDAR's properties and the VTIMEZONE (by icalendar), without the closing line."""
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

    def build(self, content: FeedContent) -> bytes:
        self.slot_times = {
            Slot.MORNING: content.morning_time,
            Slot.AFTERNOON: content.afternoon_time,
        }
        events = [
            *map(self.plan, content.plans),
            *map(self.commitment, content.commitments),
            *map(self.reminder, content.reminders),
            *map(self.touch, content.touches),
        ]
        return b"".join([self.head(), "".join(events).encode(), CALENDAR_END])


def _feed_key(user: User, fingerprint: str, context: tuple) -> str:
    material = repr((user.pk, user.username, user.get_full_name(), fingerprint, context))
    digest = hashlib.blake2b(material.encode(), digest_size=16).hexdigest()
    return f"calendars:feed:{CACHE_VERSION}:{user.pk}:{digest}"


def feed_ical(user: User, *, base_url: str, now: datetime.datetime) -> bytes:
    """The iCalendar document of `user`'s feed at `now`, in the user's language.

    The whole document is cached (compressed) under a digest of its rows that PostgreSQL
    computes without sending them; when anything changed, the rows are read and the feed is
    written anew (about 0.2 s for 7,000 events, reading included)."""
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
    cache.set(key, zlib.compress(body, 1), timeout=FEED_CACHE_SECONDS)
    return body
