"""Input/output quadrants and the priority matrix, hand-computed
(docs/DOMAIN.md#inputoutput-quadrants, docs/DOMAIN.md#priority-matrix). Visits and worksheets
come from their apps' selectors; until those apps fill them, input is zero and potential comes
from the entered revenue potential."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Sum, Value
from django.utils import timezone

from accounts.models import Account, Order
from scoring import selectors, sql
from scoring.models import ScoringSettings, TierSnapshot
from tests.factories import AccountFactory, OrderFactory, TierRunFactory
from tests.scoring.conftest import AS_OF, snapshot_of

pytestmark = pytest.mark.django_db
D = Decimal


def _settings(**values):
    ScoringSettings.load()
    ScoringSettings.objects.filter(pk=1).update(**values)


def test_quadrants_split_at_the_median_output_with_zero_input(make_accounts, recompute):
    accounts = make_accounts([50, 25, 10, 8, 4, 3])
    run = recompute()
    # Median output: (10 + 8) / 2 = 9; above it is high output. Input is zero: low.
    assert [q for (q,) in snapshot_of(run, accounts, "quadrant")] == [2, 2, 2, 1, 1, 1]
    assert run.summary["thresholds"]["output"] == "9.00"
    assert run.summary["thresholds"]["input"] == "0.0000"
    assert run.summary["quadrants"]["2"]["accounts"] == 3
    assert run.summary["quadrants"]["2"]["output"] == "85.00"


def test_fixed_quadrant_thresholds_and_profit_as_output(rep, recompute):
    _settings(
        quadrant_thresholds="fixed",
        input_threshold=D("0"),
        output_threshold=D("20"),
        output_measure="profit",
    )
    accounts = []
    for revenue, profit in [(100, 30), (100, 10), (10, 25)]:
        account = AccountFactory(name=f"P{revenue}-{profit}", owner=rep, lifecycle="existing")
        OrderFactory(account=account, date=AS_OF, amount=revenue, profit=profit)
        accounts.append(account)
    run = recompute()
    assert snapshot_of(run, accounts, "output_value", "quadrant") == [
        (D("30.00"), 2),
        (D("10.00"), 1),
        (D("25.00"), 2),
    ]
    assert run.parameters["output_measure"] == "profit"


def test_priority_from_current_revenue_and_entered_potential(make_accounts, recompute):
    x, y, z, v, w = make_accounts([100, 10, 50, 80, None])
    for account, potential in [(x, 1000), (y, 5000), (v, 9000), (w, 200)]:
        Account.objects.filter(pk=account.pk).update(revenue_potential=potential)
    run = recompute()
    # Current revenue median of customers (100, 10, 50, 80) = 65; potential median of the
    # entered figures (1000, 5000, 9000, 200) = 3000. Above a median is high.
    assert [p for (p,) in snapshot_of(run, [x, y, z, v, w], "priority")] == [
        "B",
        "A",
        "C",
        "A+",
        "C",
    ]
    assert run.summary["thresholds"]["revenue"] == "65.00"
    assert run.summary["thresholds"]["potential"] == "3000.00"
    # w has no orders: no tier, but it is in the priority matrix (a prospect with potential).
    assert snapshot_of(run, [w], "tier", "position", "quadrant") == [("", None, None)]


def test_priority_thresholds_from_the_settings(make_accounts, recompute):
    _settings(priority_revenue_threshold=D("40"), priority_potential_threshold=D("500"))
    x, y = make_accounts([100, 10])
    Account.objects.filter(pk=x.pk).update(revenue_potential=600)
    Account.objects.filter(pk=y.pk).update(revenue_potential=500)
    run = recompute()
    assert [p for (p,) in snapshot_of(run, [x, y], "priority")] == ["A+", "C"]


def _pipeline(run, **overrides):
    params = sql.PipelineParams(
        run_id=run.pk,
        date_to=AS_OF,
        date_from=AS_OF - datetime.timedelta(days=364),
        method="revenue",
        a_bp=8000,
        b_bp=9500,
        now=timezone.now(),
        **overrides,
    )
    return params


def test_the_pipeline_reads_visit_inputs_and_worksheet_totals_of_the_documented_shape(
    make_accounts,
):
    """Stand-ins with the selectors' documented columns (the real ones arrive with the visits
    and prospects features): input is weighted, the latest worksheet total decides potential."""
    a, b, c, d = make_accounts([100, 100, 1, None])
    visit_inputs = (
        Order.objects.filter(account__in=[a, c, d])
        .values("account_id")
        .annotate(
            visit_count=Count("id"),
            hours=Value(2, output_field=IntegerField()),
            expenses=Sum("amount"),
        )
        .values("account_id", "visit_count", "hours", "expenses")
    )
    OrderFactory(account=d, date=AS_OF - datetime.timedelta(days=900), amount=500)
    worksheets = (
        Account.objects.filter(pk__in=[a.pk, c.pk])
        .annotate(account_id=F("id"), total=Value(6, output_field=IntegerField()))
        .values("account_id", "total")
    )
    run = TierRunFactory(status="running")
    with transaction.atomic():
        result = sql.run_pipeline(
            connection,
            _pipeline(
                run,
                weight_visits=D("1"),
                weight_hours=D("0.5"),
                weight_expenses=D("0.01"),
                priority_revenue_threshold=D("50"),
            ),
            visit_inputs=visit_inputs,
            worksheet_totals=worksheets,
        )
    # input = visits × 1 + hours × 0.5 + expenses × 0.01: a 1 + 1 + 1 = 3; c 1 + 1 + 0.01;
    # d (a line outside the window still counts here: the stand-in ignores dates) 1 + 1 + 5.
    # Medians: output (100, 100, 1, 0) → 50.5; input (3, 0, 2.01, 7) → 2.505.
    # Potential: worksheet total 6 ≥ 4 is high; current revenue above 50 is high. d has only
    # effort: it is in the quadrants but not in the priority matrix.
    rows = snapshot_of(run, [a, b, c, d], "input_score", "quadrant", "potential_score", "priority")
    assert rows == [
        (D("3.0000"), 3, 6, "A+"),
        (D("0.0000"), 2, None, "B"),
        (D("2.0100"), 1, 6, "A"),
        (D("7.0000"), 4, None, ""),
    ]
    assert result.thresholds["output_cents"] == D("5050")
    assert result.thresholds["input"] == D("2.505")
    assert result.thresholds["worksheet_min"] == 4


def test_selectors_give_the_cells_of_the_users_accounts(org, recompute):
    for name, amount in [("r1", 100), ("r2", 10), ("r3", 50)]:
        OrderFactory(account=org["accounts"][name], date=AS_OF, amount=amount)
    recompute()
    rep_cells = selectors.quadrants(user=org["r1"]).cells
    assert [(c["quadrant"], c["accounts"]) for c in rep_cells] == [(1, 0), (2, 1), (3, 0), (4, 0)]
    admin_cells = selectors.quadrants(user=org["admin"]).cells
    assert [(c["quadrant"], c["accounts"]) for c in admin_cells] == [(1, 2), (2, 1), (3, 0), (4, 0)]
    manager = selectors.priority_matrix(user=org["m1"])
    assert {c["priority"]: c["accounts"] for c in manager.cells} == {
        "A+": 0,
        "A": 0,
        "B": 1,
        "C": 1,
    }
    assert manager.thresholds["revenue"] == D("50.00")  # company-wide median
    team2 = selectors.priority_matrix(user=org["admin"], team=org["t2"])
    assert {c["priority"]: c["accounts"] for c in team2.cells}["C"] == 1
    assert TierSnapshot.objects.count() == 3
