"""Fixtures of the scoring tests: accounts with hand-picked revenue, and a recompute helper."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Account
from scoring.models import TierRun, TierSnapshot
from scoring.services import tiers_recompute
from tests.factories import AccountFactory, OrderFactory, UserFactory

AS_OF = datetime.date(2026, 6, 30)


@pytest.fixture
def rep(db):
    return UserFactory(username="tier-rep")


@pytest.fixture
def make_accounts(rep):
    """`make_accounts([50, 25, ...])`: one account per figure with one order line of that
    amount on the as-of date (None: no orders; a list: one line per amount)."""

    def make(revenues, *, owner=None, date=AS_OF, prefix="Acc"):
        accounts = []
        for i, revenue in enumerate(revenues):
            account = AccountFactory(owner=owner or rep, name=f"{prefix} {i:02d}")
            lines = [] if revenue is None else revenue if isinstance(revenue, list) else [revenue]
            for amount in lines:
                OrderFactory(account=account, date=date, amount=Decimal(str(amount)))
            accounts.append(account)
        return accounts

    return make


@pytest.fixture
def recompute():
    """Run a recompute as of AS_OF; returns the run."""

    def run(**kwargs):
        kwargs.setdefault("trigger", TierRun.Trigger.CLI)
        kwargs.setdefault("as_of", AS_OF)
        return tiers_recompute(**kwargs)

    return run


def tiers_of(accounts) -> list[str]:
    by_id = dict(Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list("id", "tier"))
    return [by_id[a.pk] for a in accounts]


def snapshot_of(run, accounts, *fields):
    rows = {
        row["account_id"]: row
        for row in TierSnapshot.objects.filter(run=run).values("account_id", *fields)
    }
    return [tuple(rows[a.pk][f] for f in fields) if a.pk in rows else None for a in accounts]
