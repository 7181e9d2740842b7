"""Fixtures of the health tests: an account with hand-placed order lines, and a runner."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Account, Order
from health.models import HealthSnapshot
from health.services import health_compute
from tests.factories import AccountFactory, UserFactory

DAY = datetime.date(2026, 6, 30)


@pytest.fixture
def rep(db):
    return UserFactory(username="health-rep")


def add_orders(account: Account, lines: list[tuple[int, str]]) -> None:
    """Order lines (days before DAY, amount) in one statement."""
    Order.objects.bulk_create(
        Order(account=account, date=DAY - datetime.timedelta(days=d), amount=Decimal(a))
        for d, a in lines
    )


@pytest.fixture
def make_account(rep):
    def make(lines=(), *, tier="A", lifecycle="existing", owner=None, name="Health Co"):
        account = AccountFactory(owner=owner or rep, name=name, tier=tier, lifecycle=lifecycle)
        add_orders(account, list(lines))
        return account

    return make


@pytest.fixture
def compute():
    def run(day=DAY):
        return health_compute(day=day)

    return run


def snapshot(account, day=DAY) -> HealthSnapshot:
    return HealthSnapshot.objects.get(account=account, day=day)
