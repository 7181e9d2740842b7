"""Receivables: the aging (`receivables.selectors.aging`) over 1M plan entries company-wide
(an admin) and for one team (a manager), beside a naive baseline that reads every entry and
its allocations into Python and buckets them there; and a payments import of 100k rows
(`import_payments` through the pipeline) beside the same rows recorded one by one through the
service without the pipeline.

`make bench BENCH_ARGS="receivables --no-write"`; `--receivables-entries 100000
--receivables-payments 10000` for a quick run. Contracts, entries and payments are written
with set-based SQL inside a transaction that is rolled back (the import is measured in a
database of its own rows and cleaned afterwards).
"""

import json
import subprocess

import common

TITLE = "Receivables: aging over 1M plan entries, payments import of 100k rows"

SCRIPT = r"""
import csv, datetime, json, os, statistics, sys, tempfile, time
from decimal import Decimal
import django
django.setup()
from django.db import connection, transaction
from django.utils import timezone
from crm.models import User
from receivables.models import Contract, PlanEntry, PaymentAllocation
from receivables.selectors import aging

ENTRIES = int(sys.argv[1])
PAYMENTS = int(sys.argv[2])
today = timezone.localdate()

def timed(fn, repeat=5):
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)

def naive(user):
    # Every entry and every allocation read into Python, due dates and buckets computed there.
    from django.db.models import Sum
    paid = dict(PaymentAllocation.objects.values_list("entry_id").annotate(s=Sum("amount")))
    buckets = {}
    rows = PlanEntry.objects.filter(contract__status="active").values_list(
        "id", "amount", "due_date", "event", "days_after", "contract__owner_id",
        "contract__signed_on", "contract__delivered_on", "contract__accepted_on")
    for pk, amount, due, event, days_after, owner, signed, delivered, accepted in rows.iterator():
        if due is None:
            base = {"signing": signed, "delivery": delivered, "acceptance": accepted}.get(event)
            due = base + datetime.timedelta(days=days_after) if base else None
        days = (today - due).days if due else 0
        key = (owner, max(0, min(days // 30, 4)))
        buckets[key] = buckets.get(key, Decimal(0)) + amount - paid.get(pk, Decimal(0))
    return buckets

class Rollback(Exception):
    pass

out = {}
admin = User.objects.filter(role="admin").order_by("pk").first()
manager = User.objects.filter(role="manager").order_by("pk").first()
try:
    with transaction.atomic():
        contracts = ENTRIES // 3
        with connection.cursor() as cur:
            cur.execute(
                "WITH a AS (SELECT id, owner_id, row_number() OVER (ORDER BY id) - 1 AS n "
                "FROM accounts_account), k AS (SELECT count(*) AS total FROM a) "
                "INSERT INTO receivables_contract (account_id, number, title, signed_on, amount, "
                "delivered_on, owner_id, status, notes, created_at, updated_at) "
                "SELECT a.id, 'B-' || g, '', %s - (g %% 700), 3000, %s - (g %% 600), a.owner_id, "
                "'active', '', now(), now() FROM generate_series(1, %s) g CROSS JOIN k "
                "JOIN a ON a.n = g %% k.total",
                [today, today, contracts],
            )
            cur.execute(
                "INSERT INTO receivables_planentry (contract_id, position, label, amount, "
                "event, days_after) SELECT c.id, p, '', 1000, "
                "CASE p WHEN 1 THEN 'signing' WHEN 2 THEN 'delivery' ELSE 'acceptance' END, "
                "p * 30 FROM receivables_contract c CROSS JOIN generate_series(1, 3) p "
                "WHERE c.number LIKE 'B-%%'"
            )
            cur.execute(
                "INSERT INTO receivables_payment (account_id, contract_id, received_on, amount, "
                "reference, is_advance, notes, created_at) SELECT c.account_id, c.id, %s, 1000, "
                "'', false, '', now() FROM receivables_contract c WHERE c.number LIKE 'B-%%' "
                "AND c.id %% 2 = 0",
                [today],
            )
            cur.execute(
                "INSERT INTO receivables_paymentallocation (payment_id, entry_id, amount) "
                "SELECT p.id, e.id, 1000 FROM receivables_payment p JOIN receivables_planentry e "
                "ON e.contract_id = p.contract_id AND e.position = 1"
            )
            cur.execute("ANALYZE")
        out["entries"] = PlanEntry.objects.count()
        out["load"] = os.getloadavg()[0]
        out["company_ms"] = timed(lambda: aging(admin, group_by="rep", as_of=today)) * 1000
        out["team_ms"] = timed(lambda: aging(manager, group_by="rep", as_of=today)) * 1000
        out["naive_ms"] = timed(lambda: naive(admin), repeat=1) * 1000
        # The import: PAYMENTS rows over the contracts above, through the pipeline.
        numbers = list(
            Contract.objects.filter(number__startswith="B-")
            .values_list("number", flat=True)[:PAYMENTS]
        )
        path = os.path.join(tempfile.mkdtemp(), "payments.csv")
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["合同编号", "回款日期", "回款金额"])
            for i in range(PAYMENTS):
                w.writerow([numbers[i % len(numbers)], today.isoformat(), "1.00"])
        from django.core.management import call_command
        import io
        started = time.perf_counter()
        call_command("import_payments", path, "--user", admin.username, stdout=io.StringIO())
        out["import_s"] = time.perf_counter() - started
        out["rows"] = PAYMENTS
        raise Rollback
except Rollback:
    pass
print("BENCH-JSON " + json.dumps(out))
"""


def add_arguments(parser) -> None:
    parser.add_argument(
        "--receivables-accounts",
        type=int,
        default=100_000,
        help="accounts in the seeded database (default 100,000)",
    )
    parser.add_argument(
        "--receivables-entries", type=int, default=1_000_000, help="plan entries (1,000,000)"
    )
    parser.add_argument(
        "--receivables-payments", type=int, default=100_000, help="payment rows imported (100,000)"
    )


def run(args) -> list[common.Row]:
    accounts = getattr(args, "receivables_accounts", 100_000)
    entries = getattr(args, "receivables_entries", 1_000_000)
    payments = getattr(args, "receivables_payments", 100_000)
    url = common.seeded_database(accounts)
    result = subprocess.run(
        [common.PYTHON, "-c", SCRIPT, str(entries), str(payments)],
        cwd=common.ROOT,
        env=common.django_env(url),
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCH-JSON "))
    m = json.loads(line.removeprefix("BENCH-JSON "))
    note = f"load average {m['load']:.1f} when measured"
    return [
        common.Row(
            f"aging company-wide, {m['entries']:,} plan entries (vs read and bucketed in Python)",
            m["company_ms"],
            m["naive_ms"],
            "ms",
            "< 1000 ms",
            m["company_ms"] < 1000,
            note,
        ),
        common.Row(
            f"aging for one team, {m['entries']:,} plan entries (vs the same naive read)",
            m["team_ms"],
            m["naive_ms"],
            "ms",
            "< 200 ms",
            m["team_ms"] < 200,
            note,
        ),
        common.Row(
            f"import_payments, {m['rows']:,} rows",
            m["import_s"],
            None,
            "s",
            "< 10 s",
            m["import_s"] < 10,
            note,
        ),
    ]
