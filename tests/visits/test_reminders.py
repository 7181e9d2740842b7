"""The daily reminder job: what it finds, exactly once, and the recipient's done / snooze."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Account
from core.models import AuditEntry
from tests.factories import AccountFactory, OccasionFactory, ReminderFactory
from visits.models import Occasion, Reminder
from visits.selectors import reminder_count, reminders_inbox
from visits.services import (
    reminder_mark_done,
    reminder_snooze,
    reminders_generate,
    visit_create,
)

D = dt.date
pytestmark = pytest.mark.usefixtures("quiet_occasions")


def rows(kinds=None):
    qs = Reminder.objects.all() if kinds is None else Reminder.objects.filter(kind__in=kinds)
    return sorted(
        qs.values_list(
            "recipient__username", "kind", "subject", "occasion_code", "date", "touch_type"
        )
    )


def _account(owner, name, tier, created=None):
    created = created or D(2025, 1, 1)
    account = AccountFactory(name=name, owner=owner, tier=tier, lifecycle="existing")
    Account.objects.filter(pk=account.pk).update(
        created_at=dt.datetime(created.year, created.month, created.day, 12, tzinfo=dt.UTC)
    )
    return account


def touch_rows():
    return rows(kinds=["gift", "greeting"])


@pytest.fixture
def visits_world(org, visit_factory, plan_factory):
    """Day D = 2026-03-10 with one account of each situation."""
    day = D(2026, 3, 10)
    Account.objects.all().delete()
    r1, r2, r3 = org["r1"], org["r2"], org["r3"]
    overdue_a = _account(r1, "A overdue", "A")
    visit_factory(account=overdue_a, visit_date=day - dt.timedelta(days=10))
    due_soon_b = _account(r2, "B due soon", "B")
    visit_factory(account=due_soon_b, visit_date=day - dt.timedelta(days=29))
    later_c = _account(r3, "C later", "C")
    visit_factory(account=later_c, visit_date=day - dt.timedelta(days=10))
    planned = _account(r1, "A planned", "A")
    visit_factory(account=planned, visit_date=day - dt.timedelta(days=30))
    late_plan = plan_factory(account=planned, planned_date=day - dt.timedelta(days=2))
    soon_plan = plan_factory(account=planned, planned_date=day + dt.timedelta(days=1))
    plan_factory(account=planned, planned_date=day + dt.timedelta(days=5))
    plan_factory(account=planned, planned_date=day - dt.timedelta(days=9), status="done")
    never = _account(r3, "Never visited", "", created=D(2026, 1, 2))
    gone = org["r4"]
    gone.is_active = False
    gone.save()
    visit_factory(account=_account(gone, "Inactive owner", "A"), visit_date=D(2025, 1, 1))
    return {
        "day": day,
        "accounts": [overdue_a, due_soon_b, planned, never],
        "late_plan": late_plan,
        "soon_plan": soon_plan,
        "ids": {
            "overdue_a": overdue_a.pk,
            "due_soon_b": due_soon_b.pk,
            "never": never.pk,
        },
    }


def test_visit_reminders_due_tomorrow_and_overdue(visits_world):
    w = visits_world
    ids = w["ids"]
    counts = reminders_generate(day=w["day"])
    assert counts == {
        "visit_due": 3,
        "visit_tomorrow": 1,
        "visit_overdue": 1,
        "birthday": 0,
        "holiday": 0,
    }
    assert rows() == sorted(
        [
            ("r1", "visit_due", f"account:{ids['overdue_a']}", "visit_due", D(2026, 3, 7), ""),
            ("r2", "visit_due", f"account:{ids['due_soon_b']}", "visit_due", D(2026, 3, 11), ""),
            ("r3", "visit_due", f"account:{ids['never']}", "visit_due", D(2026, 1, 2), ""),
            (
                "r1",
                "visit_tomorrow",
                f"plan:{w['soon_plan'].pk}",
                "visit_tomorrow",
                D(2026, 3, 11),
                "",
            ),
            (
                "r1",
                "visit_overdue",
                f"plan:{w['late_plan'].pk}",
                "visit_overdue",
                D(2026, 3, 8),
                "",
            ),
        ]
    )
    assert set(Reminder.objects.values_list("remind_on", flat=True)) == {w["day"]}


def test_running_twice_or_the_next_day_creates_nothing_twice(visits_world):
    day = visits_world["day"]
    reminders_generate(day=day)
    first = rows()
    again = reminders_generate(day=day)
    assert sum(again.values()) == 0
    assert rows() == first
    # The next day the same subjects and dates are not repeated; only what is new appears.
    next_day = reminders_generate(day=day + dt.timedelta(days=1))
    assert next_day == {
        "visit_due": 0,
        "visit_tomorrow": 0,
        "visit_overdue": 0,
        "birthday": 0,
        "holiday": 0,
    }
    assert Reminder.objects.count() == len(first)


def test_logging_a_visit_resolves_the_due_and_plan_reminders(visits_world, org):
    w = visits_world
    reminders_generate(day=w["day"])
    overdue_a, _b, planned, _never = w["accounts"]
    visit_create(actor=org["r1"], data={"account": overdue_a, "visit_date": w["day"]})
    visit_create(
        actor=org["r1"],
        data={"account": planned, "visit_date": w["day"], "plan": w["late_plan"]},
    )
    open_rows = sorted(Reminder.objects.open().values_list("recipient__username", "kind", "date"))
    assert open_rows == [
        ("r1", "visit_tomorrow", D(2026, 3, 11)),
        ("r2", "visit_due", D(2026, 3, 11)),
        ("r3", "visit_due", D(2026, 1, 2)),
    ]
    w["late_plan"].refresh_from_db()
    assert w["late_plan"].status == "done"


@pytest.fixture
def birthday_rule(db):
    rule = Occasion.objects.get(code="birthday")
    rule.active = True
    rule.gift_tiers, rule.gift_roles = ["A"], ["decision_maker", "handler"]
    rule.greeting_tiers, rule.greeting_roles = ["B", "C", ""], ["decision_maker", "handler"]
    rule.save()
    return rule


def _contact(contact_factory, account, name, role, month, day, year=None):
    return contact_factory(
        account=account,
        name=name,
        role=role,
        birthday_month=month,
        birthday_day=day,
        birthday_year=year,
    )


def test_birthdays_gift_seven_days_ahead_greeting_one_day_ahead(
    org, birthday_rule, contact_factory
):
    day = D(2026, 5, 1)
    a = _account(org["r1"], "A co", "A")
    b = _account(org["r2"], "B co", "B")
    gift = _contact(contact_factory, a, "Gift DM", "decision_maker", 5, 8)
    _contact(contact_factory, a, "A user role", "user", 5, 8)
    _contact(contact_factory, b, "B in a week", "decision_maker", 5, 8)
    greet = _contact(contact_factory, b, "B tomorrow", "handler", 5, 2)
    _contact(contact_factory, a, "Past", "decision_maker", 4, 30)
    _contact(contact_factory, a, "No birthday", "decision_maker", None, None)

    counts = reminders_generate(day=day)

    assert counts["birthday"] == 2
    assert touch_rows() == [
        ("r1", "gift", f"contact:{gift.pk}", "birthday", D(2026, 5, 8), "birthday_gift"),
        ("r2", "greeting", f"contact:{greet.pk}", "birthday", D(2026, 5, 2), "card"),
    ]
    reminder = Reminder.objects.get(kind="gift")
    assert (reminder.contact, reminder.account, reminder.occasion) == (gift, a, birthday_rule)


def test_a_contact_who_gets_the_gift_gets_no_greeting(org, birthday_rule, contact_factory):
    birthday_rule.greeting_tiers = ["A", "B"]
    birthday_rule.save()
    a = _account(org["r1"], "A co", "A")
    dm = _contact(contact_factory, a, "DM", "decision_maker", 6, 2)
    reminders_generate(day=D(2026, 6, 1))
    assert touch_rows() == [
        ("r1", "gift", f"contact:{dm.pk}", "birthday", D(2026, 6, 2), "birthday_gift")
    ]


def test_feb_29_birthdays_on_feb_28_in_common_years_and_feb_29_in_leap_years(
    org, birthday_rule, contact_factory
):
    b = _account(org["r2"], "B co", "B")
    leapling = _contact(contact_factory, b, "Leap", "decision_maker", 2, 29)
    _contact(contact_factory, b, "Feb 28", "handler", 2, 28)
    reminders_generate(day=D(2025, 2, 27))  # 2025: no Feb 29; greeting lead 1 day
    assert [r for r in touch_rows() if r[2] == f"contact:{leapling.pk}"] == [
        ("r2", "greeting", f"contact:{leapling.pk}", "birthday", D(2025, 2, 28), "card")
    ]
    reminders_generate(day=D(2024, 2, 28))  # 2024 is a leap year
    assert [r[4] for r in touch_rows() if r[2] == f"contact:{leapling.pk}"] == [
        D(2024, 2, 29),
        D(2025, 2, 28),
    ]
    # On Feb 28, 2024 only the Feb 28 birthday (today) and the leap day (tomorrow) are due.
    assert sorted(r[4] for r in touch_rows() if r[4].year == 2024) == [
        D(2024, 2, 28),
        D(2024, 2, 29),
    ]


def test_spring_festival_reminders_follow_the_lunar_date_and_lead_times(org, contact_factory):
    festival = Occasion.objects.get(code="spring_festival")
    festival.active = True
    festival.save()
    a = _account(org["r1"], "A co", "A")
    b = _account(org["r2"], "B co", "B")
    a_dm = _contact(contact_factory, a, "A DM", "decision_maker", None, None)
    b_dm = _contact(contact_factory, b, "B DM", "decision_maker", None, None)
    _contact(contact_factory, b, "B user", "user", None, None)

    reminders_generate(day=D(2027, 1, 29))  # 8 days before 2027-02-06: nothing yet
    assert touch_rows() == []
    reminders_generate(day=D(2027, 1, 30))  # 7 days before: the A-tier gift
    assert touch_rows() == [
        ("r1", "gift", f"contact:{a_dm.pk}", "spring_festival", D(2027, 2, 6), "souvenir")
    ]
    reminders_generate(day=D(2027, 2, 5))  # the eve: B-tier greeting
    assert touch_rows() == sorted(
        [
            ("r1", "gift", f"contact:{a_dm.pk}", "spring_festival", D(2027, 2, 6), "souvenir"),
            ("r2", "greeting", f"contact:{b_dm.pk}", "spring_festival", D(2027, 2, 6), "card"),
        ]
    )
    assert Reminder.objects.filter(kind__in=["gift", "greeting"]).count() == 2


def test_a_missed_day_is_caught_up_within_the_lead_time(org, contact_factory, birthday_rule):
    a = _account(org["r1"], "A co", "A")
    dm = _contact(contact_factory, a, "DM", "decision_maker", 7, 10)
    # The job did not run on July 3 (7 days ahead); July 6 still finds the birthday.
    reminders_generate(day=D(2026, 7, 6))
    assert touch_rows() == [
        ("r1", "gift", f"contact:{dm.pk}", "birthday", D(2026, 7, 10), "birthday_gift")
    ]


def test_admin_added_one_off_date_and_new_year(org, contact_factory):
    OccasionFactory(
        code="custom-opening",
        kind="once",
        name_en="Factory opening",
        date=D(2026, 9, 9),
        greeting_type="message",
        greeting_tiers=["C"],
        greeting_roles=["influencer"],
        greeting_lead_days=3,
    )
    new_year = Occasion.objects.get(code="new_year")
    new_year.active = True
    new_year.save()
    c = _account(org["r3"], "C co", "C")
    a = _account(org["r1"], "A co", "A")
    infl = _contact(contact_factory, c, "Influencer", "influencer", None, None)
    a_dm = _contact(contact_factory, a, "A DM", "decision_maker", None, None)
    reminders_generate(day=D(2026, 9, 6))
    reminders_generate(day=D(2026, 12, 31))
    assert touch_rows() == [
        ("r1", "greeting", f"contact:{a_dm.pk}", "new_year", D(2027, 1, 1), "card"),
        ("r3", "greeting", f"contact:{infl.pk}", "custom-opening", D(2026, 9, 9), "message"),
    ]


# --- Done and snooze ---------------------------------------------------------------------


@pytest.fixture
def reminder(org):
    today = timezone.localdate()
    return ReminderFactory(
        recipient=org["r1"],
        kind="visit_due",
        subject=f"account:{org['accounts']['r1'].pk}",
        occasion_code="visit_due",
        date=today,
        account=org["accounts"]["r1"],
        remind_on=today,
    )


def test_recipient_marks_done_and_the_bell_counts_down(org, reminder):
    assert reminder_count(org["r1"]) == 1
    reminder_mark_done(actor=org["r1"], reminder=reminder)
    reminder.refresh_from_db()
    assert reminder.status == "done" and reminder.done_at is not None
    assert reminder_count(org["r1"]) == 0
    assert AuditEntry.objects.filter(action="done", object_id=str(reminder.pk)).count() == 1


def test_only_the_recipient_may_mark_done_or_snooze(org, reminder, db_state):
    before = db_state()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for actor in (org["m1"], org["admin"], org["r2"]):
        with pytest.raises(PermissionDenied):
            reminder_mark_done(actor=actor, reminder=reminder)
        with pytest.raises(PermissionDenied):
            reminder_snooze(actor=actor, reminder=reminder, until=tomorrow)
    assert db_state() == before


def test_snooze_hides_until_the_day_and_bad_dates_change_nothing(org, reminder, db_state):
    today = timezone.localdate()
    before = db_state()
    for until in (today, today - dt.timedelta(days=1), today + dt.timedelta(days=61), None):
        with pytest.raises(ValidationError):
            reminder_snooze(actor=org["r1"], reminder=reminder, until=until)
    assert db_state() == before
    reminder_snooze(actor=org["r1"], reminder=reminder, until=today + dt.timedelta(days=3))
    assert list(reminders_inbox(org["r1"], day=today)) == []
    assert list(reminders_inbox(org["r1"], day=today + dt.timedelta(days=3))) == [reminder]
    reminder_mark_done(actor=org["r1"], reminder=reminder)
    with pytest.raises(ValidationError):
        reminder_snooze(actor=org["r1"], reminder=reminder, until=today + dt.timedelta(days=1))


def test_an_overdue_visit_replaces_its_coming_up_reminder(org, plan_factory):
    account = _account(org["r1"], "A co", "A")
    plan = plan_factory(account=account, planned_date=D(2026, 3, 11))
    reminders_generate(day=D(2026, 3, 10))
    reminders_generate(day=D(2026, 3, 12))
    plan_rows = Reminder.objects.filter(plan=plan).order_by("kind")
    assert list(plan_rows.values_list("kind", "status")) == [
        ("visit_overdue", "open"),
        ("visit_tomorrow", "done"),
    ]


def test_a_touch_for_the_contact_and_occasion_resolves_the_reminder(
    org, birthday_rule, contact_factory
):
    from visits.services import touch_create

    a = _account(org["r1"], "A co", "A")
    dm = _contact(contact_factory, a, "DM", "decision_maker", 6, 2)
    _contact(contact_factory, a, "Other DM", "decision_maker", 6, 3)
    reminders_generate(day=D(2026, 6, 1))
    touch_create(
        actor=org["r1"],
        data={
            "account": a,
            "contact": dm,
            "type": "birthday_gift",
            "date": D(2026, 5, 30),
            "occasion": birthday_rule,
        },
    )
    assert sorted(Reminder.objects.filter(kind="gift").values_list("contact__name", "status")) == [
        ("DM", "done"),
        ("Other DM", "open"),
    ]
