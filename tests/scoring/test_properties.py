"""Property tests (hypothesis) of the recompute SQL: the snapshot it writes equals, row for row,
the one a plain Python model of the rules computes from the same order lines, and the tiers
follow revenue."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Account, Order
from prospects.selectors import latest_worksheet_totals
from scoring import sql
from scoring.models import TierSnapshot
from tests.factories import TierRunFactory, UserFactory
from visits.selectors import visit_inputs_by_account

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2026, 6, 30)
RANK = {"A": 3, "B": 2, "C": 1, "": 0}
SNAPSHOT_COLUMNS = [
    "account_id",
    "position",
    "revenue",
    "share",
    "share_before",
    "cumulative_share",
    "tier",
    "previous_tier",
    "movement",
    "input_score",
    "output_value",
    "quadrant",
    "priority",
]

amounts = st.decimals(
    min_value=Decimal("-500"), max_value=Decimal("100000"), places=2, allow_nan=False
)
# Some accounts share exactly the same revenue, so ties are common.
accounts_strategy = st.lists(
    st.one_of(
        st.none(),
        st.lists(amounts, min_size=1, max_size=3),
        st.sampled_from([[Decimal("100")], [Decimal("50"), Decimal("50")], [Decimal("0")]]),
    ),
    min_size=1,
    max_size=25,
)
cutoffs = st.tuples(st.integers(1, 9998), st.integers(1, 9999)).filter(lambda ab: ab[0] < ab[1])
count_cutoffs = st.tuples(st.integers(1, 9999), st.integers(1, 9999)).filter(
    lambda ab: ab[0] + ab[1] <= 10000
)
previous_tiers = st.lists(st.sampled_from(["", "A", "B", "C"]), min_size=25, max_size=25)


def _normal(value):
    """Compare values by value: 1.50 and 1.5 are the same share."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value).normalize()
    return value


def _snapshot(conn, run_id: int) -> list[tuple]:
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(SNAPSHOT_COLUMNS)} FROM {TierSnapshot._meta.db_table} "
            "WHERE run_id = %s ORDER BY account_id",
            [run_id],
        )
        return [tuple(_normal(v) for v in row) for row in cursor.fetchall()]


def _tiers(conn) -> list[tuple]:
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT id, tier FROM {Account._meta.db_table} ORDER BY id")
        return cursor.fetchall()


def _params(run_id: int, method: str, a_bp: int, b_bp: int) -> sql.PipelineParams:
    return sql.PipelineParams(
        run_id=run_id,
        date_to=AS_OF,
        date_from=AS_OF - datetime.timedelta(days=364),
        method=method,
        a_bp=a_bp,
        b_bp=b_bp,
        now=timezone.now(),
    )


def _run(conn, params) -> None:
    sql.run_pipeline(
        conn,
        params,
        visit_inputs=visit_inputs_by_account(date_from=params.date_from, date_to=params.date_to),
        worksheet_totals=latest_worksheet_totals(),
    )


@pytest.fixture
def owner(db):
    return UserFactory(username="prop-owner")


def _load(owner, revenues, previous):
    """Accounts and order lines on PostgreSQL (inside the caller's savepoint)."""
    accounts = Account.objects.bulk_create(
        Account(
            name=f"P{i}",
            normalized_name=f"p{i}",
            owner=owner,
            tier=previous[i],
            lifecycle="existing",
        )
        for i in range(len(revenues))
    )
    orders = []
    for account, lines in zip(accounts, revenues, strict=True):
        for k, amount in enumerate(lines or []):
            # One line in three falls outside the window and must not count.
            day = AS_OF - datetime.timedelta(days=400 if k == 2 else k * 30)
            orders.append(Order(account=account, date=day, amount=amount))
    Order.objects.bulk_create(orders)
    return accounts, Order.objects.filter(account__in=accounts)


def _median(values: list[Decimal]) -> Decimal | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _share(cents: Decimal, total: Decimal) -> Decimal:
    """Rounded down to a millionth, as the recompute stores shares."""
    return Decimal(int(cents * 10**6 // total)) / 10**6 if total > 0 else Decimal(0)


def _expected_snapshot(accounts, revenues, method: str, a_bp: int, b_bp: int) -> list[tuple]:
    """The snapshot rows (SNAPSHOT_COLUMNS, by account id) that the rules give, worked out in
    plain Python: accounts with order lines in the window are ranked by net revenue; the
    others keep a row only if they had a tier (which they lose). No visits, worksheets or
    potentials here, so every input is 0 and the priority compares current revenue alone."""
    in_window = {
        account.pk: sum(lines[:2], Decimal(0))  # the third line is 400 days old
        for account, lines in zip(accounts, revenues, strict=True)
        if lines
    }
    ranked = sorted(in_window, key=lambda pk: (-in_window[pk], pk))
    positive = {pk: max(in_window[pk], Decimal(0)) for pk in ranked}
    total, n = sum(positive.values(), Decimal(0)), len(ranked)
    median = _median([in_window[pk] for pk in ranked])
    rows, running = {}, Decimal(0)
    for position, pk in enumerate(ranked, 1):
        revenue = in_window[pk]
        running += positive[pk]
        before = sum((positive[o] for o in ranked if in_window[o] > revenue), Decimal(0))
        above = sum(1 for o in ranked if in_window[o] > revenue)  # RANK() - 1
        if method == "count":
            a_hit, b_hit = above * 10000 < a_bp * n, above * 10000 < (a_bp + b_bp) * n
        else:
            a_hit, b_hit = before * 10000 < a_bp * total, before * 10000 < b_bp * total
        tier = "C" if revenue <= 0 else "A" if a_hit else "B" if b_hit else "C"
        high = revenue > median
        rows[pk] = (
            position,
            revenue,
            _share(positive[pk], total),
            _share(before, total),
            _share(running, total),
            tier,
            Decimal(0),
            revenue,
            2 if high else 1,
            "B" if high else "C",
        )
    # position, revenue, share, share before, cumulative share, tier | input, output,
    # quadrant, priority; an account that loses its tier has no figures.
    lost = (None, None, None, None, None, "", None, None, None, "")
    expected = []
    for account in accounts:
        if account.pk not in rows and not account.tier:
            continue
        values = rows.get(account.pk, lost)
        tier = values[5]
        movement = (RANK[tier] > RANK[account.tier]) - (RANK[tier] < RANK[account.tier])
        row = (account.pk, *values[:6], account.tier, movement, *values[6:])
        expected.append(tuple(_normal(v) for v in row))
    return sorted(expected)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    revenues=accounts_strategy,
    previous=previous_tiers,
    method=st.sampled_from(["revenue", "count"]),
    revenue_cuts=cutoffs,
    count_cuts=count_cutoffs,
)
def test_the_recompute_matches_a_python_model_and_tiers_follow_revenue(
    owner, revenues, previous, method, revenue_cuts, count_cuts
):
    a_bp, b_bp = revenue_cuts if method == "revenue" else count_cuts
    with transaction.atomic():
        accounts, _orders = _load(owner, revenues, previous)
        run = TierRunFactory(status="running")
        _run(connection, _params(run.pk, method, a_bp, b_bp))
        on_postgres = _snapshot(connection, run.pk)
        tiers_postgres = _tiers(connection)
        transaction.set_rollback(True)

    # The SQL gives exactly the rows of the Python model.
    assert on_postgres == _expected_snapshot(accounts, revenues, method, a_bp, b_bp)

    ranked = [row for row in on_postgres if row[1] is not None]
    by_position = sorted(ranked, key=lambda row: row[1])
    # A higher-revenue account never gets a worse tier.
    for higher, lower in itertools.pairwise(by_position):
        assert higher[2] >= lower[2]
        assert RANK[higher[6]] >= RANK[lower[6]]
    # Equal revenue, equal tier.
    tiers_by_revenue = {}
    for row in ranked:
        tiers_by_revenue.setdefault(row[2], set()).add(row[6])
    assert all(len(tiers) == 1 for tiers in tiers_by_revenue.values())
    # Net revenue of zero or less is C; no orders in the window, no tier.
    assert all(row[6] == "C" for row in ranked if row[2] <= 0)
    assert all(row[6] == "" for row in on_postgres if row[1] is None)
    # Shares sum to 100% (each is rounded down to a millionth) and the curve ends at 100%.
    if any(row[2] > 0 for row in ranked):
        total = sum(row[3] for row in ranked)
        assert Decimal("1") - Decimal(len(ranked)) / 10**6 <= total <= Decimal("1")
        assert by_position[-1][5] == Decimal("1")
        # The biggest customer is always A.
        assert by_position[0][6] == "A"
    # Movement compares with the tier the account had before.
    for row in on_postgres:
        assert row[8] == (RANK[row[6]] > RANK[row[7]]) - (RANK[row[6]] < RANK[row[7]])
    # The accounts table got exactly the snapshot's tiers.
    snapshot_tiers = {row[0]: row[6] for row in on_postgres}
    for account_id, tier in tiers_postgres:
        if account_id in snapshot_tiers:
            assert tier == snapshot_tiers[account_id]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(revenues=st.lists(amounts, min_size=1, max_size=60), max_points=st.integers(2, 30))
def test_pareto_curve_is_monotone_and_exact_at_the_marks(owner, revenues, max_points):
    with transaction.atomic():
        _accounts, _orders = _load(owner, [[r] for r in revenues], [""] * len(revenues))
        run = TierRunFactory(status="running")
        _run(connection, _params(run.pk, "revenue", 8000, 9500))
        curve = sql.pareto_curve(
            connection, *sql.snapshot_source(run.pk, None), max_points=max_points
        )
        transaction.set_rollback(True)
    positive = sorted((max(r, Decimal(0)) for r in revenues), reverse=True)
    total = sum(positive)
    assert curve.customers == len(revenues)
    assert curve.total_revenue == total
    shares = [p["revenue_share"] for p in curve.points]
    xs = [p["customer_share"] for p in curve.points]
    assert shares == sorted(shares) and xs == sorted(xs)
    assert curve.points[0]["customers"] == 0 and curve.points[-1]["customers"] == len(revenues)
    if total > 0:
        assert curve.points[-1]["revenue_share"] == Decimal("1.000000")
        running, k80 = Decimal(0), 0
        for k, value in enumerate(positive, 1):
            running += value
            if running * 5 >= total * 4:
                k80 = k
                break
        assert curve.customers_to_80 == k80
        assert any(p["mark"] in ("80", "20,80") and p["customers"] == k80 for p in curve.points)
        twenty = Decimal(len(revenues)) / 5
        low = int(twenty)
        y20 = sum(positive[:low]) + (twenty - low) * (positive[low] if low < len(positive) else 0)
        assert curve.top20_share == (y20 / total).quantize(Decimal("0.000001"))
