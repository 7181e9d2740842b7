"""ABC tiers against hand-computed cases (docs/DOMAIN.md#abc-tiers)."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Account
from scoring.models import ScoringSettings, TierRun, TierSnapshot
from tests.factories import OrderFactory, TierRunFactory
from tests.scoring.conftest import AS_OF, snapshot_of, tiers_of

pytestmark = pytest.mark.django_db
D = Decimal


def _settings(**values):
    ScoringSettings.load()
    ScoringSettings.objects.filter(pk=1).update(**values)


def test_the_account_that_crosses_80_percent_is_still_a(make_accounts, recompute):
    accounts = make_accounts([50, 25, 10, 8, 4, 3])
    run = recompute()
    # Shares before each account: 0, 50, 75, 85, 93, 97 (%). The third crosses 80% and is A.
    assert tiers_of(accounts) == ["A", "A", "A", "B", "B", "C"]
    assert snapshot_of(run, accounts, "position", "share_before", "cumulative_share") == [
        (1, D("0.000000"), D("0.500000")),
        (2, D("0.500000"), D("0.750000")),
        (3, D("0.750000"), D("0.850000")),
        (4, D("0.850000"), D("0.930000")),
        (5, D("0.930000"), D("0.970000")),
        (6, D("0.970000"), D("1.000000")),
    ]
    assert run.customers == 6
    assert run.total_revenue == D("100.00")
    assert run.customers_to_80 == 3
    assert run.top20_share == D("0.550000")  # 1.2 customers: 50 + 0.2 × 25
    assert run.summary["tiers"]["A"] == {
        "accounts": 3,
        "revenue": "85.00",
        "input": "0.0000",
        "revenue_share": "0.850000",
        "customer_share": "0.500000",
        "input_share": "0.000000",
    }


def test_ties_take_the_tier_of_their_first_member(make_accounts, recompute):
    # Without the tie rule the third 10 (share before 80%) would be B and the second 5 C.
    accounts = make_accounts([60, 10, 10, 10, 5, 5])
    run = recompute()
    assert tiers_of(accounts) == ["A", "A", "A", "A", "B", "B"]
    assert [row[0] for row in snapshot_of(run, accounts, "share_before")] == [
        D("0"),
        D("0.6"),
        D("0.6"),
        D("0.6"),
        D("0.9"),
        D("0.9"),
    ]
    # Tied accounts are still ranked one after the other (by id) for the curve.
    assert [row[0] for row in snapshot_of(run, accounts, "position")] == [1, 2, 3, 4, 5, 6]


def test_all_revenue_in_one_account(make_accounts, recompute):
    accounts = make_accounts([1000, [10, -10], None])
    run = recompute()
    assert tiers_of(accounts) == ["A", "C", ""]
    assert snapshot_of(run, accounts, "share", "cumulative_share") == [
        (D("1.000000"), D("1.000000")),
        (D("0.000000"), D("1.000000")),
        None,
    ]
    assert run.customers == 2
    assert run.customers_to_80 == 1


def test_equal_revenue_everywhere_is_all_a_by_both_methods(make_accounts, recompute):
    accounts = make_accounts([100] * 5)
    recompute()
    assert tiers_of(accounts) == ["A"] * 5
    recompute(method="count")
    assert tiers_of(accounts) == ["A"] * 5


def test_negative_and_zero_revenue_are_c_and_add_nothing(make_accounts, recompute):
    accounts = make_accounts([100, [30, -30], -50, [0]])
    run = recompute()
    assert tiers_of(accounts) == ["A", "C", "C", "C"]
    assert snapshot_of(run, accounts, "revenue", "share") == [
        (D("100.00"), D("1.000000")),
        (D("0.00"), D("0.000000")),
        (D("-50.00"), D("0.000000")),
        (D("0.00"), D("0.000000")),
    ]
    assert run.total_revenue == D("100.00")
    assert run.customers == 4


def test_only_negative_revenue_gives_all_c(make_accounts, recompute):
    accounts = make_accounts([-5, -10])
    run = recompute()
    assert tiers_of(accounts) == ["C", "C"]
    assert run.total_revenue == D("0.00")
    assert run.customers_to_80 == 0


def test_accounts_without_orders_stay_untiered(make_accounts, recompute):
    accounts = make_accounts([None, None, 40])
    run = recompute()
    assert tiers_of(accounts) == ["", "", "A"]
    assert TierSnapshot.objects.filter(run=run).count() == 1


def test_a_window_that_excludes_everything_untiers_every_account(make_accounts, recompute):
    accounts = make_accounts([50, 30, 20])
    recompute()
    assert tiers_of(accounts) == ["A", "A", "B"]
    later = recompute(as_of=AS_OF + datetime.timedelta(days=400))
    assert tiers_of(accounts) == ["", "", ""]
    assert later.customers == 0
    assert later.changed_count == 3
    assert snapshot_of(later, accounts, "tier", "previous_tier", "movement") == [
        ("", "A", -1),
        ("", "A", -1),
        ("", "B", -1),
    ]


def test_window_bounds_are_inclusive_and_end_on_the_as_of_date(rep, make_accounts, recompute):
    first_day = AS_OF - datetime.timedelta(days=364)
    inside = make_accounts([10], date=first_day, prefix="inside")
    before = make_accounts([10], date=first_day - datetime.timedelta(days=1), prefix="before")
    after = make_accounts([10], date=AS_OF + datetime.timedelta(days=1), prefix="after")
    run = recompute()
    assert (run.date_from, run.as_of, run.window_days) == (first_day, AS_OF, 365)
    assert tiers_of(inside + before + after) == ["A", "", ""]
    recompute(all_time=True)
    assert tiers_of(inside + before + after) == ["A", "A", ""]
    recompute(window_days=1, as_of=AS_OF + datetime.timedelta(days=1))
    assert tiers_of(inside + before + after) == ["", "", "A"]


def test_count_method_twenty_thirty_fifty(make_accounts, recompute):
    accounts = make_accounts([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
    run = recompute(method="count")
    assert run.method == "count"
    assert (run.a_cutoff, run.b_cutoff) == (D("20.00"), D("30.00"))
    assert tiers_of(accounts) == ["A", "A", "B", "B", "B", "C", "C", "C", "C", "C"]


def test_count_method_ties(make_accounts, recompute):
    accounts = make_accounts([5, 5, 5, 4, 3, 2, 1, 1, 1, 1])
    recompute(method="count")
    assert tiers_of(accounts) == ["A", "A", "A", "B", "B", "C", "C", "C", "C", "C"]


def test_custom_cutoffs_for_both_methods(make_accounts, recompute):
    _settings(a_cutoff=D("50"), b_cutoff=D("90"), count_a_share=D("10"), count_b_share=D("40"))
    accounts = make_accounts([50, 25, 10, 8, 4, 3])
    run = recompute()
    assert (run.a_cutoff, run.b_cutoff) == (D("50.00"), D("90.00"))
    assert tiers_of(accounts) == ["A", "B", "B", "B", "C", "C"]
    more = make_accounts([1, 1, 1, 1], prefix="small")
    recompute(method="count")
    # 10 customers: the top 1 is A, the next 4 B, the rest C.
    assert tiers_of(accounts + more) == ["A", "B", "B", "B", "B", "C", "C", "C", "C", "C"]


def test_method_and_window_come_from_the_settings(make_accounts, recompute):
    _settings(method="count", window_days=30)
    accounts = make_accounts([10, 9, 8, 7, 6])
    old = make_accounts([100], date=AS_OF - datetime.timedelta(days=30), prefix="old")
    run = recompute()
    assert (run.method, run.window_days) == ("count", 30)
    assert tiers_of(accounts + old) == ["A", "B", "B", "C", "C", ""]


def test_only_changed_tiers_are_written(make_accounts, recompute):
    accounts = make_accounts([50, 25, 10, 8, 4, 3])
    first = recompute()
    assert first.changed_count == 6
    stamps = dict(Account.objects.values_list("id", "tier_updated_at"))
    second = recompute()
    assert second.changed_count == 0
    assert dict(Account.objects.values_list("id", "tier_updated_at")) == stamps
    # One account's revenue grows: it and the accounts it pushes down change, nobody else.
    OrderFactory(account=accounts[5], date=AS_OF, amount=D("100"))
    third = recompute()
    assert tiers_of(accounts) == ["A", "A", "B", "B", "C", "A"]
    assert third.changed_count == 3
    changed = {
        pk
        for pk, stamp in Account.objects.values_list("id", "tier_updated_at")
        if stamp != stamps[pk]
    }
    assert changed == {accounts[2].pk, accounts[4].pk, accounts[5].pk}
    assert (third.moved_up, third.moved_down) == (1, 2)
    assert third.previous_run_id == second.pk


def test_every_run_keeps_its_dated_snapshot(make_accounts, recompute):
    accounts = make_accounts([50, 50])
    one = recompute()
    two = recompute(method="count")
    assert list(
        TierSnapshot.objects.filter(account=accounts[0])
        .order_by("run_id")
        .values_list("run_id", "tier", "revenue")
    ) == [(one.pk, "A", D("50.00")), (two.pk, "A", D("50.00"))]
    assert TierRun.objects.filter(status="succeeded").count() == 2


def test_old_runs_beyond_the_retention_are_deleted(make_accounts, recompute):
    _settings(snapshot_retention=2)
    make_accounts([50, 50])
    runs = [recompute() for _ in range(4)]
    assert list(TierRun.objects.order_by("id").values_list("id", flat=True)) == [
        runs[2].pk,
        runs[3].pk,
    ]
    assert set(TierSnapshot.objects.values_list("run_id", flat=True)) == {runs[2].pk, runs[3].pk}


def test_deleting_an_account_keeps_its_history_out_of_every_figure(org, make_accounts, recompute):
    from scoring import selectors

    gone, kept = make_accounts([50, 50], owner=org["r1"])
    run = recompute()
    gone.delete()
    assert TierSnapshot.objects.filter(run=run).count() == 2  # history stays until pruned
    rows = selectors.snapshot_rows(user=org["admin"])
    assert [row.account_id for row in rows] == [kept.pk]
    assert selectors.tier_distribution(user=org["r1"]).customers == 1
    second = recompute()
    assert list(TierSnapshot.objects.filter(run=second).values_list("account_id", flat=True)) == [
        kept.pk
    ]


def test_pruning_never_touches_queued_or_running_runs(make_accounts, recompute):
    _settings(snapshot_retention=2)
    make_accounts([50])
    waiting = TierRunFactory(status="queued", trigger="manual")
    running = TierRunFactory(status="running", trigger="nightly")
    failed = TierRunFactory(status="failed", trigger="nightly", error="x")
    runs = [recompute() for _ in range(3)]
    assert set(TierRun.objects.values_list("id", flat=True)) == {
        waiting.pk,
        running.pk,
        runs[1].pk,
        runs[2].pk,
    }
    assert not TierRun.objects.filter(pk=failed.pk).exists()
