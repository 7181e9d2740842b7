"""The daily job with real Celery workers on real Redis and a real SMTP server on loopback:
two runs on two workers at once, and a worker killed in the middle of a run, end with every
reminder exactly once and one digest email per recipient."""

import datetime as dt
import time

import psycopg
import pytest
import redis
from django.db import connection

from accounts.models import Account
from config.celery import app as celery_app
from core.models import AuditEntry, PendingTask
from tests.celery_workers import CeleryWorkers, database_url
from visits.models import DigestEmail, Occasion, Reminder, ReminderRun, VisitSettings

DAY = dt.date(2026, 5, 1)
DAILY = "visits.tasks.send_reminders_daily_task"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


@pytest.fixture
def workers(celery_workers, smtp_server):
    """Workers that send their email to the loopback SMTP server."""
    celery_workers.env.update(
        {
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": smtp_server.host,
            "DJANGO_EMAIL_PORT": str(smtp_server.port),
        }
    )
    return celery_workers


def wait_for(check, *, timeout: float, what: str, workers: CeleryWorkers):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}\n{workers.logs()}")


@pytest.fixture
def world(org, contact_factory, visit_factory):
    """Three reps with email; due visits, a birthday gift and a greeting to remind of."""
    VisitSettings.objects.update_or_create(pk=1, defaults={"digest_hour": 0})
    Occasion.objects.exclude(code="birthday").update(active=False)
    for name in ("r1", "r2", "r3"):
        user = org[name]
        user.email = f"{name}@example.com"
        user.save()
        Account.objects.filter(pk=org["accounts"][name].pk).update(tier="A")
        visit_factory(account=org["accounts"][name], visit_date=DAY - dt.timedelta(days=9))
    gift = contact_factory(
        account=org["accounts"]["r1"],
        name="DM",
        role="decision_maker",
        birthday_month=5,
        birthday_day=6,
    )
    Account.objects.filter(pk=org["accounts"]["r4"].pk).update(tier="C")
    visit_factory(account=org["accounts"]["r4"], visit_date=DAY - dt.timedelta(days=1))
    return {"gift_contact": gift, "org": org}


def expected_rows(world):
    org = world["org"]
    due = DAY - dt.timedelta(days=2)
    rows = [
        (org[n].pk, "visit_due", f"account:{org['accounts'][n].pk}", "visit_due", due)
        for n in ("r1", "r2", "r3")
    ]
    rows.append(
        (
            org["r1"].pk,
            "gift",
            f"contact:{world['gift_contact'].pk}",
            "birthday",
            dt.date(2026, 5, 6),
        )
    )
    return sorted(rows)


def reminder_rows():
    return sorted(
        Reminder.objects.values_list("recipient_id", "kind", "subject", "occasion_code", "date")
    )


def runs_finished(n: int):
    def check():
        done = AuditEntry.objects.filter(model="visits.Reminder", action="generate").count()
        return done >= n and not PendingTask.objects.exists()

    return check


def digests_sent(n: int):
    return lambda: DigestEmail.objects.filter(state="sent").count() >= n


def test_two_workers_two_runs_at_once_send_nothing_twice(world, workers, smtp_server):
    workers.start("w1")
    workers.start("w2")
    for _ in range(2):
        celery_app.send_task(DAILY, args=[DAY.isoformat()])
    wait_for(runs_finished(2), timeout=120, what="two daily runs", workers=workers)
    wait_for(digests_sent(3), timeout=60, what="three digests", workers=workers)
    # Queue the digests again, as the hourly sweep would: nothing more goes out.
    celery_app.send_task(DAILY, args=[DAY.isoformat()])
    wait_for(runs_finished(3), timeout=60, what="a third run", workers=workers)
    client = redis.Redis.from_url(workers.redis_url)
    wait_for(
        lambda: client.llen("celery") == 0 and not client.hlen("unacked"),
        timeout=60,
        what="an empty queue",
        workers=workers,
    )

    assert reminder_rows() == expected_rows(world)
    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == [
        "r1@example.com",
        "r2@example.com",
        "r3@example.com",
    ]
    assert sorted(DigestEmail.objects.values_list("state", "items")) == [
        ("sent", 1),
        ("sent", 1),
        ("sent", 2),
    ]
    assert ReminderRun.objects.get(date=DAY).created == 4
    # Both workers ran the daily job (the runs overlapped on two processes).
    for name in ("w1", "w2"):
        log = workers.log(name)
        assert "send_reminders_daily_task" in log and "succeeded" in log


def _blocking_connection(world):
    """Another writer holding (uncommitted) the row the job will insert for the birthday: the
    job's INSERT … ON CONFLICT waits for it, so the run is stopped in its middle."""
    conn = psycopg.connect(database_url().replace("postgres://", "postgresql://"))
    org = world["org"]
    conn.execute(
        "INSERT INTO visits_reminder (recipient_id, kind, subject, occasion_code, date,"
        " account_id, touch_type, remind_on, status, created_at)"
        " VALUES (%s, 'gift', %s, 'birthday', %s, %s, '', %s, 'open', now())",
        [
            org["r1"].pk,
            f"contact:{world['gift_contact'].pk}",
            dt.date(2026, 5, 6),
            org["accounts"]["r1"].pk,
            DAY,
        ],
    )
    return conn


def _job_is_waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO visits_reminder%%'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.slow  # kills a worker
def test_a_worker_killed_mid_run_is_replaced_and_nothing_is_missed_or_doubled(
    world, workers, smtp_server
):
    blocker = _blocking_connection(world)
    try:
        first = workers.start("w1")
        celery_app.send_task(DAILY, args=[DAY.isoformat()])
        wait_for(_job_is_waiting_on_a_lock, timeout=60, what="the job to block", workers=workers)
        # Mid-run: the visit reminders are committed, the birthday step is not.
        assert Reminder.objects.filter(kind="visit_due").count() == 3
        assert ReminderRun.objects.get(date=DAY).finished_at is None
        workers.kill(first)
    finally:
        blocker.rollback()
        blocker.close()
    assert not Reminder.objects.filter(kind="gift").exists()
    assert DigestEmail.objects.count() == 0
    assert smtp_server.messages == []

    workers.start("w2")  # the unacknowledged task comes back after the visibility timeout
    wait_for(runs_finished(1), timeout=120, what="the rerun", workers=workers)
    wait_for(digests_sent(3), timeout=60, what="three digests", workers=workers)

    assert reminder_rows() == expected_rows(world)
    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == [
        "r1@example.com",
        "r2@example.com",
        "r3@example.com",
    ]
    assert ReminderRun.objects.get(date=DAY).finished_at is not None


@pytest.mark.slow  # kills a worker
def test_a_worker_killed_while_sending_a_digest_loses_none_and_doubles_none(
    world, workers, smtp_server
):
    handler = smtp_server.handler
    handler.mail_gate.clear()  # the first digest stops inside the SMTP conversation
    first = workers.start("w1")
    celery_app.send_task(DAILY, args=[DAY.isoformat()])
    wait_for(handler.in_mail.is_set, timeout=90, what="a digest in flight", workers=workers)
    assert DigestEmail.objects.filter(state="pending").count() == 3
    workers.kill(first)
    handler.mail_gate.set()
    assert smtp_server.messages == []

    workers.start("w2")
    wait_for(digests_sent(3), timeout=120, what="three digests", workers=workers)
    client = redis.Redis.from_url(workers.redis_url)
    wait_for(
        lambda: client.llen("celery") == 0 and not client.hlen("unacked"),
        timeout=60,
        what="an empty queue",
        workers=workers,
    )
    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == [
        "r1@example.com",
        "r2@example.com",
        "r3@example.com",
    ]
    assert reminder_rows() == expected_rows(world)
