"""The reminders page grouped by kind (birthdays first, A accounts first in each group), bulk
done and snooze (the user's own open reminders only, all or nothing), and the bell's count of
what needs doing today, at its boundaries."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from tests.factories import AccountFactory, ContactFactory, ReminderFactory
from visits.models import Occasion, Reminder
from visits.selectors import BIRTHDAY_GROUP, reminder_count, reminder_group_key
from visits.services import reminders_bulk_done, reminders_bulk_snooze

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 9, 15)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reminder(owner, *, tier="", kind=Reminder.Kind.VISIT_DUE, date=None, remind_on=None, **kw):
    account = AccountFactory(owner=owner, tier=tier)
    date = date or timezone.localdate()
    return ReminderFactory(
        account=account,
        recipient=owner,
        kind=kind,
        date=date,
        remind_on=remind_on or date,
        **kw,
    )


def _birthday(owner, *, tier="", kind=Reminder.Kind.GIFT):
    account = AccountFactory(owner=owner, tier=tier)
    contact = ContactFactory(account=account, name=f"Contact {account.pk}")
    rule = Occasion.objects.get(code="birthday")
    today = timezone.localdate()
    return ReminderFactory(
        account=account,
        recipient=owner,
        kind=kind,
        subject=f"contact:{contact.pk}",
        occasion_code=rule.code,
        occasion=rule,
        contact=contact,
        date=today,
        remind_on=today,
    )


def _page_order(html: str) -> list[tuple[str, int]]:
    """(group, reminder id) in the order the page shows them."""
    order, group = [], None
    for match in re.finditer(r'data-group="([^"]+)"|data-reminder="(\d+)"', html):
        if match.group(1):
            group = match.group(1)
        else:
            order.append((group, int(match.group(2))))
    return order


# --- grouping -----------------------------------------------------------------------------


def test_the_page_groups_by_kind_birthdays_first_and_a_accounts_first(org):
    r1 = org["r1"]
    today = timezone.localdate()
    due_c = _reminder(r1, tier="C", date=today - dt.timedelta(days=3))
    due_a = _reminder(r1, tier="A")
    tomorrow = _reminder(r1, kind=Reminder.Kind.VISIT_TOMORROW, tier="B")
    holiday_gift = _reminder(r1, kind=Reminder.Kind.GIFT, tier="A")
    bday_b = _birthday(r1, tier="B")
    bday_a = _birthday(r1, tier="A", kind=Reminder.Kind.GREETING)
    html = _client(r1).get(reverse("visits:reminders")).content.decode()
    assert _page_order(html) == [
        (BIRTHDAY_GROUP, bday_a.pk),
        (BIRTHDAY_GROUP, bday_b.pk),
        ("visit_due", due_a.pk),
        ("visit_due", due_c.pk),
        ("visit_tomorrow", tomorrow.pk),
        ("gift", holiday_gift.pk),
    ]
    assert '<h2 class="reminder-group" data-group="birthday">Birthdays' in html
    assert '<h2 class="reminder-group" data-group="visit_due">Visit due, not planned' in html


def test_the_groups_follow_the_kinds_choices(org, monkeypatch):
    """A kind added to Reminder.Kind shows up as a group of its own, in the choices' order,
    without a change to the page."""
    from django.db.models import TextChoices

    class Kind(TextChoices):
        VISIT_DUE = "visit_due", "Visit due, not planned"
        ACCOUNTS_NEW = "accounts_new", "Accounts handed to you"
        VISIT_TOMORROW = "visit_tomorrow", "Visit coming up"
        VISIT_OVERDUE = "visit_overdue", "Planned visit overdue"
        GIFT = "gift", "Gift"
        GREETING = "greeting", "Greeting"
        ACCOUNT_REASSIGNED = "account_reassigned", "Accounts reassigned"
        ACCOUNT_HEALTH = "account_health", "Account health warning"
        PAYMENT_DUE = "payment_due", "Payment due or overdue"

    monkeypatch.setattr(Reminder, "Kind", Kind)
    r1 = org["r1"]
    tomorrow = _reminder(r1, kind="visit_tomorrow")
    new = _reminder(r1, kind="accounts_new")
    due = _reminder(r1)
    html = _client(r1).get(reverse("visits:reminders")).content.decode()
    assert _page_order(html) == [
        ("visit_due", due.pk),
        ("accounts_new", new.pk),
        ("visit_tomorrow", tomorrow.pk),
    ]
    assert 'data-group="accounts_new">Accounts handed to you' in html


def test_the_group_of_a_holiday_gift_is_its_kind(org):
    gift = _reminder(org["r1"], kind=Reminder.Kind.GIFT)
    assert reminder_group_key(gift) == "gift"
    assert reminder_group_key(_birthday(org["r1"])) == BIRTHDAY_GROUP


# --- bulk done and snooze -----------------------------------------------------------------


def test_bulk_done_marks_the_chosen_ones_in_one_go_and_audits_each(org):
    r1 = org["r1"]
    a, b, c = (_reminder(r1) for _ in range(3))
    response = _client(r1).post(
        reverse("visits:reminders_bulk"), {"ids": [a.pk, b.pk], "action": "done"}, follow=True
    )
    assert "2 reminders done." in response.content.decode()
    statuses = dict(Reminder.objects.values_list("pk", "status"))
    assert statuses == {a.pk: "done", b.pk: "done", c.pk: "open"}
    assert Reminder.objects.get(pk=a.pk).done_at is not None
    entries = AuditEntry.objects.filter(action="done", model="visits.Reminder").order_by(
        "object_id"
    )
    assert [(e.object_id, e.account_id, e.actor, e.changes) for e in entries] == [
        (str(r.pk), r.account_id, r1, {"status": ["open", "done"]})
        for r in sorted([a, b], key=lambda r: str(r.pk))
    ]


def test_bulk_snooze_hides_them_until_the_day(org):
    r1 = org["r1"]
    a, b = _reminder(r1), _reminder(r1)
    until = timezone.localdate() + dt.timedelta(days=3)
    response = _client(r1).post(
        reverse("visits:reminders_bulk"),
        {"ids": [a.pk, b.pk], "action": "snooze", "until": until.isoformat()},
        follow=True,
    )
    assert f"2 reminders snoozed until {until.isoformat()}." in response.content.decode()
    assert set(Reminder.objects.values_list("snoozed_until", flat=True)) == {until}
    assert AuditEntry.objects.filter(action="snooze").count() == 2
    assert reminder_count(r1) == 0


def test_bulk_with_someone_elses_ids_changes_nothing(org, db_state):
    r1, r2 = org["r1"], org["r2"]
    mine = _reminder(r1)
    theirs = _reminder(r2)
    before = db_state()
    for actor, ids in (
        (r1, [mine.pk, theirs.pk]),
        (org["m1"], [theirs.pk]),
        (org["admin"], [mine.pk]),
    ):
        with pytest.raises(ValidationError) as refused:
            reminders_bulk_done(actor=actor, ids=ids)
        assert refused.value.message_dict["ids"][0].endswith(
            "of the chosen reminders are not your open reminders (done already, someone else's "
            "or gone); nothing was changed."
        )
    response = _client(r1).post(
        reverse("visits:reminders_bulk"),
        {"ids": [mine.pk, theirs.pk], "action": "snooze", "until": "2099-01-01"},
        follow=True,
    )
    assert "Snooze for at most 60 days." in response.content.decode()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = _client(r1).post(
        reverse("visits:reminders_bulk"),
        {"ids": [mine.pk, theirs.pk], "action": "snooze", "until": tomorrow},
        follow=True,
    )
    assert (
        "1 of the chosen reminders are not your open reminders (done already, someone else&#x27;s "
        "or gone); nothing was changed." in response.content.decode()
    )
    assert db_state() == before


@pytest.mark.parametrize(
    ("post", "error"),
    [
        ({"action": "done"}, "Choose at least one reminder."),
        ({"ids": ["1.5"], "action": "done"}, "Choose reminders from the list."),
        ({"ids": ["7"], "action": "burn"}, "Select a valid choice. burn is not one of the"),
        ({"ids": ["7"], "action": "snooze", "until": ""}, "Snooze until a day after today."),
    ],
)
def test_bulk_refuses_bad_input(org, db_state, post, error):
    _reminder(org["r1"])
    before = db_state()
    response = _client(org["r1"]).post(reverse("visits:reminders_bulk"), post, follow=True)
    assert error in response.content.decode()
    assert db_state() == before


def test_bulk_snooze_refuses_today_and_done_ones(org):
    r1 = org["r1"]
    mine = _reminder(r1)
    with pytest.raises(ValidationError) as today:
        reminders_bulk_snooze(actor=r1, ids=[mine.pk], until=timezone.localdate())
    assert today.value.message_dict == {"until": ["Snooze until a day after today."]}
    reminders_bulk_done(actor=r1, ids=[mine.pk])
    with pytest.raises(ValidationError):
        reminders_bulk_done(actor=r1, ids=[mine.pk])


# --- the bell -----------------------------------------------------------------------------


def test_the_bell_counts_what_needs_doing_today_at_its_boundaries(org, settings):
    settings.CRM_REMINDER_BELL_OVERDUE_DAYS = 7
    r1 = org["r1"]
    counted = [
        _reminder(r1, date=DAY),  # due today
        _reminder(r1, date=DAY - dt.timedelta(days=7)),  # 7 days past: the last day counted
        _reminder(r1, tier="A", date=DAY - dt.timedelta(days=200)),  # A: however old
        _reminder(r1, kind=Reminder.Kind.GIFT, date=DAY + dt.timedelta(days=5), remind_on=DAY),
    ]
    not_counted = [
        _reminder(r1, date=DAY - dt.timedelta(days=8)),  # 8 days past, B/C/untiered
        _reminder(r1, tier="B", date=DAY - dt.timedelta(days=30)),
        _reminder(r1, date=DAY + dt.timedelta(days=2), remind_on=DAY + dt.timedelta(days=1)),
        _reminder(r1, date=DAY, snoozed_until=DAY + dt.timedelta(days=1)),
        _reminder(r1, date=DAY, status="done", done_at=timezone.now()),
    ]
    assert reminder_count(r1, day=DAY) == len(counted) == 4
    # Snoozed until today: shows (and counts) again today.
    _reminder(r1, date=DAY, snoozed_until=DAY)
    assert reminder_count(r1, day=DAY) == 5
    # The next day the 7-day-old one is 8 days old and drops out; the one snoozed until then
    # and the one that starts showing then come in: 5 - 1 + 2.
    assert reminder_count(r1, day=DAY + dt.timedelta(days=1)) == 6
    settings.CRM_REMINDER_BELL_OVERDUE_DAYS = 0
    assert reminder_count(r1, day=DAY) == 4  # today, A, the gift, snoozed until today
    assert len(not_counted) == 5
    # Someone else's reminders never ring r1's bell.
    _reminder(org["r2"], date=DAY)
    assert reminder_count(r1, day=DAY) == 4


def test_the_bell_in_the_header_shows_the_count(org):
    r1 = org["r1"]
    today = timezone.localdate()
    _reminder(r1)
    _reminder(r1, date=today - dt.timedelta(days=60))  # old, not an A account: page only
    html = _client(r1).get(reverse("visits:reminders")).content.decode()
    assert '<span class="bell-count" data-testid="bell-count">1</span>' in html
    assert len(_page_order(html)) == 2


# --- the API ------------------------------------------------------------------------------


def test_the_api_closes_and_snoozes_several_at_once(org, api):
    r1 = org["r1"]
    a, b, c = (_reminder(r1) for _ in range(3))
    response = api(r1).post(reverse("reminder-bulk-done"), {"ids": [a.pk, b.pk]}, format="json")
    assert (response.status_code, response.json()) == (200, {"count": 2})
    until = timezone.localdate() + dt.timedelta(days=2)
    response = api(r1).post(
        reverse("reminder-bulk-snooze"), {"ids": [c.pk], "until": until.isoformat()}, format="json"
    )
    assert (response.status_code, response.json()) == (200, {"count": 1})
    assert dict(Reminder.objects.values_list("pk", "status")) == {
        a.pk: "done",
        b.pk: "done",
        c.pk: "open",
    }
    assert Reminder.objects.get(pk=c.pk).snoozed_until == until


def test_the_api_refuses_someone_elses_ids_and_bad_bodies(org, api, db_state):
    mine, theirs = _reminder(org["r1"]), _reminder(org["r3"])
    before = db_state()
    url = reverse("reminder-bulk-done")
    response = api(org["r1"]).post(url, {"ids": [mine.pk, theirs.pk]}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "ids": [
            "1 of the chosen reminders are not your open reminders (done already, someone "
            "else's or gone); nothing was changed."
        ]
    }
    for body in ({}, {"ids": []}, {"ids": ["x"]}, {"ids": [2**63]}):
        assert api(org["r1"]).post(url, body, format="json").status_code == 400, body
    response = api(org["r1"]).post(
        reverse("reminder-bulk-snooze"), {"ids": [mine.pk]}, format="json"
    )
    assert response.json() == {"until": ["This field is required."]}
    assert api(None).post(url, {"ids": [mine.pk]}, format="json").status_code in (401, 403)
    assert db_state() == before
