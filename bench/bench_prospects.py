"""Prospects at 100k accounts: the current-worksheet read scoring uses, the per-rep pipeline
counts, the board and list pages, and the demo loader — each beside a naive baseline.

`make bench BENCH_ARGS="prospects --no-write"`; `BENCH_PROSPECTS_ACCOUNTS` changes the size.
"""

import os

import common

TITLE = "Prospects: current worksheets, pipeline counts, board, demo loader"
ACCOUNTS = int(os.environ.get("BENCH_PROSPECTS_ACCOUNTS", "100000"))

# Runs inside Django against the seeded database; prints one JSON object.
SCRIPT = r"""
import json, statistics, time
import django
django.setup()
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from crm.models import User
from accounts.models import Account
from prospects import selectors, demo
from prospects.models import Prospect, Worksheet
import random, io

def timed(fn, repeat=3):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)

out = {}
out["worksheets"] = Worksheet.objects.count()
out["prospects"] = Prospect.objects.count()

# 1. Current worksheet totals: the flag (one index scan) vs DISTINCT ON over the history.
out["latest_flag"] = timed(lambda: len(list(selectors.latest_worksheet_totals())))
def distinct_on():
    return len(list(Worksheet.objects.order_by("account_id", "-filled_at", "-id")
                    .distinct("account_id").values("account_id", "total")))
out["latest_distinct_on"] = timed(distinct_on)
assert len(list(selectors.latest_worksheet_totals())) == distinct_on()

admin = User.objects.get(username="admin")
manager = User.objects.get(username="manager")
rep = User.objects.get(username="rep")

# 2. Per-rep counts: one grouped query vs a count per rep and colour.
out["counts_grouped"] = timed(lambda: selectors.pipeline_counts_by_rep(user=admin))
def counts_naive():
    rows = []
    for r in User.objects.filter(role="rep"):
        rows.append([Prospect.objects.active().filter(account__owner=r, colour=c).count()
                     for c in ("green", "yellow", "red")])
    return rows
out["counts_naive"] = timed(counts_naive)
out["reps"] = User.objects.filter(role="rep").count()

# 3. Pages: the board and the list for the manager and the admin.
def page(user, url):
    client = Client()
    client.force_login(user)
    def get():
        response = client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (url, response.status_code)
    return get
out["board_manager"] = timed(page(manager, "/prospects/"))
out["board_admin"] = timed(page(admin, "/prospects/"))
out["list_admin_score"] = timed(page(admin, "/prospects/list/?sort=-score"))
out["coverage_admin"] = timed(page(admin, "/prospects/coverage/"))
out["team_admin"] = timed(page(admin, "/prospects/team/"))
out["accounts_manager"] = timed(page(manager, "/accounts/"))
out["accounts_admin"] = timed(page(admin, "/accounts/"))

# 4. The demo loader (COPY) vs saving rows one by one, per prospect row; rolled back.
ids = list(Account.objects.order_by("id").values_list("id", flat=True))
class Rollback(Exception):
    pass
try:
    with transaction.atomic():
        Worksheet.objects.all().delete()
        Prospect.objects.all().delete()
        started = time.perf_counter()
        demo.seed(rng=random.Random(7), account_ids=ids, options={"worksheet_accounts": 3000},
                  stdout=io.StringIO())
        out["demo_seconds"] = time.perf_counter() - started
        out["demo_prospects"] = Prospect.objects.count()
        out["demo_worksheets"] = Worksheet.objects.count()
        raise Rollback
except Rollback:
    pass
sample = list(Account.objects.filter(prospect__isnull=True).values_list("id", flat=True)[:500])
try:
    with transaction.atomic():
        started = time.perf_counter()
        for aid in sample:
            Prospect(account_id=aid, colour="green").save()
        out["orm_seconds_per_row"] = (time.perf_counter() - started) / max(1, len(sample))
        raise Rollback
except Rollback:
    pass
print("BENCH-JSON " + json.dumps(out))
"""


def run(args) -> list[common.Row]:
    url = common.seeded_database(ACCOUNTS)
    m = common.run_script(SCRIPT, url)
    n = f"{ACCOUNTS:,} accounts"
    per_row = m["demo_seconds"] / max(1, m["demo_prospects"] + m["demo_worksheets"])
    return [
        common.Row(
            f"latest_worksheet_totals, {m['worksheets']:,} worksheets (vs DISTINCT ON)",
            m["latest_flag"] * 1000,
            m["latest_distinct_on"] * 1000,
            "ms",
            "faster than DISTINCT ON",
            m["latest_flag"] < m["latest_distinct_on"],
        ),
        common.Row(
            f"pipeline_counts_by_rep, {m['reps']} reps (vs a count per rep and colour)",
            m["counts_grouped"] * 1000,
            m["counts_naive"] * 1000,
            "ms",
            "< 500 ms",
            m["counts_grouped"] < 0.5,
        ),
        common.Row(
            f"board page, manager, {n} (vs the accounts list)",
            m["board_manager"] * 1000,
            m["accounts_manager"] * 1000,
            "ms",
            "< 1000 ms",
            m["board_manager"] < 1.0,
        ),
        common.Row(
            f"board page, admin, {n} (vs the accounts list)",
            m["board_admin"] * 1000,
            m["accounts_admin"] * 1000,
            "ms",
            "< 1500 ms",
            m["board_admin"] < 1.5,
        ),
        common.Row(
            f"prospect list by score, admin, {n} (vs the accounts list)",
            m["list_admin_score"] * 1000,
            m["accounts_admin"] * 1000,
            "ms",
            "< 1500 ms",
            m["list_admin_score"] < 1.5,
        ),
        common.Row(
            f"coverage page, admin, {n} (vs the accounts list)",
            m["coverage_admin"] * 1000,
            m["accounts_admin"] * 1000,
            "ms",
            "< 1500 ms",
            m["coverage_admin"] < 1.5,
        ),
        common.Row(
            f"team page, admin, {n} (vs the accounts list)",
            m["team_admin"] * 1000,
            m["accounts_admin"] * 1000,
            "ms",
            "< 1000 ms",
            m["team_admin"] < 1.0,
        ),
        common.Row(
            f"demo loader per row, {m['demo_prospects']:,} prospects + "
            f"{m['demo_worksheets']:,} worksheets, per 1,000 rows (vs ORM save per row)",
            per_row * 1_000_000,
            m["orm_seconds_per_row"] * 1_000_000,
            "ms",
            "≥ 10× faster than save()",
            per_row * 10 <= m["orm_seconds_per_row"],
        ),
    ]
