"""Property tests (hypothesis) of the order factors: the SQL equals a plain Python model of
the rules on any order history, with the edges drawn on purpose: no orders, one order day,
returns (negative lines, a day of returns only), lines on one day."""

import itertools
import statistics
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from health.models import HealthSnapshot
from health.services import health_compute
from tests.factories import AccountFactory, UserFactory
from tests.health.conftest import DAY, add_orders

pytestmark = pytest.mark.django_db
WEIGHT = Decimal("30")
GRACE, FULL, DEFAULT_INTERVAL, LOOKBACK = Decimal("1.5"), Decimal("3"), 90, 730
FULL_DROP = Decimal("60")

amounts = st.decimals(min_value=-500, max_value=5000, places=2).filter(lambda a: a != 0)
lines = st.lists(st.tuples(st.integers(0, 800), amounts.map(str)), max_size=12)
histories = st.one_of(
    st.just([]),  # no orders
    st.tuples(st.integers(0, 800), amounts.filter(lambda a: a > 0).map(str)).map(
        lambda line: [line]
    ),  # one order only
    st.lists(st.tuples(st.integers(0, 800), st.just("-100.00")), min_size=1, max_size=4),
    lines,
)


def _points(value: Decimal, low: Decimal, high: Decimal, weight: Decimal) -> Decimal:
    fraction = min(Decimal(1), max(Decimal(0), (value - low) / (high - low)))
    return (weight * fraction).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _expected(history: list[tuple[int, str]]) -> dict:
    """The order factors by the rules, in Python."""
    by_day: dict[int, Decimal] = {}
    is_order: dict[int, bool] = {}
    for days, amount in history:
        if days >= LOOKBACK:
            continue
        by_day[days] = by_day.get(days, Decimal(0)) + Decimal(amount)
        is_order[days] = is_order.get(days, False) or Decimal(amount) > 0
    order_days = sorted(d for d in by_day if is_order[d])  # newest (fewest days) first
    gaps = [older - newer for newer, older in itertools.pairwise(order_days)]
    interval = Decimal(str(statistics.median(gaps))) if gaps else None
    since = order_days[0] if order_days else None
    if since is None:
        lateness = WEIGHT  # an existing customer without order days in the lookback
    else:
        ratio = Decimal(since) / (interval if interval is not None else DEFAULT_INTERVAL)
        lateness = _points(ratio, GRACE, FULL, WEIGHT)

    def revenue(newest: int, oldest: int) -> Decimal:
        return sum((a for d, a in by_day.items() if newest <= d < oldest), Decimal(0))

    last, prev, year = revenue(0, 90), revenue(90, 180), revenue(365, 455)
    ratios = [last / base for base in (prev, year) if base > 0]
    trend = None
    if ratios:
        trend = _points((1 - min(ratios)) * 100, Decimal(0), FULL_DROP, WEIGHT)
    return {
        "order_days": len(order_days),
        "days_since_order": since,
        "usual_interval": None if interval is None else interval.quantize(Decimal("0.1")),
        "lateness_points": lateness,
        "revenue_90": last,
        "revenue_prev_90": prev,
        "revenue_year_ago_90": year,
        "trend_points": trend,
    }


@pytest.fixture
def owner(db):
    return UserFactory(username="health-prop")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories)
def test_the_order_factors_match_a_python_model(owner, history):
    with transaction.atomic():
        account = AccountFactory(owner=owner, tier="B", lifecycle="existing")
        add_orders(account, history)
        health_compute(day=DAY)
        row = HealthSnapshot.objects.filter(account=account, day=DAY).values(
            *_expected([]).keys(), "score"
        )[0]
        transaction.set_rollback(True)
    score = row.pop("score")
    assert row == _expected(history)
    assert 0 <= score <= 100
    # No orders at all and returns only are the same to the lateness: fully late.
    if not any(Decimal(a) > 0 and d < LOOKBACK for d, a in history):
        assert row["lateness_points"] == WEIGHT
