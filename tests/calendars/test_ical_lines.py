"""The feed's events are written as content lines by calendars.ical, not by the icalendar
library (for speed): they must be byte for byte what icalendar writes for the same
properties: its TEXT escaping, its folding, its property order and its date forms."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.parser import Contentline

from calendars.ical import FeedBuilder, escape_text, fold_line
from tests.factories import UserFactory

# Characters that matter to escaping and folding: the escaped ones, backslash and caret (never
# left at the end of a folded line), and one-, two-, three- and four-byte UTF-8 characters.
TRICKY = st.sampled_from(list('aZ 09\\^;,:"\r\nNn\téд中✓😀'))
TEXTS = st.lists(TRICKY, max_size=200).map("".join) | st.text(max_size=200)


@settings(max_examples=600, deadline=None)
@given(TEXTS)
def test_text_is_escaped_as_vtext_escapes_it(text):
    assert escape_text(text) == icalendar.vText(text).to_ical().decode()


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(["SUMMARY:", "DESCRIPTION:", "DTSTART;TZID=Asia/Shanghai:"]), TEXTS)
def test_lines_are_folded_as_contentline_folds_them(name, text):
    line = name + icalendar.vText(text).to_ical().decode()
    assert fold_line(line) == Contentline(line).to_ical().decode()


def test_folding_keeps_an_escape_whole_at_the_boundary():
    # A backslash as the 74th octet: icalendar moves it to the next line with what it escapes.
    line = "DESCRIPTION:" + "x" * 61 + "\\,tail"
    assert fold_line(line) == Contentline(line).to_ical().decode()
    assert fold_line(line).split("\r\n ")[1].startswith("\\,")


@pytest.mark.parametrize("char", ["\\", "^", "é", "中", "😀"])
def test_every_fold_boundary_is_icalendars(char):
    # The character at every position around each fold of a long line (hypothesis rarely
    # puts one exactly there).
    for before in range(60, 160):
        for tail in ("", "a", "n" * 80, char * 30):
            line = "x" * before + char + tail
            assert fold_line(line) == Contentline(line).to_ical().decode(), (before, tail)


def library_event(builder, **kw) -> bytes:
    """The event as icalendar writes it (how the feed was made before: Event.add(), to_ical)."""
    event = icalendar.Event()
    event.add("uid", f"{kw['uid']}@{builder.domain}")
    stamp = kw["modified"] or kw["created"]
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    modified = kw["modified"]
    sequence = 0 if modified is None else max(0, int((modified - kw["created"]).total_seconds()))
    event.add("sequence", sequence)
    event.add("summary", kw["summary"])
    if kw["at"] is None:
        event.add("dtstart", kw["day"])
        event.add("dtend", kw["day"] + datetime.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    else:
        start = datetime.datetime.combine(
            kw["day"], kw["at"], tzinfo=zoneinfo.ZoneInfo(django_settings.TIME_ZONE)
        )
        event.add("dtstart", start)
        event.add("dtend", start + datetime.timedelta(minutes=kw["minutes"]))
    event.add("status", kw["status"])
    if kw["location"]:
        event.add("location", kw["location"])
    url = f"{builder.base_url}{kw['path']}"
    text = "\n".join(line for line in [*kw["lines"], url] if line)
    if text:
        event.add("description", text)
    return event.to_ical()


@settings(max_examples=150, deadline=None)
@given(
    summary=TEXTS,
    location=TEXTS,
    lines=st.lists(TEXTS, max_size=3),
    day=st.dates(datetime.date(2000, 1, 1), datetime.date(2037, 12, 31)),
    at=st.none() | st.times(),
    minutes=st.sampled_from([30, 60]),
    created=st.datetimes(
        datetime.datetime(2000, 1, 1),
        datetime.datetime(2037, 1, 1),
        timezones=st.just(datetime.UTC),
    ),
    later=st.none() | st.timedeltas(datetime.timedelta(0), datetime.timedelta(days=400)),
    status=st.sampled_from(["CONFIRMED", "CANCELLED"]),
)
def test_an_event_is_what_icalendar_writes_for_it(
    summary, location, lines, day, at, minutes, created, later, status
):
    user = UserFactory.build(username="writer")
    builder = FeedBuilder(user=user, base_url="https://crm.example.com", today=timezone.localdate())
    modified = None if later is None else created + later
    kw = {
        "uid": "plan-12345",
        "summary": summary,
        "day": day,
        "at": at,
        "minutes": minutes,
        "created": created,
        "modified": modified,
        "status": status,
        "location": location,
        "lines": lines,
        "path": "/visits/plans/12345/",
    }
    ours = {k: v for k, v in kw.items() if k not in ("created", "modified")}
    # The stamp and sequence as the selectors give them (made by PostgreSQL: see
    # test_the_stamp_and_sequence_made_by_postgresql_are_icalendars in test_feed.py).
    ours["stamp"] = icalendar.vDatetime(modified or created).to_ical().decode()
    ours["sequence"] = 0 if modified is None else int(later.total_seconds())
    assert builder.event(**ours).encode() == library_event(builder, **kw)
