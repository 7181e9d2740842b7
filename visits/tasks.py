"""Celery tasks of the visits app: thin, idempotent, acknowledged late, retried with backoff.

- `send_reminders_daily_task` (beat, daily): the day's reminders, then the digests when the
  digest hour has come.
- `reminders_sweep_task` (beat, hourly): reruns a day whose job did not finish (a lost or
  killed worker), queues the digests still pending once the digest hour has come, and drops
  reminders whose account or contact is gone.
- `send_digest_task(digest_id)`: one recipient's digest email, sent at most once.
"""

import datetime
import smtplib

from celery import shared_task
from django.db import DatabaseError, transaction
from django.utils import timezone

from core.queue import enqueue
from visits.models import DigestEmail, ReminderRun
from visits.services import digest_send, digests_prepare, reminders_run
from visits.services.reminders import digests_due, reminders_orphans_delete

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}
DIGEST_TASK = "visits.tasks.send_digest_task"


def _queue_digests(ids: list[int]) -> None:
    with transaction.atomic():
        for digest_id in ids:
            enqueue(DIGEST_TASK, digest_id)


@shared_task(autoretry_for=(DatabaseError,), **RETRY)
def send_reminders_daily_task(day: str | None = None) -> dict:
    run_day = datetime.date.fromisoformat(day) if day else timezone.localdate()
    counts, pending = reminders_run(day=run_day, digests=digests_due())
    _queue_digests(pending)
    return counts


@shared_task(autoretry_for=(DatabaseError,), **RETRY)
def reminders_sweep_task() -> int:
    reminders_orphans_delete()
    today = timezone.localdate()
    stale = timezone.now() - datetime.timedelta(minutes=30)
    run = ReminderRun.objects.filter(date=today).first()
    if run is None or (run.finished_at is None and run.started_at < stale):
        send_reminders_daily_task.run()
        return 0
    if run.finished_at is None or not digests_due():
        # Still running (its end queues the digests), or too early in the day.
        return 0
    pending = digests_prepare(day=today)
    pending += list(
        DigestEmail.objects.filter(
            date=today - datetime.timedelta(days=1), state=DigestEmail.State.PENDING
        ).values_list("pk", flat=True)
    )
    _queue_digests(pending)
    return len(pending)


@shared_task(autoretry_for=(smtplib.SMTPException, OSError, DatabaseError), **RETRY)
def send_digest_task(digest_id: int) -> bool:
    return digest_send(digest_id=digest_id)
