"""ABC tiers on cash: with `tier_revenue` = payments, accounts are ranked by the payments
received in the window instead of the orders booked; the default (orders) is unchanged.
Expected tiers are computed by hand below."""

import datetime
from decimal import Decimal

import pytest

from receivables.models import Payment
from scoring.models import ScoringSettings, TierRevenue
from tests.scoring.conftest import AS_OF, tiers_of

pytestmark = pytest.mark.django_db

# Orders: P 100, Q 60, R 30, S 10 (total 200): P A, Q (50%) A, R (80%) B, S (95%) C.
# Payments in the window: S 90, R 50, Q 10, P none (total 150); one of S's 500 before the
# window is not counted: S (0%) A, R (60%) A, Q (93.3%) B, P 0 C.
ORDERS = [100, 60, 30, 10]
BY_ORDERS = ["A", "A", "B", "C"]
BY_PAYMENTS = ["C", "B", "A", "A"]


@pytest.fixture
def world(make_accounts):
    accounts = make_accounts(ORDERS, prefix="Cash")
    for account, amounts in zip(accounts, [[], [10], [50], [40, 50]], strict=True):
        for amount in amounts:
            Payment.objects.create(
                account=account, received_on=AS_OF, amount=Decimal(amount), is_advance=True
            )
    Payment.objects.create(
        account=accounts[3],
        received_on=AS_OF - datetime.timedelta(days=400),
        amount=Decimal(500),
        is_advance=True,
    )
    return accounts


def test_the_default_ranks_by_orders(world, recompute):
    assert ScoringSettings.load().tier_revenue == TierRevenue.ORDERS
    run = recompute()
    assert tiers_of(world) == BY_ORDERS
    assert "tier_revenue" not in run.parameters


def test_payments_rank_by_cash_received_in_the_window(world, recompute):
    settings = ScoringSettings.load()
    settings.tier_revenue = TierRevenue.PAYMENTS
    settings.save()
    run = recompute()
    assert tiers_of(world) == BY_PAYMENTS
    assert run.parameters["tier_revenue"] == "payments"
