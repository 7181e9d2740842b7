"""Full tier recompute on PostgreSQL against a naive per-account ORM loop, in the same run.

For each size a seeded database (`seed_demo`) is used. The first recompute on a fresh database
writes every tier (the accounts table's many indexes make that a one-off cost, reported apart);
the timed recomputes are the steady state, as the nightly job meets it: the as-of date moves a
day, every account is ranked again, a full snapshot is written, and only the accounts whose
tier changed are updated. Memory is the peak of Python allocations during one recompute
(tracemalloc) and the growth of the process's resident set.

The measuring runs in a child process set up for the seeded database (see `_child`).
"""

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import common  # noqa: E402

TITLE = "Scoring: full ABC tier recompute (set-based SQL) vs a naive per-account ORM loop"
SIZES = [
    # accounts, order lines per existing account, goal in seconds, naive sample (None: all)
    (100_000, 25.0, 3.0, None),
    (1_000_000, 12.0, 30.0, 40_000),
]


def _measure(url: str, accounts: int, sample: int | None) -> dict:
    result = subprocess.run(
        [common.PYTHON, str(Path(__file__).resolve()), "--child", str(sample or 0)],
        cwd=common.ROOT,
        env=common.django_env(url),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(args) -> list:
    rows: list[common.Row] = []
    peaks = {}
    for accounts, per_account, goal, sample in SIZES:
        url = common.seeded_database(accounts, orders_per_account=per_account)
        print(f"  measuring {accounts} accounts…", flush=True)
        got = _measure(url, accounts, sample)
        size = f"{accounts:,} accounts / {got['lines'] / 1e6:.1f}M lines"
        if got.get("first_run_s") is not None:
            rows.append(
                common.Row(
                    f"first recompute on this database (no earlier run), {size}",
                    got["first_run_s"],
                    None,
                    "s",
                    "one-off",
                    None,
                    f"{got['first_run_changed']:,} accounts written",
                )
            )
        note = f"median of {got['repeats']}, {got['changed']:,} tiers changed per run"
        if sample:
            note += (
                f"; naive loop measured on {got['naive_accounts']:,} accounts "
                f"({got['naive_sample_s']:.1f} s) and extrapolated to {accounts:,}"
            )
        recompute = common.Row(
            f"full recompute, {size}",
            got["recompute_s"],
            got["naive_s"],
            "s",
            f"< {goal:g} s, ≥ 20× naive",
            None,
            note,
        )
        recompute.ok = got["recompute_s"] < goal and (recompute.ratio or 0) >= 20
        rows.append(recompute)
        rows.append(
            common.Row(
                f"accounts written by a recompute that changes nothing, {size}",
                got["written_unchanged"],
                None,
                "rows",
                "0",
                got["written_unchanged"] == 0,
                "second recompute with the same as-of date",
            )
        )
        peaks[accounts] = got["peak_mib"]
        rows.append(
            common.Row(
                f"peak Python memory during a recompute, {size}",
                got["peak_mib"],
                None,
                "MiB",
                "flat in account count",
                None,
                f"resident set grew {got['rss_growth_mib']:.1f} MiB",
            )
        )
    small, big = peaks[SIZES[0][0]], peaks[SIZES[-1][0]]
    rows.append(
        common.Row(
            "peak memory, 1M accounts against 100k accounts",
            big,
            small,
            "MiB",
            "≤ 1.5× (flat)",
            big <= small * 1.5,
            "a ratio near 1 means memory does not grow with the account count",
        )
    )
    return rows


def _child(sample: int) -> None:
    """Runs in a child process with DJANGO_SETTINGS_MODULE and DATABASE_URL set."""
    import datetime
    import random
    import resource
    import time
    import tracemalloc
    from decimal import Decimal

    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Sum
    from django.utils import timezone

    from accounts.models import Account, Order
    from scoring.models import TierRun, TierSnapshot
    from scoring.services import tiers_recompute

    def rss_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    today = timezone.localdate()
    out: dict = {"first_run_s": None}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {Order._meta.db_table}")
        out["lines"] = cursor.fetchone()[0]

    if not TierRun.objects.succeeded().exists():
        started = time.perf_counter()
        first = tiers_recompute(trigger="cli", as_of=today)
        out["first_run_s"] = time.perf_counter() - started
        out["first_run_changed"] = first.changed_count
    # Keep the benchmark database small: only the latest run's snapshot (not timed).
    latest = TierRun.objects.latest_succeeded()
    TierSnapshot.objects.exclude(run=latest).delete()
    TierRun.objects.exclude(pk=latest.pk).delete()

    # Statistics and the visibility map, as autovacuum keeps them in a live database (the
    # seeded tables were just bulk-loaded). Not timed.
    with connection.cursor() as cursor:
        for model in (Order, Account, TierSnapshot):
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")

    # Steady state: the as-of date moves a day at a time, as the nightly job sees it.
    times, changed = [], []
    for days_back in (3, 2, 1):
        as_of = today - datetime.timedelta(days=days_back)
        started = time.perf_counter()
        run = tiers_recompute(trigger="cli", as_of=as_of)
        times.append(time.perf_counter() - started)
        changed.append(run.changed_count)
    out["recompute_s"] = sorted(times)[len(times) // 2]
    out["repeats"] = len(times)
    out["changed"] = sorted(changed)[len(changed) // 2]

    # Nothing changed: the same as-of date again writes no account.
    tiers_recompute(trigger="cli", as_of=today)
    stamp = Account.objects.order_by("-tier_updated_at").values_list("tier_updated_at").first()
    tracemalloc.start()
    rss_before = rss_mib()
    again = tiers_recompute(trigger="cli", as_of=today)
    out["peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    out["rss_growth_mib"] = rss_mib() - rss_before
    assert (
        Account.objects.order_by("-tier_updated_at").values_list("tier_updated_at").first() == stamp
    )
    out["written_unchanged"] = again.changed_count

    # The naive loop: one query per account, ranks in Python, one write per account.
    all_ids = list(Account.objects.order_by("id").values_list("id", flat=True))
    ids = sorted(random.Random(1).sample(all_ids, sample)) if sample else all_ids
    population = Account.objects.filter(id__in=ids) if sample else Account.objects.all()
    date_from = today - datetime.timedelta(days=364)
    started = time.perf_counter()
    with transaction.atomic():
        revenue = []
        for account in population.only("id", "tier").iterator():
            total = Order.objects.filter(
                account_id=account.id, date__gte=date_from, date__lte=today
            ).aggregate(total=Sum("amount"))["total"]
            if total is not None:
                revenue.append((account, total))
        revenue.sort(key=lambda pair: (-pair[1], pair[0].id))
        grand = sum((max(total, Decimal(0)) for _a, total in revenue), Decimal(0))
        run = TierRun.objects.create(trigger="cli", status="running")
        before = Decimal(0)
        previous_total, group_before = None, Decimal(0)
        for position, (account, total) in enumerate(revenue, 1):
            if total != previous_total:
                group_before, previous_total = before, total
            share = group_before / grand if grand else Decimal(0)
            tier = "C" if total <= 0 else "A" if share < 0.8 else "B" if share < 0.95 else "C"
            before += max(total, Decimal(0))
            TierSnapshot.objects.create(
                run=run, account=account, position=position, revenue=total, tier=tier
            )
            if account.tier != tier:
                Account.objects.filter(pk=account.pk).update(
                    tier=tier, tier_updated_at=timezone.now()
                )
        transaction.set_rollback(True)  # measure only; keep the database as it was
    naive = time.perf_counter() - started
    out["naive_accounts"] = len(ids)
    out["naive_sample_s"] = naive
    out["naive_s"] = naive * len(all_ids) / len(ids)
    print(json.dumps(out))


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--child":
    _child(int(sys.argv[2]))
