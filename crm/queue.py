"""Queue Celery tasks after commit through a transactional outbox (crm.models.PendingTask).

Use `enqueue("app.tasks.thing_task", obj.id)` inside a service: the row is written in the
caller's transaction; after commit it is published. If the broker does not answer, the web
request still succeeds and the row waits for `republish_pending_tasks_task`.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from crm.celery import app
from crm.models import PendingTask

logger = logging.getLogger(__name__)


def _publish(pending_id: int, *, celery_app=None) -> bool:
    pending = PendingTask.objects.filter(pk=pending_id).first()
    if pending is None:
        return True
    try:
        (celery_app or app).send_task(
            pending.task_name,
            args=pending.args,
            kwargs=pending.kwargs,
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        )
    except Exception as exc:  # broker down: keep the row, it is retried later
        PendingTask.objects.filter(pk=pending_id).update(attempts=pending.attempts + 1)
        logger.warning("Broker unavailable, task %s kept for later: %s", pending.task_name, exc)
        return False
    PendingTask.objects.filter(pk=pending_id).delete()
    return True


def enqueue(task_name: str, *args, **kwargs) -> PendingTask:
    """Write the task to the outbox now and publish it once the transaction commits."""
    pending = PendingTask.objects.create(task_name=task_name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: _publish(pending.pk))
    return pending


def republish_pending(
    *, older_than: timedelta = timedelta(seconds=30), limit: int = 500, celery_app=None
) -> int:
    """Publish outbox rows that were not taken after commit; returns how many went out."""
    cutoff = timezone.now() - older_than
    ids = list(
        PendingTask.objects.filter(created_at__lte=cutoff).values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if _publish(pk, celery_app=celery_app))
