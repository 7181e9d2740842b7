"""The recompute button and the import trigger through the outbox, real Redis and a real
Celery worker (in this process, so it uses the test database)."""

import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import scoring.tasks  # noqa: F401 - registers the tasks with the app
from config.celery import app
from core.models import PendingTask
from core.queue import enqueue
from scoring.models import TierRun
from tests.scoring.conftest import tiers_of

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for(run_filter, timeout: float = 60.0) -> TierRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = TierRun.objects.filter(**run_filter).first()
        if run is not None and run.is_done:
            return run
        time.sleep(0.2)
    raise AssertionError(f"no finished run {run_filter}: {list(TierRun.objects.values())}")


@pytest.fixture
def worker(require_redis):
    client = redis.Redis.from_url(require_redis)
    client.delete("celery")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield
    client.delete("celery")


def test_button_queues_and_a_worker_recomputes(worker, client, org, make_accounts):
    # The task recomputes as of today: date the orders today.
    accounts = make_accounts([50, 30, 20], date=timezone.localdate())
    client.force_login(org["m1"])
    response = client.post(reverse("scoring:recompute"))
    queued = TierRun.objects.get()
    assert response["Location"] == reverse("scoring:run_detail", args=[queued.pk])
    run = _wait_for({"pk": queued.pk})
    assert (run.status, run.trigger, run.actor) == ("succeeded", "manual", org["m1"])
    assert tiers_of(accounts) == ["A", "A", "B"]
    assert not PendingTask.objects.exists()
    page = client.get(reverse("scoring:run_detail", args=[run.pk])).content.decode()
    assert "Finished" in page and "data-run-poll" not in page


def test_an_import_queues_a_recompute(worker, org, make_accounts):
    accounts = make_accounts([10, 1], date=timezone.localdate())  # 10 of 11 before: B
    with transaction.atomic():
        enqueue("scoring.tasks.recompute_tiers_task", trigger="import", actor_id=org["admin"].pk)
    run = _wait_for({"trigger": "import"})
    assert (run.status, run.actor) == ("succeeded", org["admin"])
    assert tiers_of(accounts) == ["A", "B"]
