"""The task outbox: published after commit through real Redis, kept while the broker is down."""

import datetime

import pytest
import redis
from celery import Celery
from django.db import transaction
from django.utils import timezone

from crm.models import PendingTask
from crm.queue import enqueue, republish_pending

pytestmark = pytest.mark.django_db(transaction=True)
TASK = "crm.tasks.republish_pending_tasks_task"


def _queue_length(url: str) -> int:
    return redis.Redis.from_url(url).llen("celery")


@pytest.fixture
def clean_queue(require_redis):
    client = redis.Redis.from_url(require_redis)
    client.delete("celery")
    yield require_redis
    client.delete("celery")


def test_enqueue_publishes_after_commit_and_clears_the_outbox(clean_queue):
    with transaction.atomic():
        enqueue(TASK)
        assert PendingTask.objects.count() == 1
        assert _queue_length(clean_queue) == 0  # nothing leaves before commit
    assert PendingTask.objects.count() == 0
    assert _queue_length(clean_queue) == 1


def test_rolled_back_work_queues_nothing(clean_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(TASK)
        raise RuntimeError("boom")
    assert PendingTask.objects.count() == 0
    assert _queue_length(clean_queue) == 0


def test_broker_down_keeps_the_task_and_republish_sends_it_later(clean_queue):
    dead = Celery("dead", broker="redis://127.0.0.1:1/0")
    dead.conf.broker_connection_timeout = 1
    dead.conf.broker_transport_options = {"socket_connect_timeout": 1}
    pending = PendingTask.objects.create(task_name=TASK)
    PendingTask.objects.filter(pk=pending.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert republish_pending(celery_app=dead) == 0
    assert PendingTask.objects.get(pk=pending.pk).attempts == 1
    assert republish_pending() == 1
    assert not PendingTask.objects.exists()
    assert _queue_length(clean_queue) == 1


def test_republish_leaves_fresh_rows_to_the_commit_hook(clean_queue):
    PendingTask.objects.create(task_name=TASK)
    assert republish_pending() == 0
    assert PendingTask.objects.count() == 1
