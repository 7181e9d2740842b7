"""The deals board (`/opportunities/board/`) for a rep with 500 open deals, among 20,000 deals
of other reps, in a seeded database: server time of the page (in-process Django client, no
network) beside a naive baseline that reads each column's deals and adds them up in Python,
loading each card's account and owner one by one; and the queries per request for that rep and
for a rep with 5 deals (the count must not grow with the deals).

`make bench BENCH_ARGS="board --no-write"`; `--board-accounts 20000` for a quick run. The deals
are added inside a transaction that is rolled back.
"""

import common

TITLE = "Deals board: a rep with 500 open deals"

# Runs inside Django against the seeded database; prints one JSON object.
SCRIPT = r"""
import datetime, json, os, random, sys, time
from decimal import Decimal
import django
django.setup()
from django.db import connection, transaction
from django.utils import timezone
from bench.common import page_getter, query_count, timed
from accounts.models import Account
from crm.models import User
from opportunities.models import Opportunity, Stage

DEALS = int(sys.argv[1])
OTHERS = int(sys.argv[2])
rng = random.Random(19)
today = timezone.localdate()

def page(user):
    return page_getter(user, "/opportunities/board/")

def naive(user):
    # The board written column by column: every deal of each column read, summed in Python,
    # each card's account and owner loaded on their own.
    since = today - datetime.timedelta(days=90)
    columns = []
    for stage in Stage.objects.all():
        deals = Opportunity.objects.filter(owner=user, stage=stage)
        if stage.is_won or stage.is_lost:
            deals = deals.filter(closed_on__gte=since)
        else:
            deals = deals.filter(status="open")
        total = weighted = Decimal(0)
        cards = []
        for deal in deals.order_by("close_date", "id"):
            total += deal.amount
            weighted += deal.amount * deal.win_probability / 100
            if len(cards) < 50:
                cards.append((deal.name, deal.account.name, deal.owner.username))
        columns.append((stage.pk, total, weighted, cards))
    return columns

def deals_for(owner, accounts, n, stages, closed):
    rows = []
    for i in range(n):
        stage = stages[i % len(stages)]
        rows.append(Opportunity(
            account_id=accounts[i % len(accounts)], owner=owner, name=f"Bench deal {i}",
            amount=Decimal(rng.randrange(1000, 5_000_000)), stage=stage, status=stage.status,
            close_date=today + datetime.timedelta(days=rng.randrange(-20, 200)),
            closed_on=(today - datetime.timedelta(days=rng.randrange(0, 300))
                       if stage.is_closed else None),
            loss_reason_id=closed.get("reason") if stage.is_lost else None,
        ))
    Opportunity.objects.bulk_create(rows, batch_size=5000)

class Rollback(Exception):
    pass

out = {"accounts": Account.objects.count()}
rep = User.objects.get(username="rep")
small = User.objects.filter(role="rep").exclude(pk=rep.pk).order_by("username").first()
try:
    with transaction.atomic():
        from opportunities.models import LossReason
        reason = LossReason.objects.order_by("id").values_list("id", flat=True).first()
        stages = list(Stage.objects.filter(is_active=True))
        open_stages = [s for s in stages if not s.is_closed]
        closed_stages = [s for s in stages if s.is_closed]
        book = list(Account.objects.filter(owner=rep).values_list("id", flat=True)[:500])
        deals_for(rep, book, DEALS, open_stages, {})
        deals_for(rep, book, 200, closed_stages, {"reason": reason})
        small_book = list(Account.objects.filter(owner=small).values_list("id", flat=True)[:5])
        deals_for(small, small_book, 5, open_stages, {})
        others = list(User.objects.filter(role="rep").exclude(pk__in=[rep.pk, small.pk])[:50])
        for i, other in enumerate(others):
            ids = list(Account.objects.filter(owner=other).values_list("id", flat=True)[:200])
            if ids:
                deals_for(other, ids, OTHERS // max(1, len(others)), stages, {"reason": reason})
        out["deals"] = Opportunity.objects.count()
        out["rep_open"] = Opportunity.objects.filter(owner=rep, status="open").count()
        connection.cursor().execute("ANALYZE")
        out["load"] = os.getloadavg()[0]
        out["rep_ms"] = timed(page(rep), repeat=7, warm=True) * 1000
        out["rep_queries"] = query_count(page(rep))
        out["small_queries"] = query_count(page(small))
        out["naive_ms"] = timed(lambda: naive(rep), repeat=3, warm=True) * 1000
        raise Rollback
except Rollback:
    pass
print("BENCH-JSON " + json.dumps(out))
"""


def add_arguments(parser) -> None:
    parser.add_argument(
        "--board-accounts",
        type=int,
        default=100_000,
        help="accounts in the seeded database (default 100,000; 20000 for a quick run)",
    )
    parser.add_argument(
        "--board-deals", type=int, default=500, help="open deals of the measured rep (500)"
    )
    parser.add_argument(
        "--board-other-deals",
        type=int,
        default=20_000,
        help="deals of other reps in the table (20,000)",
    )


def run(args) -> list[common.Row]:
    accounts = getattr(args, "board_accounts", 100_000)
    deals = getattr(args, "board_deals", 500)
    others = getattr(args, "board_other_deals", 20_000)
    url = common.seeded_database(accounts)
    m = common.run_script(SCRIPT, url, str(deals), str(others))
    same = m["rep_queries"] == m["small_queries"]
    return [
        common.Row(
            f"/opportunities/board/ for a rep with {m['rep_open']:,} open deals, "
            f"{m['deals']:,} deals in all (vs each column read and summed in Python)",
            m["rep_ms"],
            m["naive_ms"],
            "ms",
            "< 300 ms",
            m["rep_ms"] < 300,
            f"{m['rep_queries']} queries per request; a rep with 5 deals: "
            f"{m['small_queries']} ({'the same' if same else 'DIFFERENT'}); "
            f"load average {m['load']:.1f} when measured",
        ),
    ]
