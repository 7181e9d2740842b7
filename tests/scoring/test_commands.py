"""`recompute_tiers` and `tier_summary` (with their failure cases), and the demo data."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scoring.models import TierRun
from tests.factories import TierRunFactory
from tests.scoring.conftest import tiers_of

pytestmark = pytest.mark.django_db


def _call(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_recompute_tiers_with_every_option(make_accounts):
    accounts = make_accounts([50, 25, 10, 8, 4, 3])
    out = _call("recompute_tiers", "--as-of", "2026-06-30")
    run = TierRun.objects.get()
    assert out.startswith(
        f"Run {run.pk} as of 2026-06-30 (revenue, 365 days): 6 customers, A 3 / B 2 / C 1; "
        "6 accounts changed tier in "
    )
    assert (run.trigger, run.actor) == ("cli", None)
    _call("recompute_tiers", "--as-of", "2026-06-30", "--method", "count", "--all-time")
    latest = TierRun.objects.latest("id")
    assert (latest.method, latest.window_days) == ("count", None)
    # 6 customers: A while fewer than 1.2 are before it, B while fewer than 3.
    assert tiers_of(accounts) == ["A", "A", "B", "C", "C", "C"]
    _call("recompute_tiers", "--as-of", "2027-06-30", "--window-days", "10")
    assert tiers_of(accounts) == [""] * 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "30/06/2026"], "--as-of: '30/06/2026' is not a date (YYYY-MM-DD)."),
        (["--window-days", "0"], "--window-days: give at least 1 day."),
        (["--window-days", "ten"], "--window-days: 'ten' is not a whole number."),
        (["--window-days", "10", "--all-time"], "not allowed with argument"),
        (["--method", "alphabet"], "invalid choice: 'alphabet'"),
    ],
)
def test_recompute_tiers_refuses_bad_arguments_and_runs_nothing(make_accounts, args, message):
    accounts = make_accounts([10])
    with pytest.raises(CommandError) as caught:
        _call("recompute_tiers", *args)
    assert message in str(caught.value)
    assert not TierRun.objects.exists()
    assert tiers_of(accounts) == [""]


def test_tier_summary_json_is_exact(make_accounts):
    make_accounts([50, 25, 10, 8, 4, 3])
    _call("recompute_tiers", "--as-of", "2026-06-30")
    run = TierRun.objects.get()
    assert json.loads(_call("tier_summary", "--json")) == {
        "run": run.pk,
        "as_of": "2026-06-30",
        "method": "revenue",
        "window_days": 365,
        "cutoffs": {"a": "80.00", "b": "95.00"},
        "tiers": {
            "A": {"accounts": 3, "revenue": "85.00", "revenue_share": "0.850000"},
            "B": {"accounts": 2, "revenue": "12.00", "revenue_share": "0.120000"},
            "C": {"accounts": 1, "revenue": "3.00", "revenue_share": "0.030000"},
        },
        "total_revenue": "100.00",
        "customers": 6,
        "customers_to_80": 3,
        "customers_to_80_share": "0.500000",
        "top20_share": "0.550000",
    }


def test_tier_summary_as_text(make_accounts):
    make_accounts([50, 25, 10, 8, 4, 3])
    _call("recompute_tiers", "--as-of", "2026-06-30", "--method", "count")
    lines = _call("tier_summary").splitlines()
    run = TierRun.objects.get()
    assert lines == [
        f"Run {run.pk} as of 2026-06-30 (count, 365 days)",
        "tier    accounts             revenue     share",
        "A              2               75.00     75.0%",
        "B              1               10.00     10.0%",
        "C              3               15.00     15.0%",
        "Total revenue 100.00 from 6 customers; the top 3 (50.0%) bring 80%.",
    ]


def test_tier_summary_without_a_finished_run_fails_clearly(db):
    TierRunFactory(trigger="nightly", status="failed", error="x")
    with pytest.raises(CommandError, match="No tier recompute has finished yet"):
        _call("tier_summary", "--json")


def test_seed_demo_ends_with_tiers(db):
    # Without the earlier run (--previous-run-days 0) the one run is the first: every customer
    # gets its first tier. The default earlier run: tests/accounts/test_seed_demo.py.
    out = _call(
        "seed_demo", "--accounts", "60", "--orders-per-account", "4", "--previous-run-days", "0"
    )
    run = TierRun.objects.get()
    assert (run.trigger, run.status) == ("demo", "succeeded")
    assert f"tiers set (run {run.pk}" in out
    assert run.customers > 0
    assert run.changed_count == run.customers  # every customer got its first tier
    summary = json.loads(_call("tier_summary", "--json"))
    assert sum(t["accounts"] for t in summary["tiers"].values()) == run.customers
