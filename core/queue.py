"""Queue Celery tasks after commit through a transactional outbox (core.models.PendingTask).

Use `enqueue("app.tasks.thing_task", obj.id)` inside a service: the row is written in the
caller's transaction; after commit it is published. If the broker does not answer, the web
request still succeeds and the row waits for `republish_pending_tasks_task`.

A publisher claims the rows it sends (`SELECT … FOR UPDATE SKIP LOCKED`) and deletes them in
the same transaction, so two publishers at once (two beats, a beat and a commit hook) never
send one row twice. Each row gets one attempt, no retry: a failed one stays for the next
republish, and the broker's circuit breaker (core.redis_breaker) makes the rows after a failure
wait without trying, so a hung Redis costs a request one timeout at most.
"""

import enum
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import PendingTask
from core.redis_breaker import RedisSkipped, breaker_for, server_of

logger = logging.getLogger(__name__)


def project_celery_app():
    """The project's Celery app, named by the CRM_CELERY_APP setting (core imports no project
    module). Never celery's `current_app`: that is per thread, and any other Celery() made in
    the process (a test's dead broker) would take its place."""
    return import_string(settings.CRM_CELERY_APP)


class Sent(enum.Enum):
    SENT = "sent"
    FAILED = "failed"  # tried, the broker did not take it
    SKIPPED = "skipped"  # not tried: the broker failed a moment ago


def _send(pending: PendingTask, celery_app) -> Sent:
    breaker = breaker_for(server_of(str(celery_app.conf.broker_url)))
    try:
        breaker.call(
            celery_app.send_task,
            pending.task_name,
            args=pending.args,
            kwargs=pending.kwargs,
            retry=False,
        )
    except RedisSkipped:
        return Sent.SKIPPED
    except Exception as exc:  # broker down: keep the row, it is retried later
        logger.warning("Broker unavailable, task %s kept for later: %s", pending.task_name, exc)
        return Sent.FAILED
    return Sent.SENT


def _publish_claimed(rows: list[PendingTask], celery_app) -> int:
    """Send rows this transaction holds locked; delete the sent ones. Returns how many."""
    sent: list[int] = []
    failed: list[int] = []
    for pending in rows:
        outcome = _send(pending, celery_app)
        if outcome is Sent.SKIPPED:
            break  # the rest would be skipped too
        (sent if outcome is Sent.SENT else failed).append(pending.pk)
    PendingTask.objects.filter(pk__in=sent).delete()
    PendingTask.objects.filter(pk__in=failed).update(attempts=F("attempts") + 1)
    return len(sent)


def _publish(pending_id: int, *, celery_app=None) -> bool:
    """Publish one row unless another publisher holds it; whether it is out of the outbox."""
    with transaction.atomic():
        claimed = list(
            PendingTask.objects.select_for_update(skip_locked=True).filter(pk=pending_id)
        )
        if not claimed:
            return True  # sent already, or being sent by another publisher
        return _publish_claimed(claimed, celery_app or project_celery_app()) == 1


def enqueue(task_name: str, *args, **kwargs) -> PendingTask:
    """Write the task to the outbox now and publish it once the transaction commits."""
    pending = PendingTask.objects.create(task_name=task_name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: _publish(pending.pk))
    return pending


def republish_pending(
    *, older_than: timedelta = timedelta(seconds=30), limit: int = 500, celery_app=None
) -> int:
    """Publish outbox rows that were not taken after commit; returns how many went out.

    Rows another publisher is sending right now are left to it."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        rows = list(
            PendingTask.objects.select_for_update(skip_locked=True)
            .filter(created_at__lte=cutoff)
            .order_by("pk")[:limit]
        )
        return _publish_claimed(rows, celery_app or project_celery_app())
