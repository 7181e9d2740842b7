"""A small book with hand-computed figures (see the numbers in each test).

Teams: North (manager m1: reps r1, r2), South (manager m2: rep r3); an admin. Period under test
2026-11-01 … 2026-11-30 (30 days; the previous one 2026-10-02 … 2026-10-31); "today" 2026-11-30
(a Monday). A tier recompute as of 2026-11-30 (trailing 365 days).

| account | owner | channel     | order lines                     | window revenue | tier |
|---------|-------|-------------|---------------------------------|----------------|------|
| a1      | r1    | distributor | 11-05 600, 10-10 400, 01-15 100 | 1100           | A    |
| a2      | r1    | direct      | 11-20 300                       | 300            | A    |
| a3      | r2    | direct      | 10-20 200                       | 200            | B    |
| a4      | r2    | direct      | 11-02 100, 09-01 50             | 150            | B    |
| a5      | r3    | distributor | 11-10 1000                      | 1000           | A    |
| a6      | r1    | direct      | 03-01 50                        | 50             | C    |

Visits (in the period): a1 120 min, a6 60 min (r1); a3 30 min, a4 30 min (r2); a5 45 min (r3).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache

from accounts.models import Account, Contact
from prospects.models import Colour
from scoring.dashboard.selectors import DashboardQuery, Period
from scoring.models import TierRun
from scoring.services import tiers_recompute
from tests.factories import (
    AccountFactory,
    ContactFactory,
    OrderFactory,
    ProspectFactory,
    ReminderFactory,
    TeamFactory,
    UserFactory,
    VisitFactory,
    VisitPlanFactory,
    WorksheetFactory,
)
from visits.models import Reminder, VisitPlan

TODAY = datetime.date(2026, 11, 30)
PERIOD = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
PERIOD_PARAMS = {"date_from": "2026-11-01", "date_to": "2026-11-30"}
PASSWORD = "dash-Passw0rd!"


def d(month: int, day: int, year: int = 2026) -> datetime.date:
    return datetime.date(year, month, day)


@dataclass
class Book:
    admin: object
    m1: object
    m2: object
    r1: object
    r2: object
    r3: object
    north: object
    south: object
    accounts: dict
    run: TierRun | None = None


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _users():
    admin = UserFactory(username="dash-admin", role="admin", password=PASSWORD)
    m1 = UserFactory(username="dash-m1", role="manager", password=PASSWORD)
    m2 = UserFactory(username="dash-m2", role="manager", password=PASSWORD)
    north = TeamFactory(name="North", manager=m1)
    south = TeamFactory(name="South", manager=m2)
    r1 = UserFactory(username="dash-r1", team=north, password=PASSWORD)
    r2 = UserFactory(username="dash-r2", team=north, password=PASSWORD)
    r3 = UserFactory(username="dash-r3", team=south, password=PASSWORD)
    return admin, m1, m2, north, south, r1, r2, r3


@pytest.fixture
def book(db) -> Book:
    admin, m1, m2, north, south, r1, r2, r3 = _users()
    direct, distributor = Account.Channel.DIRECT, Account.Channel.DISTRIBUTOR
    spec = {
        "a1": (r1, distributor, [(d(11, 5), 600), (d(10, 10), 400), (d(1, 15), 100)]),
        "a2": (r1, direct, [(d(11, 20), 300)]),
        "a3": (r2, direct, [(d(10, 20), 200)]),
        "a4": (r2, direct, [(d(11, 2), 100), (d(9, 1), 50)]),
        "a5": (r3, distributor, [(d(11, 10), 1000)]),
        "a6": (r1, direct, [(d(3, 1), 50)]),
    }
    accounts = {}
    for name, (owner, channel, lines) in spec.items():
        account = AccountFactory(
            owner=owner, name=f"Dash {name}", channel=channel, lifecycle="existing"
        )
        for date, amount in lines:
            OrderFactory(account=account, date=date, amount=Decimal(amount))
        accounts[name] = account
    for name, minutes in (("a1", 120), ("a6", 60), ("a3", 30), ("a4", 30), ("a5", 45)):
        account = accounts[name]
        VisitFactory(
            account=account,
            visit_date=d(11, 6),
            duration_minutes=minutes,
            expenses=Decimal("0"),
            logged_by=account.owner,
        )
    return Book(admin, m1, m2, r1, r2, r3, north, south, accounts)


@pytest.fixture
def scored(book) -> Book:
    """The book after a recompute as of TODAY, with prospects, contacts, plans, reminders."""
    a = book.accounts
    ContactFactory(account=a["a1"], name="Boss of a1", role=Contact.Role.DECISION_MAKER)
    ContactFactory(account=a["a2"], name="Clerk of a2", role=Contact.Role.HANDLER)
    ProspectFactory(account=a["a6"], colour=Colour.GREEN)
    ProspectFactory(account=a["a3"], colour=Colour.YELLOW)
    ProspectFactory(account=a["a5"], colour=Colour.GREEN)
    WorksheetFactory(
        account=a["a6"],
        author=book.r1,
        filled_at=datetime.datetime(2026, 11, 3, tzinfo=datetime.UTC),
        growth=1,
        business_plans=1,
        revenue_potential=1,
        total=3,
    )
    book.run = tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=TODAY)
    for account, date, status in (
        (a["a1"], d(11, 30), VisitPlan.Status.PLANNED),
        (a["a1"], d(11, 20), VisitPlan.Status.PLANNED),
        (a["a3"], d(11, 25), VisitPlan.Status.DONE),
        (a["a4"], d(11, 26), VisitPlan.Status.CANCELLED),
        (a["a5"], d(11, 10), VisitPlan.Status.PLANNED),
    ):
        VisitPlanFactory(
            account=account, planned_date=date, status=status, created_by=account.owner
        )
    for account, recipient, kind, date in (
        (a["a1"], book.r1, Reminder.Kind.GIFT, d(12, 3)),
        (a["a2"], book.r1, Reminder.Kind.GIFT, d(12, 3)),
        (a["a3"], book.r2, Reminder.Kind.GREETING, d(12, 9)),
        (a["a5"], book.r3, Reminder.Kind.GIFT, d(12, 1)),
    ):
        ReminderFactory(
            recipient=recipient,
            kind=kind,
            subject=f"{kind} {account.name}",
            occasion_code="birthday",
            date=date,
            account=account,
            remind_on=date - datetime.timedelta(days=7),
        )
    return book


@pytest.fixture
def query():
    def make(user, **filters):
        return DashboardQuery(user=user, period=PERIOD, today=TODAY, **filters)

    return make
