"""The daily reminder job at 1M contacts and 100k accounts, beside a naive per-contact loop.

Setup (once, kept in the seeded database): `seed_demo --accounts 100000` (about 5 logged
visits per account), then contacts topped up to 1,000,000 with spread birthdays, tiers set
20/30/50 % A/B/C when no tier is there yet, and an email for every rep.

Measured: `reminders_run` + every digest email (locmem backend) for a day in the lead time of
Spring Festival (gifts and greetings to many contacts, birthdays and due visits too), from an
empty reminder table; then the same day again (nothing new: the constraint skips every row).

Baseline, measured in the same run: a naive job that walks contacts and accounts in Python
and does check-then-create per reminder. It runs on a sample (the first 5,000 contacts and
1,000 accounts, inside a transaction that is rolled back) and is extrapolated linearly to the
full size; the note says so.
"""

import json
import os
import sys

import common

TITLE = "Visits: daily reminder job (1M contacts, 100k accounts)"
ACCOUNTS = int(os.environ.get("BENCH_VISITS_ACCOUNTS", "100000"))
CONTACTS = int(os.environ.get("BENCH_VISITS_CONTACTS", "1000000"))
SAMPLE_CONTACTS = 5_000
SAMPLE_ACCOUNTS = 1_000
GOAL_SECONDS = 30.0

SETUP = """
import json
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT count(*) FROM accounts_contact")
    have = c.fetchone()[0]
    want = {contacts}
    if have < want:
        c.execute('''
            INSERT INTO accounts_contact (account_id, name, title, role, phone, email,
                chat_handle, birthday_month, birthday_day, birthday_year, interests, notes,
                created_at, updated_at)
            SELECT c.account_id, c.name, c.title,
                (ARRAY['decision_maker','handler','influencer','user'])[1 + (g + c.id) %% 4],
                c.phone, '', '', 1 + (c.id * 7 + g) %% 12, 1 + (c.id * 13 + g) %% 28, NULL,
                c.interests, '', c.created_at, c.updated_at
            FROM accounts_contact c CROSS JOIN generate_series(1, 4) g
            ORDER BY c.id, g LIMIT %s''', [want - have])
    c.execute("SELECT count(*) FROM accounts_account WHERE tier <> ''")
    if c.fetchone()[0] == 0:
        c.execute('''UPDATE accounts_account SET tier = CASE
            WHEN id %% 10 < 2 THEN 'A' WHEN id %% 10 < 5 THEN 'B' ELSE 'C' END''', [])
    c.execute("UPDATE crm_user SET email = username || '@example.com' WHERE email = ''")
    c.execute("ANALYZE")
    c.execute("SELECT count(*) FROM accounts_contact")
    contacts = c.fetchone()[0]
    c.execute("SELECT count(*) FROM accounts_account")
    accounts = c.fetchone()[0]
    c.execute("SELECT count(*) FROM visits_visit")
    visits = c.fetchone()[0]
print(json.dumps({{"contacts": contacts, "accounts": accounts, "visits": visits}}))
"""

JOB = """
import datetime, json, resource, time
from django.core import mail
from django.db import connection
from visits.dates import spring_festival
from visits.services import digest_send, reminders_run

day = spring_festival(2027) - datetime.timedelta(days=1)
with connection.cursor() as c:
    c.execute("TRUNCATE visits_reminder, visits_digestemail, visits_reminderrun")
mail.outbox = []
def job():
    counts, pending = reminders_run(day=day, digests=True)
    sent = sum(1 for i in pending if digest_send(digest_id=i))
    return counts, sent
t = time.perf_counter(); counts, sent = job(); first = time.perf_counter() - t
t = time.perf_counter(); again, sent_again = job(); second = time.perf_counter() - t
print(json.dumps({"first": first, "second": second, "counts": counts, "sent": sent,
    "sent_again": sent_again, "again": sum(again.values()),
    "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

NAIVE = """
import datetime, json, resource, time
from django.db import transaction
from django.db.models import Max
from accounts.models import Account, Contact
from visits.dates import birthday_in_year, days, spring_festival, yearly_dates
from visits.models import Occasion, Reminder, VisitPlan, VisitSettings

day = spring_festival(2027) - datetime.timedelta(days=1)
settings = VisitSettings.load()
occasions = list(Occasion.objects.filter(active=True))

def remind(**kw):
    key = {{k: kw[k] for k in ("recipient_id", "subject", "occasion_code", "date")}}
    if not Reminder.objects.filter(**key).exists():
        Reminder.objects.create(remind_on=day, **kw)

def rule_dates(o, lead):
    end = day + datetime.timedelta(days=lead)
    if o.kind == "once":
        return [o.date] if day <= o.date <= end else []
    return yearly_dates(o.kind, o.month, o.day, day, end)

with transaction.atomic():
    t = time.perf_counter()
    contacts = Contact.objects.select_related("account").order_by("id")[:{sample_contacts}]
    for c in contacts.iterator(chunk_size=2000):
        for o in occasions:
            gift_lead = o.gift_lead_days or settings.gift_lead_days
            greeting_lead = o.greeting_lead_days or settings.greeting_lead_days
            for kind, tiers, roles, lead, touch in (
                ("gift", o.gift_tiers, o.gift_roles, gift_lead, o.gift_type),
                ("greeting", o.greeting_tiers, o.greeting_roles, greeting_lead, o.greeting_type),
            ):
                if c.account.tier not in tiers or c.role not in roles:
                    continue
                if o.kind == "birthday":
                    if c.birthday_month is None:
                        continue
                    dates = [d for d in days(day, day + datetime.timedelta(days=lead))
                             if birthday_in_year(c.birthday_month, c.birthday_day, d.year) == d]
                else:
                    dates = rule_dates(o, lead)
                for d in dates:
                    remind(recipient_id=c.account.owner_id, kind=kind, subject=f"contact:{{c.pk}}",
                           occasion_code=o.code, date=d, account_id=c.account_id,
                           contact_id=c.pk, occasion_id=o.pk, touch_type=touch)
    contact_seconds = time.perf_counter() - t
    t = time.perf_counter()
    for a in Account.objects.order_by("id")[:{sample_accounts}].iterator(chunk_size=500):
        cadence = settings.cadence_for(a.tier)
        last = a.visits.aggregate(m=Max("visit_date"))["m"]
        due = last + datetime.timedelta(days=cadence) if last else a.created_at.date()
        plans = list(VisitPlan.objects.filter(account=a, status="planned"))
        if not plans and due <= day + datetime.timedelta(days=settings.due_horizon_days):
            remind(recipient_id=a.owner_id, kind="visit_due", subject=f"account:{{a.pk}}",
                   occasion_code="visit_due", date=due, account_id=a.pk)
        for p in plans:
            if p.planned_date < day or p.planned_date <= day + datetime.timedelta(days=1):
                code = "visit_overdue" if p.planned_date < day else "visit_tomorrow"
                remind(recipient_id=a.owner_id, kind=code, subject=f"plan:{{p.pk}}",
                       occasion_code=code, date=p.planned_date, account_id=a.pk, plan_id=p.pk)
    account_seconds = time.perf_counter() - t
    transaction.set_rollback(True)
print(json.dumps({{"contact_seconds": contact_seconds, "account_seconds": account_seconds,
    "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def _shell(url: str, code: str) -> dict:
    out = common.manage(
        url,
        "shell",
        "-c",
        code,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    return json.loads(out.strip().splitlines()[-1])


def run(args) -> list:
    url = common.seeded_database(ACCOUNTS)
    size = _shell(url, SETUP.format(contacts=CONTACTS))
    print(f"  database: {size}", flush=True)
    job = _shell(url, JOB)
    print(f"  job: {job}", flush=True)
    naive = _shell(
        url, NAIVE.format(sample_contacts=SAMPLE_CONTACTS, sample_accounts=SAMPLE_ACCOUNTS)
    )
    print(f"  naive sample: {naive}", flush=True)
    scale_c = size["contacts"] / SAMPLE_CONTACTS
    scale_a = size["accounts"] / SAMPLE_ACCOUNTS
    naive_total = naive["contact_seconds"] * scale_c + naive["account_seconds"] * scale_a
    created = sum(job["counts"].values())
    note = (
        f"{size['contacts']:,} contacts, {size['accounts']:,} accounts, {size['visits']:,} "
        f"visits; {created:,} reminders, {job['sent']} digests; baseline: per-contact Python "
        f"loop on {SAMPLE_CONTACTS:,} contacts + {SAMPLE_ACCOUNTS:,} accounts, extrapolated"
    )
    return [
        common.Row(
            "daily job, first run of the day",
            job["first"],
            naive_total,
            "s",
            f"< {GOAL_SECONDS:.0f} s",
            job["first"] < GOAL_SECONDS,
            note,
        ),
        common.Row(
            "same day again (nothing new, no email resent)",
            job["second"],
            naive_total,
            "s",
            f"< {GOAL_SECONDS:.0f} s",
            job["second"] < GOAL_SECONDS and job["again"] == 0 and job["sent_again"] == 0,
            f"{job['again']} new reminders, {job['sent_again']} emails",
        ),
        common.Row(
            "peak memory of the job process",
            job["rss"] / 1024,
            None,
            "MiB",
            "flat: no contact loaded into Python",
            None,
            f"max RSS of the whole process (Django included); the naive sample's "
            f"process: {naive['rss'] / 1024:.0f} MiB",
        ),
    ]


if __name__ == "__main__":
    sys.exit(0)
