"""The forecast (`/api/v1/forecast/`: the quarter per rep, team and company against targets,
and what changed since last week) over 1,000,000 opportunities: server time (in-process
Django client, no network) for the whole company (an admin) and for one team (an admin
narrowing to it, and the team's manager through the visibility rule), cold (the first request
for the quarter in a fresh process, warmed only on a quarter without deals; nothing cached by
the app) and warm
(median of 5), beside a baseline that reads the quarter's deals row by row and sums them in
Python; the queries per request for the company and for a rep with a handful of deals (the
count must not grow with the data).

`make bench BENCH_ARGS="forecast --no-write"`; `--forecast-deals 100000` for a quick run. The
database (`<BENCH_DB_PREFIX>_forecast_<deals>`) holds seed_demo's 50,000 accounts and 200
reps in 25 teams, and the deals written set-based (close dates over two years around today,
every stage and category, a creation row in the change history for each, and a change in the
last two weeks for three in ten); it is kept between runs.
"""

import time

import common

TITLE = "Forecast: the quarter over 1,000,000 opportunities"
ACCOUNTS = 50_000
REPS = 200

DEALS_SQL = """
WITH a AS (
    SELECT id, owner_id, row_number() OVER (ORDER BY id) AS rn FROM accounts_account
), s AS (
    SELECT id, is_won, is_lost, row_number() OVER (ORDER BY position, id) - 1 AS rn,
           count(*) OVER () AS n
    FROM opportunities_stage WHERE is_active
), g AS (
    SELECT g, (SELECT count(*) FROM a) AS accounts, (SELECT max(n) FROM s) AS stages
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
)
INSERT INTO opportunities_opportunity (
    account_id, owner_id, name, kind, amount, close_date, stage_id, probability, category,
    status, closed_on, source, product_lines, competitors, next_step, close_note,
    description, created_at, updated_at
)
SELECT a.id, a.owner_id, 'Deal ' || g.g, 'new', ((g.g * 7919) %% 200000 + 1000)::numeric,
       current_date + ((g.g * 104729) %% 730 - 365)::int,
       s.id, CASE WHEN g.g %% 5 = 0 THEN (g.g %% 101)::int END,
       (ARRAY['commit', 'best_case', 'pipeline', 'omitted'])[g.g %% 4 + 1],
       CASE WHEN s.is_won THEN 'won' WHEN s.is_lost THEN 'lost' ELSE 'open' END,
       CASE WHEN s.is_won OR s.is_lost THEN current_date + ((g.g * 104729) %% 730 - 365)::int END,
       'other', '', '', '', '', '',
       now() - make_interval(days => (g.g %% 400)::int), now()
FROM g
JOIN a ON a.rn = 1 + g.g %% g.accounts
JOIN s ON s.rn = (g.g / 7) %% g.stages
"""

CHANGES_SQL = """
INSERT INTO opportunities_opportunitychange (
    opportunity_id, kind, changed_at, stage_after_id, status_before, status_after,
    amount_after, close_date_after
)
SELECT id, 'created', created_at, stage_id, '', status, amount, close_date
FROM opportunities_opportunity WHERE id > %(after)s;
INSERT INTO opportunities_opportunitychange (
    opportunity_id, kind, changed_at, stage_before_id, stage_after_id, status_before,
    status_after, amount_before, amount_after, close_date_before, close_date_after
)
SELECT id, 'changed',
       now() - make_interval(days => (id %% 14)::int, mins => (id %% 1440)::int),
       stage_id, stage_id, status, status, round(amount * 0.9, 2), amount,
       close_date - (id %% 60)::int,
       close_date
FROM opportunities_opportunity WHERE id > %(after)s AND id %% 10 < 3;
"""


def forecast_database(deals: int) -> str:
    """A kept database of seed_demo's accounts and `deals` opportunities (written when
    missing, in chunks)."""
    import psycopg

    name = f"{common.DB_PREFIX}_forecast_{deals}"
    url = common.database_url(name)
    with psycopg.connect(common.database_url("postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    common.manage(url, "migrate", "--noinput")
    with psycopg.connect(url) as conn:
        accounts = conn.execute("SELECT count(*) FROM accounts_account").fetchone()[0]
    if accounts < ACCOUNTS:
        print(f"  seeding {ACCOUNTS} accounts into {name} (once)…", flush=True)
        common.manage(
            url,
            "seed_demo",
            "--accounts",
            str(ACCOUNTS - accounts),
            "--reps",
            str(REPS),
            "--orders-per-account",
            "1",
        )
    with psycopg.connect(url, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM opportunities_opportunity").fetchone()[0]
        if have < deals:
            print(f"  writing {deals - have:,} opportunities into {name} (once)…", flush=True)
            started = time.monotonic()
            chunk = 250_000
            for first in range(have + 1, deals + 1, chunk):
                last = min(first + chunk - 1, deals)
                after = conn.execute(
                    "SELECT coalesce(max(id), 0) FROM opportunities_opportunity"
                ).fetchone()[0]
                with conn.transaction():
                    conn.execute(DEALS_SQL, {"first": first, "last": last})
                    for statement in CHANGES_SQL.split(";"):
                        if statement.strip():
                            conn.execute(statement, {"after": after})
            conn.execute("VACUUM ANALYZE")
            print(f"  written in {time.monotonic() - started:.0f}s", flush=True)
    return url


# Runs inside Django against the database; prints one JSON object.
SCRIPT = r"""
import json, os, sys, time
from decimal import Decimal
import django
django.setup()
from django.db.models import Count
from django.utils import timezone
from bench.common import page_getter, query_count, timed
from crm.models import Team, User
from opportunities.models import Opportunity
from opportunities.targets import period_bounds

admin = User.objects.get(username="admin")
manager = User.objects.get(username="manager")
team = Team.objects.get(manager=manager)
# A rep with the fewest deals: the query count must be the same as for the company.
small = (User.objects.filter(role="rep").annotate(n=Count("opportunities"))
         .order_by("n", "pk").first())

def request(user, **params):
    return page_getter(user, "/api/v1/forecast/", period="quarter", **params)

def measure(get):
    started = time.perf_counter()
    get()
    cold = time.perf_counter() - started
    return cold * 1000, timed(get, repeat=5) * 1000

def naive():
    # The quarter written row by row: every deal read with its stage, summed in Python.
    start, end = period_bounds("quarter", timezone.localdate())
    sums = {}
    for deal in (Opportunity.objects.filter(close_date__gte=start, close_date__lt=end)
                 .select_related("stage", "owner").iterator(chunk_size=2000)):
        key = (deal.owner.team_id, deal.owner_id)
        row = sums.setdefault(key, [Decimal(0), Decimal(0)])
        row[0] += deal.amount
        if deal.status == "open":
            row[1] += deal.amount * deal.win_probability / 100
    return len(sums)

# The process itself warmed (URLs, serializers, the first connection) on a quarter without
# deals: "cold" below is the first request for the measured quarter, nothing cached by the app.
request(admin, period_start="1990-01-01")()
out = {"deals": Opportunity.objects.count(), "load": os.getloadavg()[0]}
start, end = period_bounds("quarter", timezone.localdate())
out["quarter_deals"] = Opportunity.objects.filter(close_date__gte=start, close_date__lt=end).count()
out["team_deals"] = Opportunity.objects.filter(
    close_date__gte=start, close_date__lt=end, owner__team=team).count()
out["company_cold_ms"], out["company_ms"] = measure(request(admin))
out["team_cold_ms"], out["team_ms"] = measure(request(admin, team=team.pk))
out["manager_cold_ms"], out["manager_ms"] = measure(request(manager))
out["company_queries"] = query_count(request(admin), warm=False)
out["team_queries"] = query_count(request(admin, team=team.pk), warm=False)
out["small_queries"] = query_count(request(small), warm=False)
started = time.perf_counter()
naive()
out["naive_ms"] = (time.perf_counter() - started) * 1000
print("BENCH-JSON " + json.dumps(out))
"""


def add_arguments(parser) -> None:
    parser.add_argument(
        "--forecast-deals",
        type=int,
        default=1_000_000,
        help="opportunities in the database (default 1,000,000; 100000 for a quick run)",
    )


def run(args) -> list[common.Row]:
    deals = getattr(args, "forecast_deals", 1_000_000)
    url = forecast_database(deals)
    # Cold: a fresh process, the first request after the data was written (no app cache).
    m = common.run_script(SCRIPT, url)
    same = m["company_queries"] == m["small_queries"]
    counts = (
        f"{m['company_queries']} queries per request, a rep with few deals "
        f"{m['small_queries']} ({'the same' if same else 'DIFFERENT'}; with `team=` one more, "
        f"its lookup: {m['team_queries']}); load average {m['load']:.1f} when measured"
    )
    return [
        common.Row(
            f"/api/v1/forecast/ company quarter, {m['quarter_deals']:,} of {m['deals']:,} deals "
            "(vs reading the quarter row by row)",
            m["company_cold_ms"],
            m["naive_ms"],
            "ms",
            "< 1000 ms cold",
            m["company_cold_ms"] < 1000,
            f"warm median {m['company_ms']:.0f} ms; {counts}",
        ),
        common.Row(
            f"/api/v1/forecast/?team= one team's quarter, {m['team_deals']:,} deals "
            "(vs the company's row-by-row read)",
            m["team_cold_ms"],
            m["naive_ms"],
            "ms",
            "< 200 ms cold",
            m["team_cold_ms"] < 200,
            f"warm median {m['team_ms']:.0f} ms; the team's manager (visibility rule): cold "
            f"{m['manager_cold_ms']:.0f} ms, warm {m['manager_ms']:.0f} ms",
        ),
    ]
