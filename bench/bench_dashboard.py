"""The manager dashboard (issue 7): server time of the page and of the API for a manager's team
on a seeded database (`seed_demo`: 100k accounts, ~2M order lines, ~500k visits by default),
against a naive baseline measured in the same run: the same KPIs and tier figures computed by a
per-account ORM loop over the team's book (measured on a sample, extrapolated).

Timed in a child process through Django's test client (the full request: middleware, the
visibility rule, every figure, the template), after one warm-up request. "cold" clears the cache
before each request (every figure read from the database); "warm" is the steady state, where
the snapshot figures come from the cache until the next recompute. Also reported: SQL queries
per request (constant in the account count).
"""

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import common  # noqa: E402

TITLE = "Manager dashboard: server time for a manager's team vs a naive per-account loop"
GOAL_MS = 300


def add_arguments(parser) -> None:
    group = parser.add_argument_group("dashboard")
    group.add_argument("--dash-accounts", type=int, default=100_000, help="seeded accounts")
    group.add_argument(
        "--dash-orders-per-account", type=float, default=25.0, help="order lines per account"
    )
    group.add_argument("--dash-repeat", type=int, default=5, help="timed requests per case")
    group.add_argument(
        "--dash-naive-sample", type=int, default=500, help="accounts timed by the naive loop"
    )


def run(args) -> list:
    accounts = args.dash_accounts
    url = common.seeded_database(accounts, orders_per_account=args.dash_orders_per_account)
    print(f"  measuring the dashboard on {accounts:,} accounts…", flush=True)
    # The production shape: the figures' cache in Redis (cold: emptied before a request).
    redis_url = common.bench_redis()
    extra = {"REDIS_URL": redis_url} if redis_url else {}
    result = subprocess.run(
        [
            common.PYTHON,
            str(Path(__file__).resolve()),
            "--child",
            str(args.dash_repeat),
            str(args.dash_naive_sample),
        ],
        cwd=common.ROOT,
        env=common.django_env(url, **extra),
        check=True,
        capture_output=True,
        text=True,
    )
    got = json.loads(result.stdout.strip().splitlines()[-1])
    size = (
        f"{got['accounts']:,} accounts / {got['orders'] / 1e6:.1f}M orders / "
        f"{got['visits'] / 1e3:.0f}k visits; team of {got['team_accounts']:,} accounts"
    )
    rows = []
    for case, label in (
        ("page_cold", "page /dashboard/, cold cache"),
        ("page_warm", "page /dashboard/, warm cache"),
        ("api_cold", "API: all 10 figures, cold cache"),
    ):
        row = common.Row(
            f"{label}, {size}",
            got[case],
            got["naive_ms"],
            "ms",
            f"< {GOAL_MS} ms",
            None,
            f"median of {got['repeat']}; {got[case + '_queries']} SQL queries; naive loop "
            f"measured on {got['naive_sample']:,} accounts ({got['naive_sample_ms']:.0f} ms) "
            "and extrapolated to the team; "
            + ("cache in Redis" if redis_url else "no Redis: a memory cache"),
        )
        row.ok = got[case] < GOAL_MS
        rows.append(row)
    return rows


def _child(repeat: int, sample: int) -> None:
    """Runs with DJANGO_SETTINGS_MODULE and DATABASE_URL set (see `run`)."""
    import datetime
    import random
    import time

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count, Sum
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import Account, Order
    from crm.models import Team, User
    from scoring.dashboard.selectors import FIGURES
    from scoring.models import TierRun
    from scoring.services import tiers_recompute
    from visits.models import Visit

    settings.ALLOWED_HOSTS = ["*"]
    out: dict = {"repeat": repeat}
    out["accounts"] = Account.objects.count()
    out["orders"] = Order.objects.count()
    out["visits"] = Visit.objects.count()
    if not TierRun.objects.succeeded().exists():
        tiers_recompute(trigger="cli", as_of=timezone.localdate())
    # The biggest team's manager.
    team = (
        Team.objects.filter(manager__isnull=False)
        .annotate(n=Count("members__accounts"))
        .order_by("-n")
        .first()
    )
    manager = team.manager
    members = [*User.objects.filter(team=team).values_list("pk", flat=True), manager.pk]
    book = Account.objects.filter(owner_id__in=members)
    out["team_accounts"] = book.count()

    client = Client()
    client.force_login(manager)

    def measure(fn, *, cold: bool) -> tuple[float, int]:
        fn()  # warm-up (connections, templates, the session)
        times, queries = [], 0
        for _ in range(repeat):
            if cold:
                cache.clear()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                fn()
                times.append((time.perf_counter() - started) * 1000)
            queries = len(captured)
        return sorted(times)[len(times) // 2], queries

    def page():
        response = client.get(reverse("dashboard"))
        assert response.status_code == 200, response.status_code

    def api():
        for figure in FIGURES:
            response = client.get(reverse(f"dashboard-api:{figure}"))
            assert response.status_code == 200, (figure, response.status_code)

    out["page_cold"], out["page_cold_queries"] = measure(page, cold=True)
    out["page_warm"], out["page_warm_queries"] = measure(page, cold=False)
    out["api_cold"], out["api_cold_queries"] = measure(api, cold=True)

    # Naive: per account, this and the previous period's revenue, its tier and its visits.
    today = timezone.localdate()
    date_from = today - datetime.timedelta(days=29)
    previous_from = date_from - datetime.timedelta(days=30)
    ids = list(book.values_list("pk", flat=True))
    chosen = sorted(random.Random(1).sample(ids, min(sample, len(ids))))
    started = time.perf_counter()
    for account in Account.objects.filter(pk__in=chosen).only("id", "tier").iterator():
        Order.objects.filter(account_id=account.id, date__gte=date_from, date__lte=today).aggregate(
            s=Sum("amount")
        )
        Order.objects.filter(
            account_id=account.id, date__gte=previous_from, date__lt=date_from
        ).aggregate(s=Sum("amount"))
        Order.objects.filter(account_id=account.id, date__lt=date_from).exists()
        Visit.objects.filter(account_id=account.id, visit_date__gte=date_from).aggregate(
            m=Sum("duration_minutes")
        )
    out["naive_sample"] = len(chosen)
    out["naive_sample_ms"] = (time.perf_counter() - started) * 1000
    out["naive_ms"] = out["naive_sample_ms"] * len(ids) / max(len(chosen), 1)
    print(json.dumps(out))


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--child":
    _child(int(sys.argv[2]), int(sys.argv[3]))
