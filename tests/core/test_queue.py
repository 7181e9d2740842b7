"""The task outbox: published after commit through real Redis, kept while the broker is down."""

import base64
import collections
import datetime
import json
import threading

import pytest
import redis
from celery import Celery
from django.db import connection, transaction
from django.utils import timezone

from core.models import PendingTask
from core.queue import _publish, enqueue, republish_pending
from tests.factories import PendingTaskFactory

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
    dead = Celery("dead", broker="redis://127.0.0.1:1/0", set_as_current=False)
    dead.conf.broker_connection_timeout = 1
    dead.conf.broker_transport_options = {"socket_connect_timeout": 1}
    pending = PendingTaskFactory(task_name=TASK)
    PendingTask.objects.filter(pk=pending.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert republish_pending(celery_app=dead) == 0
    assert PendingTask.objects.get(pk=pending.pk).attempts == 1
    assert republish_pending() == 1
    assert not PendingTask.objects.exists()
    assert _queue_length(clean_queue) == 1


def test_after_a_failed_publish_the_other_rows_wait_without_a_try(clean_queue):
    dead = Celery("dead", broker="redis://127.0.0.1:1/0", set_as_current=False)
    dead.conf.broker_connection_timeout = 1
    dead.conf.broker_transport_options = {"socket_connect_timeout": 1}
    PendingTask.objects.bulk_create(PendingTask(task_name=TASK, args=[i]) for i in range(3))
    PendingTask.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert republish_pending(celery_app=dead) == 0
    # one try, which failed; the two others were not tried; nothing left the outbox
    assert list(PendingTask.objects.values_list("args", "attempts")) == [
        ([0], 1),
        ([1], 0),
        ([2], 0),
    ]
    assert republish_pending(celery_app=dead) == 0  # within the back-off: no try at all
    assert list(PendingTask.objects.values_list("attempts", flat=True)) == [1, 0, 0]
    assert republish_pending() == 3  # the real broker is another server: not skipped
    assert sorted(_published_args(clean_queue)) == [0, 1, 2]


def test_republish_leaves_fresh_rows_to_the_commit_hook(clean_queue):
    PendingTaskFactory(task_name=TASK)
    assert republish_pending() == 0
    assert PendingTask.objects.count() == 1


def _published_args(url: str) -> list:
    """The first argument of every task message in the broker's queue."""
    client = redis.Redis.from_url(url)
    return [
        json.loads(base64.b64decode(json.loads(raw)["body"]))[0][0]
        for raw in client.lrange("celery", 0, -1)
    ]


def test_two_republishers_at_once_publish_every_row_exactly_once(clean_queue):
    # Given 200 rows that missed their commit hook
    PendingTask.objects.bulk_create(PendingTask(task_name=TASK, args=[i]) for i in range(200))
    PendingTask.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    start = threading.Barrier(2)
    published: list[int] = []
    errors: list[BaseException] = []

    def republisher():
        try:
            start.wait(timeout=30)
            while PendingTask.objects.exists():
                published.append(republish_pending(limit=20))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    # When two republishers (two beats) run at the same time, each on its own connection
    threads = [threading.Thread(target=republisher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # Then every row went out once: 200 messages, one per row, and the outbox is empty
    assert errors == []
    counts = collections.Counter(_published_args(clean_queue))
    assert sorted(counts) == list(range(200))
    assert set(counts.values()) == {1}
    assert sum(published) == 200
    assert not PendingTask.objects.exists()


def test_a_row_another_publisher_holds_is_left_to_it(clean_queue):
    pending = PendingTaskFactory(task_name=TASK, args=[1])
    PendingTask.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    holding, release, done = threading.Event(), threading.Event(), threading.Event()

    def other_publisher():
        try:
            with transaction.atomic():
                list(PendingTask.objects.select_for_update().filter(pk=pending.pk))
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=other_publisher)
    thread.start()
    assert holding.wait(timeout=30)
    try:
        # While another publisher holds the row, neither the beat nor the commit hook sends it
        assert republish_pending() == 0
        assert _publish(pending.pk) is True
        assert _queue_length(clean_queue) == 0
    finally:
        release.set()
        thread.join(timeout=30)
    assert PendingTask.objects.get(pk=pending.pk).attempts == 0
    assert republish_pending() == 1
    assert _published_args(clean_queue) == [1]
