"""Plans from tier cadences: the SQL follows the date rules at month ends and in leap years,
A-tier visits go to the morning, a second run adds nothing, abandoned prospects get none."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Account
from tests.factories import AccountFactory, ReminderFactory
from visits.dates import month_bounds, next_due, plan_dates, week_bounds
from visits.models import Reminder, VisitPlan
from visits.services import plans_generate

D = dt.date
pytestmark = pytest.mark.django_db


def _plans(rep):
    return sorted(
        VisitPlan.objects.filter(account__owner=rep).values_list(
            "account__name", "planned_date", "slot"
        )
    )


def _created(account, day: dt.date) -> None:
    Account.objects.filter(pk=account.pk).update(
        created_at=dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
    )


@pytest.mark.parametrize(
    ("month", "last_visit", "tier", "cadence"),
    [
        (D(2024, 2, 1), D(2024, 1, 31), "A", 7),  # leap February
        (D(2025, 2, 1), D(2025, 1, 31), "A", 7),
        (D(2024, 3, 1), D(2024, 1, 31), "B", 30),  # Jan 31 + 30 = Mar 1 in a leap year
        (D(2025, 3, 1), D(2025, 1, 31), "B", 30),  # … Mar 2 otherwise
        (D(2024, 2, 1), D(2023, 12, 1), "C", 90),  # lands on Feb 29
    ],
)
def test_month_plan_matches_the_cadence_rule(org, visit_factory, month, last_visit, tier, cadence):
    rep = org["r1"]
    account = org["accounts"]["r1"]
    Account.objects.filter(pk=account.pk).update(tier=tier)
    visit_factory(account=account, visit_date=last_visit)
    visit_factory(account=account, visit_date=last_visit - dt.timedelta(days=40))
    start, end = month_bounds(month)

    created = plans_generate(actor=rep, rep=rep, start=start, end=end, today=start)

    due = next_due(last_visit, cadence, created=D(2020, 1, 1))
    expected = plan_dates(due=due, cadence_days=cadence, start=start, end=end)
    slot = "morning" if tier == "A" else "afternoon"
    assert created == len(expected)
    assert _plans(rep) == [(account.name, d, slot) for d in expected]


def test_week_plan_across_the_year_end_and_overdue_accounts_start_today(org, visit_factory):
    rep = org["r1"]
    a = org["accounts"]["r1"]
    Account.objects.filter(pk=a.pk).update(tier="A", name="A overdue")
    b = AccountFactory(name="B due Friday", owner=rep, tier="B", lifecycle="existing")
    never = AccountFactory(name="C never visited", owner=rep, tier="C", lifecycle="existing")
    _created(never, D(2025, 6, 1))
    visit_factory(account=a, visit_date=D(2025, 12, 1))
    visit_factory(account=b, visit_date=D(2025, 12, 3))  # + 30 = Jan 2
    start, end = week_bounds(D(2025, 12, 31))  # Mon Dec 29 … Sun Jan 4

    created = plans_generate(actor=rep, rep=rep, start=start, end=end, today=D(2025, 12, 30))

    assert created == 3
    assert _plans(rep) == [
        ("A overdue", D(2025, 12, 30), "morning"),
        ("B due Friday", D(2026, 1, 2), "afternoon"),
        ("C never visited", D(2025, 12, 30), "afternoon"),
    ]
    plan = VisitPlan.objects.get(account=a)
    assert (plan.planned_time, plan.source, plan.status) == (dt.time(9, 30), "cadence", "planned")


def test_second_run_adds_nothing_and_existing_plans_are_kept(org, visit_factory, plan_factory):
    rep = org["r1"]
    a = org["accounts"]["r1"]
    Account.objects.filter(pk=a.pk).update(tier="A")
    visit_factory(account=a, visit_date=D(2026, 2, 25))
    start, end = month_bounds(D(2026, 3, 1))
    assert plans_generate(actor=rep, rep=rep, start=start, end=end, today=start) == 4
    before = _plans(rep)
    assert plans_generate(actor=rep, rep=rep, start=start, end=end, today=start) == 0
    assert _plans(rep) == before
    # An account with a hand-made plan in the period is left alone.
    other = AccountFactory(name="Hand planned", owner=rep, tier="A", lifecycle="existing")
    plan_factory(account=other, planned_date=D(2026, 3, 20))
    assert plans_generate(actor=rep, rep=rep, start=start, end=end, today=start) == 0


def test_abandoned_prospects_and_untiered_without_cadence_get_no_plans(
    org, visit_settings, monkeypatch
):
    rep = org["r1"]
    abandoned = org["accounts"]["r1"]
    Account.objects.filter(pk=abandoned.pk).update(tier="A")
    untiered = AccountFactory(name="Untiered", owner=rep, lifecycle="potential")
    _created(untiered, D(2026, 1, 1))
    monkeypatch.setattr(
        "visits.services.records.abandoned_account_ids",
        lambda: Account.objects.filter(pk=abandoned.pk).values_list("id", flat=True),
    )
    visit_settings.cadence_untiered_days = 0
    visit_settings.save()
    start, end = week_bounds(D(2026, 3, 4))
    assert plans_generate(actor=rep, rep=rep, start=start, end=end, today=start) == 0
    visit_settings.cadence_untiered_days = 60
    visit_settings.save()
    assert plans_generate(actor=rep, rep=rep, start=start, end=end, today=start) == 1
    assert list(VisitPlan.objects.values_list("account", flat=True)) == [untiered.pk]


def test_generating_resolves_due_reminders_of_planned_accounts(org):
    rep = org["r1"]
    a = org["accounts"]["r1"]
    _created(a, D(2026, 1, 1))
    ReminderFactory(
        recipient=rep,
        kind="visit_due",
        subject=f"account:{a.pk}",
        occasion_code="visit_due",
        date=D(2026, 3, 1),
        account=a,
        remind_on=D(2026, 3, 1),
    )
    start, end = week_bounds(D(2026, 3, 4))
    assert plans_generate(actor=rep, rep=rep, start=start, end=end, today=start) == 1
    assert Reminder.objects.get().status == "done"


def test_manager_plans_a_team_rep_but_not_another_team(org, db_state):
    start, end = week_bounds(D(2026, 3, 4))
    _created(org["accounts"]["r2"], D(2026, 1, 1))
    assert plans_generate(actor=org["m1"], rep=org["r2"], start=start, end=end, today=start) == 1
    assert VisitPlan.objects.get().account == org["accounts"]["r2"]
    before = db_state()
    for actor, rep in [(org["m1"], org["r3"]), (org["r1"], org["r2"]), (org["r1"], None)]:
        with pytest.raises(ValidationError) as err:
            plans_generate(actor=actor, rep=rep, start=start, end=end, today=start)
        assert "rep" in err.value.error_dict
    assert db_state() == before


def test_no_plans_for_a_rep_who_left_even_with_accounts_in_the_book(org, db_state):
    """An inactive rep's accounts stay in the manager's book, but plans go to people who
    work: generating for them is refused, as for a rep outside the book."""
    start, end = week_bounds(D(2026, 3, 4))
    _created(org["accounts"]["r2"], D(2026, 1, 1))
    org["r2"].is_active = False
    org["r2"].save(update_fields=["is_active"])
    before = db_state()
    for actor in (org["m1"], org["admin"]):
        with pytest.raises(ValidationError) as err:
            plans_generate(actor=actor, rep=org["r2"], start=start, end=end, today=start)
        assert "rep" in err.value.error_dict
    assert db_state() == before


def test_bad_periods_are_refused_and_change_nothing(org, db_state):
    rep = org["r1"]
    before = db_state()
    with pytest.raises(ValidationError) as err:
        plans_generate(actor=rep, rep=rep, start=D(2026, 3, 9), end=D(2026, 3, 1))
    assert "end" in err.value.error_dict
    with pytest.raises(ValidationError):
        plans_generate(actor=rep, rep=rep, start=D(2026, 1, 1), end=D(2026, 6, 30))
    assert db_state() == before
    # A period wholly in the past plans nothing.
    assert (
        plans_generate(
            actor=rep, rep=rep, start=D(2026, 1, 1), end=D(2026, 1, 7), today=D(2026, 2, 1)
        )
        == 0
    )
