"""Group robots: the daily digest for 1,000 teams against a loopback server, batched.

Setup (a fresh database `<prefix>_robots` each run): `--robots-teams` teams (default 1,000) of
3 reps each, 5 reminders per rep showing on the day (15,000 at full size), one overdue
commitment per team, and one group robot per team (WeCom, DingTalk with a secret, Feishu with
a secret, in turn) pointing at an HTTP server on 127.0.0.1 in this process that counts the
requests and answers like each platform.

Measured: `robots_deliver_now` for the day (claim every channel's digest set-based, render
and send each batch on `--robots-threads` threads, default 4, as a worker's concurrency
would): its time and the number of HTTP
requests, which must equal the number of channels; then the same day again (no request).

Baseline, measured in the same run: a naive sender that, per reminder, checks whether it was
sent to the channel, writes a message and a delivery row, and POSTs one message per reminder
(check-then-create, one request per reminder). It runs on the first 10 % of the teams inside
a transaction that is rolled back, and is extrapolated linearly; the note says so.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import common

TITLE = "Robots: daily digest to 1,000 team robots (WeCom, DingTalk, Feishu)"
GOAL_SECONDS = 60.0

SETUP = """
import datetime, json
from django.db import transaction
from accounts.models import Account
from commitments.models import Commitment
from crm.models import Team, User
from robots.models import RobotWebhook
from visits.models import Reminder
DAY = datetime.date(2026, 5, 4)
teams_n, base = {teams}, {base!r}
with transaction.atomic():
    managers = User.objects.bulk_create(
        [User(username=f"mgr{{t}}", role="manager", password="!") for t in range(teams_n)])
    teams = Team.objects.bulk_create(
        [Team(name=f"Team {{t}}", manager=m) for t, m in enumerate(managers)])
    reps = User.objects.bulk_create([
        User(username=f"rep{{t}}_{{i}}", role="rep", team=team, password="!",
             first_name=f"Rep {{i}}", last_name=f"of team {{t}}")
        for t, team in enumerate(teams) for i in range(3)])
    accounts = Account.objects.bulk_create([
        Account(name=f"Company {{r.pk}}-{{k}} Co., Ltd.",
                normalized_name=f"company {{r.pk}}-{{k}}", owner=r, tier="ABC"[k % 3])
        for r in reps for k in range(5)])
    kinds = ["visit_due", "visit_due", "visit_overdue", "visit_tomorrow", "visit_due"]
    Reminder.objects.bulk_create([
        Reminder(recipient_id=a.owner_id, kind=kinds[n % 5], subject=f"account:{{a.pk}}",
                 occasion_code=kinds[n % 5], date=DAY, remind_on=DAY, account=a)
        for n, a in enumerate(accounts)])
    Commitment.objects.bulk_create([
        Commitment(account=accounts[t * 15], owner_id=accounts[t * 15].owner_id,
                   title="Send the quote", due_date=DAY - datetime.timedelta(days=2))
        for t in range(teams_n)])
    urls = [f"{{base}}/cgi-bin/webhook/send?key=team{{{{t}}}}",
            f"{{base}}/robot/send?access_token=team{{{{t}}}}",
            f"{{base}}/open-apis/bot/v2/hook/team{{{{t}}}}"]
    platforms = ["wecom", "dingtalk", "feishu"]
    RobotWebhook.objects.bulk_create([
        RobotWebhook(team=team, platform=platforms[t % 3], name=f"Robot {{t}}",
                     url=urls[t % 3].format(t=t), secret="" if t % 3 == 0 else "SECbench")
        for t, team in enumerate(teams)])
print(json.dumps({{"teams": teams_n, "reminders": Reminder.objects.count(),
                  "robots": RobotWebhook.objects.count()}}))
"""

JOB = """
import datetime, json, time
from robots.services import robots_deliver_now
DAY = datetime.date(2026, 5, 4)
started = time.perf_counter()
sent, failed = robots_deliver_now(day=DAY, digest=True, threads={threads})
first = time.perf_counter() - started
started = time.perf_counter()
again, _f = robots_deliver_now(day=DAY, digest=True, threads={threads})
second = time.perf_counter() - started
print(json.dumps({"first": first, "second": second, "sent": sent, "failed": failed,
                  "again": again}))
"""

NAIVE = """
import datetime, json, time
from django.db import transaction
from crm.models import User
from robots import platforms
from robots.markdown import escape
from robots.models import RobotDelivery, RobotMessage, RobotWebhook
from visits.models import Reminder
from visits.selectors import reminder_text
DAY = datetime.date(2026, 5, 4)
sample = {sample}
started = time.perf_counter()
requests = 0
with transaction.atomic():
    # From the state before the job (rolled back at the end, outside the timing).
    RobotDelivery.objects.all().delete()
    RobotMessage.objects.all().delete()
    started = time.perf_counter()
    for robot in RobotWebhook.objects.order_by("pk")[:sample]:
        members = User.objects.filter(team_id=robot.team_id)
        for reminder in Reminder.objects.filter(recipient__in=members).select_related("account"):
            if RobotDelivery.objects.filter(webhook=robot, reminder=reminder).exists():
                continue
            message = RobotMessage.objects.create(webhook=robot, kind="urgent", date=DAY)
            RobotDelivery.objects.create(webhook=robot, reminder=reminder, message=message)
            platforms.send(platform=robot.platform, url=robot.url, secret=robot.secret,
                           title="CRM", text="### CRM\\n- " + escape(reminder_text(reminder)))
            requests += 1
    transaction.set_rollback(True)
print(json.dumps({"seconds": time.perf_counter() - started, "requests": requests}))
"""


class Counter:
    def __init__(self) -> None:
        self.requests = 0
        self.lock = threading.Lock()


def _server(counter: Counter) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        # Headers and body are written apart: without TCP_NODELAY, Nagle and the client's
        # delayed ACK would add 40 ms to every request (the real platforms do not).
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with counter.lock:
                counter.requests += 1
            feishu = self.path.startswith("/open-apis/")
            body = b'{"code":0,"msg":"success"}' if feishu else b'{"errcode":0,"errmsg":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def add_arguments(parser) -> None:
    parser.add_argument(
        "--robots-teams", type=int, default=1000, help="teams, one robot each (default 1000)"
    )
    parser.add_argument(
        "--robots-threads",
        type=int,
        default=4,
        help="batches sent at once, like a worker's concurrency (default 4)",
    )


def _fresh_database() -> str:
    import psycopg

    name = f"{common.DB_PREFIX}_robots"
    with psycopg.connect(common.database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = common.database_url(name)
    common.manage(url, "migrate", "--noinput")
    return url


def _shell(url: str, code: str) -> dict:
    out = common.manage(url, "shell", "-c", code, CRM_ROBOTS_ALLOW_HTTP_HOSTS="127.0.0.1")
    return json.loads(out.strip().splitlines()[-1])


def run(args) -> list[common.Row]:
    teams = getattr(args, "robots_teams", 1000)
    threads = getattr(args, "robots_threads", 4)
    counter = Counter()
    server = _server(counter)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        url = _fresh_database()
        size = _shell(url, SETUP.format(teams=teams, base=base))
        print(f"  database: {size}", flush=True)
        job = _shell(url, JOB.replace("{threads}", str(threads)))
        job_requests = counter.requests
        print(f"  job: {job}, requests {job_requests}", flush=True)
        sample = max(1, teams // 10)
        counter.requests = 0
        naive = _shell(url, NAIVE.replace("{sample}", str(sample)))
        print(f"  naive sample: {naive}", flush=True)
    finally:
        server.shutdown()
        server.server_close()
    naive_total = naive["seconds"] * teams / sample
    naive_requests = naive["requests"] * teams / sample
    channels = size["robots"]
    batched = job_requests == channels and job["again"] == 0 and job["failed"] == 0
    note = (
        f"{teams:,} team robots, {size['reminders']:,} reminders, {threads} threads; "
        f"{job_requests:,} HTTP "
        f"requests for {channels:,} channels (naive: {naive_requests:,.0f}, one per reminder); "
        f"baseline: per-reminder check-then-create and POST on {sample:,} teams, extrapolated"
    )
    return [
        common.Row(
            "daily digest, every channel",
            job["first"],
            naive_total,
            "s",
            f"< {GOAL_SECONDS:.0f} s, requests = channels",
            job["first"] < GOAL_SECONDS and batched,
            note,
        ),
        common.Row(
            "reminders per HTTP request (requests = channels)",
            size["reminders"] / max(job_requests, 1),
            size["reminders"] / max(naive_requests, 1),
            "reminders/request",
            f"{channels:,} requests for {channels:,} channels",
            batched,
            f"{job_requests:,} requests; second run of the day: {job['again']} batches sent",
        ),
    ]


if __name__ == "__main__":
    sys.exit(0)
