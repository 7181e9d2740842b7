"""The nightly health: each factor on hand-picked accounts, the history, the command."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from health.models import HealthSettings, HealthSnapshot
from tests.factories import ContactFactory, TouchFactory, VisitFactory
from tests.health.conftest import DAY, snapshot

pytestmark = pytest.mark.django_db


def test_an_account_ordering_on_its_usual_interval_is_healthy(make_account, compute):
    # Given orders every 30 days, the last 20 days ago, revenue flat, a decision maker met
    # last week and a visit within the A cadence
    account = make_account([(20 + 30 * k, "1000") for k in range(16)])
    maker = ContactFactory(account=account, role="decision_maker")
    TouchFactory(account=account, contact=maker, date=DAY - datetime.timedelta(days=5))
    VisitFactory(account=account, visit_date=DAY - datetime.timedelta(days=3))
    # When the health is computed for the day
    result = compute()
    # Then every factor costs nothing and the inputs are kept
    row = snapshot(account)
    assert result.accounts == 1
    assert (row.usual_interval, row.days_since_order, row.lateness_points) == (
        Decimal("30.0"),
        20,
        Decimal("0.0"),
    )
    assert row.revenue_90 == Decimal("3000.00")
    assert row.revenue_prev_90 == Decimal("3000.00")
    assert row.trend_points == Decimal("0.0")
    assert (row.decision_makers, row.decision_maker_contact) == (1, DAY - datetime.timedelta(5))
    assert row.decision_maker_points == Decimal("0.0")
    assert (row.last_visit, row.cadence_days, row.visit_points) == (
        DAY - datetime.timedelta(days=3),
        7,
        Decimal("0.0"),
    )
    assert row.score == 100


def test_a_late_fading_account_loses_points_factor_by_factor(make_account, compute):
    # Given orders every 10 days until 40 days ago (4× its interval), revenue halved against
    # the 90 days before, no decision maker, never visited
    account = make_account(
        [(40 + 10 * k, "100") for k in range(5)] + [(100 + 10 * k, "200") for k in range(9)]
    )
    compute()
    row = snapshot(account)
    # lateness 4× > 3× : the full 30; trend: 500 vs 1800 → −72% ≥ 60%: the full 30;
    # no decision maker: 20; never visited with a cadence: 20
    assert row.lateness_points == Decimal("30.0")
    assert row.revenue_90 == Decimal("500.00")
    assert row.trend_points == Decimal("30.0")
    assert row.decision_maker_points == Decimal("20.0")
    assert row.visit_points == Decimal("20.0")
    assert row.score == 0


def test_partial_penalties_are_linear_between_the_thresholds(make_account, compute):
    # Given orders every 10 days, the last 22 days ago: 2.2× its interval; grace 1.5, full 3
    account = make_account([(22 + 10 * k, "100") for k in range(30)])
    compute()
    row = snapshot(account)
    # (2.2 − 1.5) / 1.5 × 30 = 14.0
    assert row.lateness_points == Decimal("14.0")


def test_a_potential_account_without_orders_has_no_order_factors(make_account, compute):
    account = make_account([], tier="", lifecycle="potential")
    compute()
    row = snapshot(account)
    assert (row.last_order, row.order_days, row.usual_interval) == (None, 0, None)
    assert row.lateness_points is None
    assert row.trend_points is None
    # The buying centre's rule: no decision maker at all counts as never met.
    assert row.decision_maker_points == Decimal("20.0")


def test_a_customer_without_orders_in_the_lookback_is_fully_late(make_account, compute):
    account = make_account([(800, "100")], tier="C")
    compute()
    assert snapshot(account).lateness_points == Decimal("30.0")


def test_a_rerun_the_same_day_replaces_the_rows(make_account, compute):
    account = make_account([(10, "100"), (40, "100")])
    compute()
    first = snapshot(account)
    HealthSettings.objects.filter(pk=1).update(weight_visits=Decimal("10"))
    compute()
    assert HealthSnapshot.objects.filter(account=account).count() == 1
    again = snapshot(account)
    assert again.pk != first.pk
    assert again.visit_points == Decimal("10.0")
    assert again.score == first.score + 10


def test_history_keeps_a_row_per_day_and_compares_with_a_week_before(make_account, compute):
    account = make_account([(10 + 30 * k, "100") for k in range(10)])
    earlier = DAY - datetime.timedelta(days=7)
    compute(earlier)
    compute()
    rows = HealthSnapshot.objects.filter(account=account).order_by("day")
    assert [r.day for r in rows] == [earlier, DAY]
    assert rows[1].score_week_ago == rows[0].score
    assert rows[0].score_week_ago is None


def test_old_history_is_pruned(make_account, compute):
    account = make_account([(10, "100")])
    HealthSettings.objects.update_or_create(pk=1, defaults={"history_days": 14})
    compute(DAY - datetime.timedelta(days=30))
    compute()
    assert list(HealthSnapshot.objects.filter(account=account).values_list("day", flat=True)) == [
        DAY
    ]


def test_the_command_computes_a_day(make_account, capsys):
    account = make_account([(10, "100"), (40, "50")])
    call_command("compute_health", "--as-of", DAY.isoformat())
    assert "1 accounts" in capsys.readouterr().out
    assert snapshot(account).days_since_order == 10


def test_the_command_refuses_a_bad_date_and_writes_nothing(make_account):
    make_account([(10, "100")])
    with pytest.raises(CommandError, match="--as-of: '2026-13-01' is not a date"):
        call_command("compute_health", "--as-of", "2026-13-01")
    assert not HealthSnapshot.objects.exists()


def test_the_settings_refuse_weights_above_100_points(db):
    settings = HealthSettings.load()
    settings.weight_visits = Decimal("50")
    with pytest.raises(Exception, match="cannot exceed 100"):
        settings.full_clean()
