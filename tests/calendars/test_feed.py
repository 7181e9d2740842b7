"""The calendar feed: what it holds (read back with vobject, a parser independent of the
icalendar library that writes it), its UIDs, times and zone, updates and cancellations, the
token's life, its headers and its query count."""

import datetime
import zoneinfo

import pytest
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calendars.models import CalendarFeed
from calendars.services import calendar_feed_ensure, calendar_feed_reset
from crm.models import User
from tests.factories import (
    AccountFactory,
    CommitmentFactory,
    ContactFactory,
    ReminderFactory,
    TouchFactory,
    UserFactory,
    VisitPlanFactory,
)
from visits.models import Occasion, Reminder, VisitPlan
from visits.services import plan_cancel, plan_update

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def feed_url(user: User) -> str:
    feed = calendar_feed_ensure(actor=user, user=user)
    return reverse("calendars:feed", args=[feed.token])


def fetch(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response, vobject.readOne(response.content.decode("utf-8"))


def events_by_uid(cal) -> dict[str, object]:
    return {str(event.uid.value): event for event in getattr(cal, "vevent_list", [])}


def backdate(model, pk: int, **delta) -> None:
    """Move a row's created_at (and updated_at) back, so a change later is seconds after."""
    ago = timezone.now() - datetime.timedelta(**delta)
    model.objects.filter(pk=pk).update(created_at=ago, updated_at=ago)


@pytest.fixture
def rep():
    return UserFactory(username="rep-cal", first_name="Li", last_name="Wei")


@pytest.fixture
def book(rep):
    today = timezone.localdate()
    account = AccountFactory(owner=rep, name="Huada Trading", tier="A", address="1 Nanjing Rd")
    other = AccountFactory(owner=UserFactory(username="someone-else"), name="Not Mine")
    contact = ContactFactory(account=account, name="Zhang San")
    timed = VisitPlanFactory(
        account=account,
        planned_date=today + datetime.timedelta(days=2),
        planned_time=datetime.time(10, 15),
        purpose="Quarterly review",
    )
    morning = VisitPlanFactory(
        account=account, planned_date=today + datetime.timedelta(days=3), slot="morning"
    )
    anytime = VisitPlanFactory(account=account, planned_date=today + datetime.timedelta(days=4))
    too_far = VisitPlanFactory(account=account, planned_date=today + datetime.timedelta(days=400))
    theirs = VisitPlanFactory(account=other, planned_date=today + datetime.timedelta(days=2))
    promise = CommitmentFactory(
        account=account,
        contact=contact,
        title="Send the quote",
        due_date=today + datetime.timedelta(days=1),
        due_time=datetime.time(16, 0),
    )
    done = CommitmentFactory(
        account=account,
        title="Call back",
        due_date=today - datetime.timedelta(days=1),
        status="done",
        done_at=timezone.now(),
    )
    birthday = Occasion.objects.get(kind=Occasion.Kind.BIRTHDAY)  # built in: "Birthday", 生日
    gift = ReminderFactory(
        account=account,
        contact=contact,
        kind=Reminder.Kind.GIFT,
        occasion=birthday,
        occasion_code="birthday",
        subject=f"contact:{contact.pk}",
        date=today + datetime.timedelta(days=5),
        touch_type="birthday_gift",
    )
    touch = TouchFactory(
        account=account,
        contact=contact,
        created_by=rep,
        date=today - datetime.timedelta(days=3),
        type="brochure",
    )
    return {
        "account": account,
        "timed": timed,
        "morning": morning,
        "anytime": anytime,
        "too_far": too_far,
        "theirs": theirs,
        "promise": promise,
        "done": done,
        "gift": gift,
        "touch": touch,
        "today": today,
    }


def test_the_feed_holds_the_users_plans_commitments_and_touches(client, rep, book, settings):
    settings.CRM_CALENDAR_UID_DOMAIN = "crm.example"
    response, cal = fetch(client, feed_url(rep))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    events = events_by_uid(cal)
    assert set(events) == {
        f"plan-{book['timed'].pk}@crm.example",
        f"plan-{book['morning'].pk}@crm.example",
        f"plan-{book['anytime'].pk}@crm.example",
        f"commitment-{book['promise'].pk}@crm.example",
        f"commitment-{book['done'].pk}@crm.example",
        f"reminder-{book['gift'].pk}@crm.example",
        f"touch-{book['touch'].pk}@crm.example",
    }
    # Timed plan: in Shanghai time, an hour long, with TZID and its VTIMEZONE.
    timed = events[f"plan-{book['timed'].pk}@crm.example"]
    start = timed.dtstart.value
    assert start.utcoffset() == datetime.timedelta(hours=8)
    assert start.replace(tzinfo=None) == datetime.datetime.combine(
        book["timed"].planned_date, datetime.time(10, 15)
    )
    when = book["timed"].planned_date.strftime("%Y%m%d")
    assert f"DTSTART;TZID=Asia/Shanghai:{when}T101500" in response.content.decode()
    assert timed.dtend.value - start == datetime.timedelta(hours=1)
    assert timed.summary.value == "Visit: Huada Trading (A)"
    assert timed.location.value == "1 Nanjing Rd"
    assert "Quarterly review" in timed.description.value
    assert timed.status.value == "CONFIRMED"
    assert [tz.tzid.value for tz in cal.vtimezone_list] == ["Asia/Shanghai"]
    # No time but the morning slot: the slot's start from the visit settings (09:30).
    morning = events[f"plan-{book['morning'].pk}@crm.example"].dtstart.value
    assert (morning.hour, morning.minute, morning.utcoffset()) == (
        9,
        30,
        datetime.timedelta(hours=8),
    )
    # Date only: an all-day event.
    anytime = events[f"plan-{book['anytime'].pk}@crm.example"]
    assert anytime.dtstart.value == book["anytime"].planned_date
    assert not isinstance(anytime.dtstart.value, datetime.datetime)
    # Commitments: timed when they have a time; done ones marked.
    promise = events[f"commitment-{book['promise'].pk}@crm.example"]
    assert promise.summary.value == "Promised: Send the quote (Huada Trading)"
    assert promise.dtstart.value.astimezone(SHANGHAI).time() == datetime.time(16, 0)
    assert "Zhang San" in promise.description.value
    done = events[f"commitment-{book['done'].pk}@crm.example"]
    assert done.summary.value == "✓ Promised: Call back (Huada Trading)"
    assert done.dtstart.value == book["done"].due_date
    gift = events[f"reminder-{book['gift'].pk}@crm.example"]
    assert gift.summary.value == "Gift: Birthday of Zhang San (Huada Trading)"
    assert gift.dtstart.value == book["gift"].date
    touch = events[f"touch-{book['touch'].pk}@crm.example"]
    assert touch.dtstart.value == book["touch"].date
    assert "Huada Trading" in touch.summary.value
    assert cal.contents["x-wr-calname"][0].value == "CRM: Li Wei"


def test_a_change_raises_the_sequence_and_a_cancellation_shows_then_leaves(client, rep, book):
    url = feed_url(rep)
    plan = book["timed"]
    backdate(VisitPlan, plan.pk, hours=1)
    uid = f"plan-{plan.pk}@crm.calendar"
    _, before = fetch(client, url)
    first = int(events_by_uid(before)[uid].sequence.value)
    first_stamp = events_by_uid(before)[uid].dtstamp.value

    plan_update(actor=rep, plan=plan, data={"planned_time": datetime.time(11, 0)})
    _, after = fetch(client, url)
    moved = events_by_uid(after)[uid]
    assert int(moved.sequence.value) > first
    assert moved.dtstamp.value > first_stamp
    assert moved.last_modified.value == moved.dtstamp.value
    assert moved.dtstart.value.astimezone(SHANGHAI).time() == datetime.time(11, 0)

    plan_cancel(actor=rep, plan=VisitPlan.objects.get(pk=plan.pk))
    _, cancelled = fetch(client, url)
    gone = events_by_uid(cancelled)[uid]
    assert gone.status.value == "CANCELLED"
    assert int(gone.sequence.value) >= int(moved.sequence.value)

    # Cancelled longer ago than CRM_CALENDAR_FEED_CANCELLED_DAYS (14): out of the feed.
    VisitPlan.objects.filter(pk=plan.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=15)
    )
    _, later = fetch(client, url)
    assert uid not in events_by_uid(later)


def test_the_window_follows_the_settings(client, rep, book, settings):
    settings.CRM_CALENDAR_FEED_FUTURE_DAYS = 3
    settings.CRM_CALENDAR_FEED_PAST_DAYS = 0
    _, cal = fetch(client, feed_url(rep))
    uids = set(events_by_uid(cal))
    assert f"plan-{book['timed'].pk}@crm.calendar" in uids  # in 2 days
    assert f"plan-{book['anytime'].pk}@crm.calendar" not in uids  # in 4 days
    assert f"touch-{book['touch'].pk}@crm.calendar" not in uids  # 3 days ago


def test_an_account_moved_to_a_colleague_takes_its_plans_out_of_the_feed(client, rep, book):
    url = feed_url(rep)
    colleague = UserFactory(username="colleague")
    type(book["account"]).objects.filter(pk=book["account"].pk).update(owner=colleague)
    _, cal = fetch(client, url)
    uids = set(events_by_uid(cal))
    assert not any(uid.startswith("plan-") for uid in uids)
    # What the rep promised stays theirs (the commitments' rule: owned by them).
    assert f"commitment-{book['promise'].pk}@crm.calendar" in uids


def test_a_managers_feed_is_their_own_day_not_the_teams(client, org):
    today = timezone.localdate()
    VisitPlanFactory(account=org["accounts"]["r1"], planned_date=today)
    _, cal = fetch(client, feed_url(org["m1"]))
    assert events_by_uid(cal) == {}


def test_chinese_users_read_their_feed_in_chinese(client, rep, book):
    User.objects.filter(pk=rep.pk).update(language="zh-hans")
    rep.refresh_from_db()
    _, cal = fetch(client, feed_url(rep))
    summaries = {e.summary.value for e in events_by_uid(cal).values()}
    assert "拜访：Huada Trading (A)" in summaries
    assert "礼物：Zhang San的生日（Huada Trading）" in summaries


# --- the token ------------------------------------------------------------------------------


def test_a_wrong_reset_or_deactivated_token_answers_404(client, rep, book):
    old = feed_url(rep)
    assert client.get(old).status_code == 200
    assert client.get(reverse("calendars:feed", args=["x" * 43])).status_code == 404
    assert client.get(reverse("calendars:feed", args=["x" * 300])).status_code == 404
    token = CalendarFeed.objects.get(user=rep).token
    assert client.get(reverse("calendars:feed", args=[token[:-1]])).status_code == 404

    calendar_feed_reset(actor=rep)
    assert client.get(old).status_code == 404
    new = feed_url(rep)
    assert new != old
    assert client.get(new).status_code == 200

    User.objects.filter(pk=rep.pk).update(is_active=False)
    assert client.get(new).status_code == 404


def test_the_token_is_long_random_and_noted_when_fetched(client, rep):
    url = feed_url(rep)
    feed = CalendarFeed.objects.get(user=rep)
    assert len(feed.token) >= 43 and feed.token in url
    assert feed.last_fetched_at is None
    client.get(url)
    feed.refresh_from_db()
    assert feed.last_fetched_at is not None
    other = calendar_feed_ensure(actor=UserFactory(username="u2"), user=UserFactory(username="u2"))
    assert other.token != feed.token


def test_the_feed_sets_no_cookie_even_for_a_signed_in_browser(client, rep, book):
    url = feed_url(rep)
    response = client.get(url)
    assert response.cookies == {} or "sessionid" not in response.cookies
    client.force_login(rep)
    response = client.get(url)
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies


def test_only_the_user_or_an_admin_may_make_a_users_feed(rep):
    from django.core.exceptions import ValidationError

    nosy = UserFactory(username="nosy")
    with pytest.raises(ValidationError, match="Only the user or an admin"):
        calendar_feed_ensure(actor=nosy, user=rep)
    assert not CalendarFeed.objects.exists()
    User.objects.filter(pk=rep.pk).update(is_active=False)
    rep.refresh_from_db()
    admin = UserFactory(username="adm", role="admin")
    with pytest.raises(ValidationError) as caught:
        calendar_feed_ensure(actor=admin, user=rep)
    assert caught.value.message_dict == {"user": ["rep-cal is deactivated: no calendar feed."]}
    assert not CalendarFeed.objects.exists()


# --- query count -----------------------------------------------------------------------------


def _items(rep, n: int) -> None:
    today = timezone.localdate()
    for i in range(n):
        account = AccountFactory(owner=rep)
        VisitPlanFactory(account=account, planned_date=today + datetime.timedelta(days=i % 300))
        CommitmentFactory(account=account, due_date=today + datetime.timedelta(days=i % 300))
        TouchFactory(account=account, created_by=rep, date=today - datetime.timedelta(days=1))


@pytest.mark.parametrize("size", [5, 50])
def test_the_query_count_does_not_grow_with_the_book(client, rep, size):
    url = feed_url(rep)
    client.get(url)  # the visit settings row and the fetch note exist from here on
    _items(rep, size)
    CalendarFeed.objects.filter(user=rep).update(last_fetched_at=None)
    with CaptureQueriesContext(connection) as queries:
        response, cal = fetch(client, url)
    assert len(cal.vevent_list) == size * 3
    # Token, fetch note, visit settings, fingerprint; then plans, commitments, reminders,
    # touches (the feed changed since the last fetch).
    assert len(queries) == 8, [q["sql"] for q in queries]
    # Fetched again unchanged: the whole feed comes from the cache after the fingerprint.
    CalendarFeed.objects.filter(user=rep).update(last_fetched_at=None)
    with CaptureQueriesContext(connection) as again:
        second, _ = fetch(client, url)
    assert len(again) == 4, [q["sql"] for q in again]
    assert second.content == response.content


def test_a_cached_event_is_written_anew_when_anything_it_shows_changes(client, rep, book):
    url = feed_url(rep)
    uid = f"plan-{book['timed'].pk}@crm.calendar"
    _, first = fetch(client, url)
    _, again = fetch(client, url)  # from the cache: the same text
    assert events_by_uid(again)[uid].summary.value == events_by_uid(first)[uid].summary.value
    # The account is renamed: the plan's row did not change, its event's text must.
    type(book["account"]).objects.filter(pk=book["account"].pk).update(name="Huada Group")
    _, renamed = fetch(client, url)
    assert events_by_uid(renamed)[uid].summary.value == "Visit: Huada Group (A)"


def test_nul_in_the_token_is_refused(client, rep):
    feed_url(rep)
    assert client.get("/calendar/feed/%00abc.ics").status_code == 400


def test_the_stamp_and_sequence_made_by_postgresql_are_icalendars(client, rep, book):
    """DTSTAMP/LAST-MODIFIED and SEQUENCE come from SQL (to_char, EXTRACT): the same text as
    icalendar's vDatetime of the timestamp (seconds truncated, in UTC) and the same whole
    seconds as Python's int((updated - created).total_seconds()), never below 0."""
    import icalendar

    created = datetime.datetime(2026, 3, 1, 23, 59, 59, 999_999, tzinfo=SHANGHAI)
    cases = {
        book["timed"].pk: created + datetime.timedelta(days=2, seconds=5, microseconds=1),
        book["morning"].pk: created - datetime.timedelta(seconds=30),  # clock went back
        book["anytime"].pk: created + datetime.timedelta(microseconds=999_998),
    }
    for pk, updated in cases.items():
        VisitPlan.objects.filter(pk=pk).update(created_at=created, updated_at=updated)
    Reminder.objects.filter(pk=book["gift"].pk).update(created_at=created, done_at=None)
    response, cal = fetch(client, feed_url(rep))
    events = events_by_uid(cal)
    for pk, updated in cases.items():
        event = events[f"plan-{pk}@crm.calendar"]
        stamp = icalendar.vDatetime(updated.astimezone(datetime.UTC)).to_ical().decode()
        sequence = max(0, int((updated - created).total_seconds()))
        assert f"DTSTAMP:{stamp}\r\nUID:plan-{pk}@" in response.content.decode()
        assert event.dtstamp.value == event.last_modified.value == updated.replace(microsecond=0)
        assert int(event.sequence.value) == sequence
    assert [int(events[f"plan-{pk}@crm.calendar"].sequence.value) for pk in cases] == [
        2 * 86400 + 5,
        0,
        0,
    ]
    gift = events[f"reminder-{book['gift'].pk}@crm.calendar"]
    assert gift.dtstamp.value == datetime.datetime(2026, 3, 1, 15, 59, 59, tzinfo=datetime.UTC)
    assert int(gift.sequence.value) == 0
