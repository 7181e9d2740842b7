"""Reads other features use: scoring's input side and the manager dashboard's plain data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from tests.factories import ReminderFactory
from visits.models import VisitPlan
from visits.selectors import (
    due_not_planned,
    effort_by_tier,
    plan_adherence,
    touches_due,
    visit_inputs_by_account,
)

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def effort(org, visit_factory):
    a, b = org["accounts"]["r1"], org["accounts"]["r3"]
    Account.objects.filter(pk=a.pk).update(tier="A")
    Account.objects.filter(pk=b.pk).update(tier="C")
    visit_factory(account=a, visit_date=D(2026, 1, 31), duration_minutes=45, expenses="10.10")
    visit_factory(account=a, visit_date=D(2026, 2, 1), duration_minutes=50, expenses="0")
    visit_factory(account=b, visit_date=D(2026, 2, 28), duration_minutes=120, expenses="99.99")
    visit_factory(account=b, visit_date=D(2026, 3, 1), duration_minutes=60)  # outside
    return a, b


def test_visit_inputs_by_account_is_one_group_by(effort):
    a, b = effort
    with CaptureQueriesContext(connection) as queries:
        rows = list(visit_inputs_by_account(date_from=D(2026, 1, 31), date_to=D(2026, 2, 28)))
    assert len(queries) == 1 and "GROUP BY" in queries[0]["sql"]
    assert rows == [
        {
            "account_id": a.pk,
            "visit_count": 2,
            "hours": Decimal("1.58"),
            "expenses": Decimal("10.10"),
        },
        {
            "account_id": b.pk,
            "visit_count": 1,
            "hours": Decimal("2.00"),
            "expenses": Decimal("99.99"),
        },
    ]
    assert list(visit_inputs_by_account(date_from=D(2025, 1, 1), date_to=D(2025, 12, 31))) == []


@pytest.mark.parametrize("minutes", [1, 3, 29, 30, 31, 59, 61, 89, 100, 1439])
def test_visit_inputs_hours_are_a_numeric_division_rounded_as_a_visit_shows_them(
    org, visit_factory, minutes
):
    visit = visit_factory(
        account=org["accounts"]["r1"], visit_date=D(2026, 2, 1), duration_minutes=minutes
    )
    [row] = visit_inputs_by_account(date_from=D(2026, 2, 1), date_to=D(2026, 2, 1))
    assert row["hours"] == visit.hours == (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    assert str(row["hours"]) == str(visit.hours)


def test_effort_by_tier_through_the_book(org, effort):
    window = {"date_from": D(2026, 1, 1), "date_to": D(2026, 2, 28)}
    assert effort_by_tier(org["admin"], **window) == [
        {
            "tier": "A",
            "visits": 2,
            "hours": Decimal("1.58"),
            "expenses": Decimal("10.10"),
            "accounts": 1,
        },
        {
            "tier": "B",
            "visits": 0,
            "hours": Decimal("0.00"),
            "expenses": Decimal("0.00"),
            "accounts": 0,
        },
        {
            "tier": "C",
            "visits": 1,
            "hours": Decimal("2.00"),
            "expenses": Decimal("99.99"),
            "accounts": 1,
        },
        {
            "tier": "",
            "visits": 0,
            "hours": Decimal("0.00"),
            "expenses": Decimal("0.00"),
            "accounts": 0,
        },
    ]
    m1 = effort_by_tier(org["m1"], **window)
    assert [(r["tier"], r["visits"]) for r in m1] == [("A", 2), ("B", 0), ("C", 0), ("", 0)]


def test_plan_adherence_counts_done_open_and_overdue_a_visits(org, plan_factory):
    a, b = org["accounts"]["r1"], org["accounts"]["r2"]
    Account.objects.filter(pk=a.pk).update(tier="A")
    for day, status, account in [
        (D(2026, 3, 2), "done", a),
        (D(2026, 3, 3), "planned", a),  # overdue, A
        (D(2026, 3, 4), "planned", b),  # overdue
        (D(2026, 3, 20), "planned", a),
        (D(2026, 3, 5), "cancelled", b),
    ]:
        plan_factory(account=account, planned_date=day, status=status)
    result = plan_adherence(
        org["m1"], start=D(2026, 3, 1), end=D(2026, 3, 31), today=D(2026, 3, 10)
    )
    assert result == {
        "planned": 4,
        "done": 1,
        "open": 3,
        "overdue": 2,
        "overdue_a": 1,
        "done_share": Decimal("0.250"),
    }
    assert plan_adherence(org["m2"], start=D(2026, 3, 1), end=D(2026, 3, 31))["planned"] == 0


def test_touches_due_groups_open_gift_and_greeting_reminders(org):
    a = org["accounts"]["r1"]
    for subject, kind, day, status in [
        ("contact:1", "gift", D(2026, 5, 5), "open"),
        ("contact:2", "gift", D(2026, 5, 5), "open"),
        ("contact:3", "greeting", D(2026, 5, 6), "open"),
        ("contact:4", "greeting", D(2026, 5, 6), "done"),
        ("contact:5", "gift", D(2026, 5, 20), "open"),
    ]:
        ReminderFactory(
            recipient=org["r1"],
            kind=kind,
            subject=subject,
            occasion_code="birthday",
            date=day,
            account=a,
            remind_on=D(2026, 5, 1),
            status=status,
            done_at=None if status == "open" else dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
        )
    assert list(touches_due(org["m1"], day=D(2026, 5, 1), days=7)) == [
        {"date": D(2026, 5, 5), "occasion_code": "birthday", "kind": "gift", "count": 2},
        {"date": D(2026, 5, 6), "occasion_code": "birthday", "kind": "greeting", "count": 1},
    ]
    assert list(touches_due(org["r3"], day=D(2026, 5, 1), days=7)) == []


def test_due_not_planned_lists_due_accounts_without_a_plan(org, visit_factory, plan_factory):
    a, b = org["accounts"]["r1"], org["accounts"]["r2"]
    Account.objects.filter(pk__in=[a.pk, b.pk]).update(tier="A")
    visit_factory(account=a, visit_date=D(2026, 3, 1))
    visit_factory(account=b, visit_date=D(2026, 3, 1))
    plan_factory(account=b, planned_date=D(2026, 3, 12))
    rows = list(due_not_planned(org["m1"], day=D(2026, 3, 10), horizon_days=0))
    assert [(r.pk, r.due, r.last_visit) for r in rows] == [(a.pk, D(2026, 3, 8), D(2026, 3, 1))]
    assert list(due_not_planned(org["r2"], day=D(2026, 3, 10))) == []
    VisitPlan.objects.update(status="cancelled")
    assert [r.pk for r in due_not_planned(org["r2"], day=D(2026, 3, 10))] == [b.pk]
