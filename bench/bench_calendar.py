"""The calendar feed of a rep with 5,000 accounts and a year of plans, beside a naive feed.

Setup (once, kept in its own database `<BENCH_DB_PREFIX>_calendar`): one rep owning
`BENCH_CALENDAR_ACCOUNTS` accounts (default 5,000), one plan per account spread over the feed's
window (90 days back, 365 ahead; a fifth timed, the rest by slot or all day), 1,000
commitments, 500 gift reminders and 500 logged touches; a second rep with as many rows, so
the visibility rule has something to leave out.

Measured, in one process through Django's test client (the whole view: token, visibility rule,
iCalendar, headers), median of 5:
- warm: the feed fetched again, nothing changed (what an hourly poll costs): the goal, < 200 ms;
- one plan changed: the rows are read again, one event is written anew;
- cold: every cache empty (a phone's first subscription, or the first fetch after the daily
  expiry): goal < 1 s, so no calendar app times out.
The query count is printed for each.

Baseline, measured in the same run: the straightforward feed: model instances of the same
rows (select_related, no `values()`), every event written by icalendar on every fetch, no
cache.
"""

import json
import os
import sys

import common

TITLE = "Calendar feed: a rep with 5,000 accounts and a year of plans"
ACCOUNTS = int(os.environ.get("BENCH_CALENDAR_ACCOUNTS", "5000"))
GOAL_MS = 200.0
COLD_GOAL_MS = 1000.0

SETUP = """
import datetime, json
from django.db import connection
from django.utils import timezone
from accounts.models import Account
from crm.models import User
from calendars.services import calendar_feed_ensure

accounts = {accounts}
rep, _ = User.objects.get_or_create(username="bench-cal-rep", defaults={{"first_name": "Bench"}})
other, _ = User.objects.get_or_create(username="bench-cal-other")
have = Account.objects.filter(owner=rep).count()
touches = connection.cursor().execute("SELECT count(*) FROM visits_touch").fetchone()[0]
if have != accounts or not touches:
    with connection.cursor() as c:
        c.execute('''TRUNCATE visits_visitplan, commitments_commitment, visits_reminder,
            visits_touch, accounts_account CASCADE''')
        for owner in (rep, other):
            Account.objects.bulk_create(
                [Account(name=f"Account {{g}} of {{owner.username}}",
                         normalized_name=f"account {{g}} of {{owner.username}}", owner=owner,
                         address=f"{{g}} Nanjing Road, Shanghai", tier="ABC"[g % 3])
                 for g in range(1, accounts + 1)], batch_size=2000)
            c.execute('''
                INSERT INTO visits_visitplan (account_id, planned_date, planned_time, slot,
                    purpose, senior_manager, status, source, created_at, updated_at)
                SELECT a.id, current_date - 90 + (row_number() OVER (ORDER BY a.id))::int %% 455,
                    CASE WHEN a.id %% 5 = 0 THEN time '10:00' END,
                    (ARRAY['morning','afternoon','any'])[1 + a.id %% 3],
                    'Review the order book', a.id %% 50 = 0,
                    CASE WHEN a.id %% 40 = 0 THEN 'cancelled'
                         WHEN a.id %% 7 = 0 THEN 'done' ELSE 'planned' END,
                    'cadence', now() - interval '2 days', now() - interval '1 day'
                FROM accounts_account a WHERE a.owner_id = %s''', [owner.pk])
            c.execute('''
                INSERT INTO commitments_commitment (account_id, title, notes, due_date, due_time,
                    owner_id, status, source, created_at, updated_at)
                SELECT a.id, 'Send the quote', '', current_date - 30 + (a.id %% 300)::int,
                    CASE WHEN a.id %% 2 = 0 THEN time '16:00' END, %s, 'open', 'manual',
                    now(), now()
                FROM accounts_account a WHERE a.owner_id = %s ORDER BY a.id LIMIT 1000''',
                [owner.pk, owner.pk])
            c.execute('''
                INSERT INTO visits_reminder (recipient_id, kind, subject, occasion_code, date,
                    account_id, touch_type, remind_on, status, created_at)
                SELECT %s, 'gift', 'account:' || a.id, 'new_year',
                    current_date + (a.id %% 300)::int, a.id, 'birthday_gift', current_date,
                    'open', now()
                FROM accounts_account a WHERE a.owner_id = %s ORDER BY a.id LIMIT 500''',
                [owner.pk, owner.pk])
            c.execute('''
                INSERT INTO visits_touch (account_id, type, date, note, created_by_id, created_at)
                SELECT a.id, 'brochure', current_date - (a.id %% 80)::int, '', %s, now()
                FROM accounts_account a WHERE a.owner_id = %s ORDER BY a.id LIMIT 500''',
                [owner.pk, owner.pk])
        c.execute("ANALYZE")
feed = calendar_feed_ensure(actor=rep, user=rep)
print(json.dumps({{"token": feed.token}}))
"""

MEASURE = """
import json, statistics, time, datetime
import icalendar
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from calendars.models import CalendarFeed
from commitments.selectors import commitments_visible_to
from crm.models import User
from visits.models import VisitPlan
from visits.selectors import plans_in_book_for, reminders_visible_to, touches_visible_to

token = "{token}"
url = reverse("calendars:feed", args=[token])
client = Client(HTTP_HOST="localhost")
rep = User.objects.get(username="bench-cal-rep")

def fetch():
    CalendarFeed.objects.filter(token=token).update(last_fetched_at=None)
    with CaptureQueriesContext(connection) as q:
        t = time.perf_counter()
        r = client.get(url)
        ms = (time.perf_counter() - t) * 1000
    assert r.status_code == 200, r.status_code
    return ms, len(q), len(r.content), r.content.count(b"BEGIN:VEVENT")

def median(fn, before=None, n=5):
    runs = []
    for _ in range(n):
        if before:
            before()
        runs.append(fn())
    return statistics.median(r[0] for r in runs), runs[-1]

cache.clear()
cold = median(fetch, before=cache.clear, n=3)
plan_ids = list(plans_in_book_for(rep).filter(status="planned").values_list("id", flat=True)[:5])
i = [0]
def touch_one():
    VisitPlan.objects.filter(pk=plan_ids[i[0] % len(plan_ids)]).update(updated_at=timezone.now())
    i[0] += 1
changed = median(fetch, before=touch_one)
warm = median(fetch)

def event(cal, uid, stamp, summary, start, **extra):
    e = icalendar.Event()
    e.add("uid", uid)
    e.add("dtstamp", stamp)
    e.add("summary", summary)
    e.add("dtstart", start)
    for name, value in extra.items():
        e.add(name, value)
    cal.add_component(e)

def naive():
    today = timezone.localdate()
    window = (today - datetime.timedelta(days=90), today + datetime.timedelta(days=365))
    cal = icalendar.Calendar()
    cal.add("prodid", "-//naive//EN")
    cal.add("version", "2.0")
    cal.add_component(icalendar.Timezone.from_tzid("Asia/Shanghai"))
    tz = datetime.timezone(datetime.timedelta(hours=8))
    plans = plans_in_book_for(rep).filter(account__owner=rep, planned_date__range=window)
    for p in plans.select_related("account"):
        start = p.planned_date
        if p.planned_time:
            start = datetime.datetime.combine(p.planned_date, p.planned_time, tzinfo=tz)
        status = "CANCELLED" if p.status == "cancelled" else "CONFIRMED"
        event(cal, f"plan-{{p.pk}}@x", p.updated_at, f"Visit: {{p.account.name}}", start,
              location=p.account.address, description=p.purpose, status=status)
    commitments = commitments_visible_to(rep).filter(owner=rep, due_date__range=window)
    for c in commitments.select_related("account"):
        event(cal, f"commitment-{{c.pk}}@x", c.updated_at, f"Promised: {{c.title}}", c.due_date)
    reminders = reminders_visible_to(rep).filter(recipient=rep, kind="gift", date__range=window)
    for r in reminders.select_related("account"):
        event(cal, f"reminder-{{r.pk}}@x", r.created_at, f"Gift: {{r.account.name}}", r.date)
    touches = touches_visible_to(rep).filter(created_by=rep, date__range=window)
    for t in touches.select_related("account"):
        event(cal, f"touch-{{t.pk}}@x", t.created_at, f"Touch: {{t.account.name}}", t.date)
    return cal.to_ical()

def naive_timed():
    with CaptureQueriesContext(connection) as q:
        t = time.perf_counter(); body = naive(); ms = (time.perf_counter() - t) * 1000
    return ms, len(q), len(body), body.count(b"BEGIN:VEVENT")
baseline = median(naive_timed, n=3)
print(json.dumps({{"cold": cold, "changed": changed, "warm": warm, "baseline": baseline}}))
"""


def _shell(url: str, code: str, **extra: str) -> dict:
    out = common.manage(url, "shell", "-c", code, **extra)
    return json.loads(out.strip().splitlines()[-1])


def run(args) -> list:
    import psycopg

    name = f"{common.DB_PREFIX}_calendar"
    url = common.database_url(name)
    with psycopg.connect(common.database_url("postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    common.manage(url, "migrate", "--noinput")
    redis_url = common.bench_redis()
    extra = {"REDIS_URL": redis_url} if redis_url else {"REDIS_URL": ""}
    setup = _shell(url, SETUP.format(accounts=ACCOUNTS), **extra)
    result = _shell(url, MEASURE.format(token=setup["token"]), **extra)
    print(f"  {result}", flush=True)
    base_ms, (_, base_queries, _, base_events) = result["baseline"]
    cache_note = "Redis cache" if redis_url else "per-process memory cache (no Redis answered)"
    rows = []
    for key, label in (
        ("warm", "feed fetched again, unchanged (an hourly poll)"),
        ("changed", "feed after one plan changed"),
        ("cold", "feed with every cache empty"),
    ):
        ms, (_, queries, size, events) = result[key]
        goal = {"warm": GOAL_MS, "cold": COLD_GOAL_MS}.get(key)
        goal_text = f"< {goal:.0f} ms" if goal else "–"
        rows.append(
            common.Row(
                label,
                ms,
                base_ms,
                "ms",
                goal_text,
                ms < goal if goal else None,
                f"{ACCOUNTS:,} accounts, {events:,} events, {size / 1024:.0f} KiB, "
                f"{queries} queries (baseline {base_queries}, {base_events:,} events); "
                f"{cache_note}",
            )
        )
    return rows


if __name__ == "__main__":
    sys.exit(0)
