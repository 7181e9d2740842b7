"""Celery tasks of the robots app: thin, idempotent, acknowledged late.

- `robots_dispatch_task` (beat, every CRM_ROBOTS_DISPATCH_SECONDS): claims the urgent batches
  and, once the day's reminder run has finished and the digest hour has come, the day's
  digest batches; queues one `robot_message_send_task` per batch (through the outbox), so a
  failing robot never holds up the others.
- `robot_message_send_task(message_id)`: sends one batch; on failure retries itself after
  CRM_ROBOTS_RETRY_BACKOFF_SECONDS × 2^(attempt − 1); the batch row counts the attempts and
  gives up after CRM_ROBOTS_MAX_ATTEMPTS. A retry lost with its worker is queued again by the
  next dispatch.
- `robots_history_purge_task` (beat, daily): deletes deliveries and batches older than
  CRM_ROBOTS_HISTORY_DAYS that exactly-once no longer needs (robots.services).
"""

import datetime

from celery import shared_task
from django.db import DatabaseError, transaction
from django.utils import timezone

from core.queue import enqueue
from robots.services import robot_message_send, robots_dispatch, robots_history_purge

SEND_TASK = "robots.tasks.robot_message_send_task"
OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=5, max_retries=8, **OPTIONS)
def robots_dispatch_task(day: str | None = None) -> int:
    run_day = datetime.date.fromisoformat(day) if day else timezone.localdate()
    with transaction.atomic():
        dispatch = robots_dispatch(day=run_day)
        for message_id in dispatch.message_ids:
            enqueue(SEND_TASK, message_id)
    return len(dispatch.message_ids)


@shared_task(bind=True, autoretry_for=(DatabaseError,), retry_backoff=5, max_retries=8, **OPTIONS)
def robot_message_send_task(self, message_id: int) -> bool:
    result = robot_message_send(message_id=message_id)
    if result.retry_in is not None:
        # The batch row counts attempts and stops them; Celery's own count is not the limit.
        raise self.retry(countdown=result.retry_in, max_retries=None)
    return result.sent


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=5, max_retries=8, **OPTIONS)
def robots_history_purge_task() -> dict[str, int]:
    purge = robots_history_purge()
    return {"deliveries": purge.deliveries, "messages": purge.messages}
