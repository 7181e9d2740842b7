"""Today (`/today/`) for a rep with 5,000 accounts in a 1,000,000-account database: server
time of the page (in-process Django client, no network), beside a naive baseline that walks
the book account by account; the queries per request for that rep and for a rep with a small
book (the count must not grow with the book); and a manager's Today over the team.

`make bench BENCH_ARGS="today --no-write"`; `--today-accounts 20000` for a quick run (the
rep's book is still made 5,000 accounts: the rep's share of the database is moved to them
inside a transaction that is rolled back, as is the day's data the benchmark adds).
"""

import common

TITLE = "Today: a rep's day at 5,000 accounts"

# Runs inside Django against the seeded database; prints one JSON object.
SCRIPT = r"""
import datetime, json, os, random, sys, time
import django
django.setup()
from django.db import connection, transaction
from django.utils import timezone
from bench.common import page_getter, query_count, timed
from accounts.models import Account, Contact
from commitments.models import Commitment
from crm.models import User
from visits.models import Reminder, VisitPlan, Visit

BOOK = int(sys.argv[1])
rng = random.Random(18)
today = timezone.localdate()

def page(user):
    return page_getter(user, "/today/")

def naive(user):
    # What Today would cost written account by account: each section asked per account.
    rows = 0
    for account in Account.objects.filter(owner=user).order_by("id"):
        rows += VisitPlan.objects.filter(account=account, status="planned",
                                         planned_date__lte=today).count()
        rows += Commitment.objects.filter(account=account, owner=user, status="open",
                                          due_date__lte=today).count()
        rows += Reminder.objects.filter(account=account, recipient=user, status="open",
                                        kind__in=["gift", "greeting"]).count()
        last = Visit.objects.filter(account=account).order_by("-visit_date").first()
        rows += 1 if last is None else 0
    return rows

class Rollback(Exception):
    pass

out = {"accounts": Account.objects.count()}
rep = User.objects.get(username="rep")
small = User.objects.filter(role="rep").exclude(pk=rep.pk).order_by("username").first()
manager = User.objects.get(username="manager")
try:
    with transaction.atomic():
        # The rep's book: BOOK accounts (taken from other reps when the database is small).
        have = Account.objects.filter(owner=rep).count()
        if have < BOOK:
            extra = list(Account.objects.exclude(owner=rep).exclude(owner__role="manager")
                         .order_by("?").values_list("id", flat=True)[: BOOK - have])
            Account.objects.filter(id__in=extra).update(owner=rep)
        book = list(Account.objects.filter(owner=rep).values_list("id", flat=True))
        out["book"] = len(book)
        # The small rep keeps 50 accounts.
        keep = list(Account.objects.filter(owner=small).values_list("id", flat=True)[:50])
        Account.objects.filter(owner=small).exclude(id__in=keep).update(owner=rep)
        book = list(Account.objects.filter(owner=rep).values_list("id", flat=True))
        # A day's worth: plans today and overdue, commitments, birthdays, for both reps.
        for owner, ids in ((rep, book), (small, keep)):
            picks = rng.sample(ids, min(len(ids), 120))
            half = len(picks) // 2
            VisitPlan.objects.filter(account_id__in=picks).delete()
            plans = [VisitPlan(account_id=a, planned_date=today - datetime.timedelta(days=i % 5),
                               slot=rng.choice(["morning", "afternoon", "any"]))
                     for i, a in enumerate(picks[:half])]
            VisitPlan.objects.bulk_create(plans)
            Commitment.objects.bulk_create([
                Commitment(account_id=a, owner=owner, title=f"Promise {i}",
                           due_date=today - datetime.timedelta(days=i % 10))
                for i, a in enumerate(picks[half:])])
            contacts = list(Contact.objects.filter(account_id__in=picks)
                            .values_list("id", "account_id")[:40])
            Reminder.objects.bulk_create([
                Reminder(recipient=owner, kind="gift", subject=f"contact:{c}",
                         occasion_code="bench-today", date=today + datetime.timedelta(days=i % 7),
                         account_id=a, contact_id=c, remind_on=today)
                for i, (c, a) in enumerate(contacts)], ignore_conflicts=True)
        out["small_book"] = Account.objects.filter(owner=small).count()
        connection.cursor().execute("ANALYZE")
        out["load"] = os.getloadavg()[0]
        out["rep_ms"] = timed(page(rep), repeat=5) * 1000
        out["manager_ms"] = timed(page(manager), repeat=5) * 1000
        out["rep_queries"] = query_count(page(rep))
        out["small_queries"] = query_count(page(small))
        out["manager_queries"] = query_count(page(manager))
        started = time.perf_counter()
        naive(rep)
        out["naive_ms"] = (time.perf_counter() - started) * 1000
        raise Rollback
except Rollback:
    pass
print("BENCH-JSON " + json.dumps(out))
"""


def add_arguments(parser) -> None:
    parser.add_argument(
        "--today-accounts",
        type=int,
        default=1_000_000,
        help="accounts in the seeded database (default 1,000,000; 20000 for a quick run)",
    )
    parser.add_argument(
        "--today-book", type=int, default=5000, help="accounts of the measured rep (5,000)"
    )


def run(args) -> list[common.Row]:
    accounts = getattr(args, "today_accounts", 1_000_000)
    book = getattr(args, "today_book", 5000)
    # The accounts API benchmark's database (2 order lines per account): seeded once, shared.
    url = common.seeded_database(accounts, orders_per_account=2)
    m = common.run_script(SCRIPT, url, str(book))
    size = f"{m['book']:,} of {m['accounts']:,} accounts"
    same = m["rep_queries"] == m["small_queries"]
    return [
        common.Row(
            f"/today/ for a rep, {size} (vs asking each section per account)",
            m["rep_ms"],
            m["naive_ms"],
            "ms",
            "< 150 ms",
            m["rep_ms"] < 150,
            f"{m['rep_queries']} queries per request; a rep with {m['small_book']} accounts: "
            f"{m['small_queries']} ({'the same' if same else 'DIFFERENT'}); "
            f"load average {m['load']:.1f} when measured",
        ),
        common.Row(
            f"/today/ for a manager (team grouped by rep), {m['accounts']:,} accounts "
            "(vs the rep's naive walk)",
            m["manager_ms"],
            m["naive_ms"],
            "ms",
            "< 500 ms",
            m["manager_ms"] < 500,
            f"{m['manager_queries']} queries per request",
        ),
    ]
