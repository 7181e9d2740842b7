"""With a real Celery worker on real Redis: the beat's dispatch task queues one send task per
channel through the outbox; a robot that answers 500 first is retried by the worker after
its backoff and gets the batch once; two dispatches at once send nothing twice."""

import time

import pytest

from robots.models import RobotMessage, RobotWebhook
from robots.tasks import robots_dispatch_task
from tests.factories import AccountFactory, ReminderFactory
from visits.models import Reminder

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def worker(celery_workers):
    """One worker (two processes) that may reach the loopback platforms, retrying after 1 s."""
    celery_workers.env.update(
        {
            "CRM_ROBOTS_ALLOW_HTTP_HOSTS": "127.0.0.1",
            "CRM_ROBOTS_RETRY_BACKOFF_SECONDS": "1",
            "CRM_ROBOTS_TIMEOUT_SECONDS": "2",
        }
    )
    celery_workers.start("robots", concurrency=2)
    return celery_workers.logs


def test_the_worker_sends_each_channel_once_and_retries_a_failing_one(
    org, platforms_server, worker, settings
):
    settings.CRM_ROBOTS_RETRY_BACKOFF_SECONDS = 1
    day = "2026-05-04"
    robots = {
        "ok": RobotWebhook.objects.create(
            platform="dingtalk",
            name="ok",
            url=platforms_server.robot("dingtalk", "ok", secret="SECa"),
            secret="SECa",
            user=org["r1"],
        ),
        "flaky": RobotWebhook.objects.create(
            platform="feishu",
            name="flaky",
            url=platforms_server.robot("feishu", "flaky", secret="b", mode="flaky"),
            secret="b",
            team=org["t1"],
        ),
    }
    for i in range(5):
        account = AccountFactory(owner=org["r1" if i % 2 else "r2"], name=f"Co {i}")
        ReminderFactory(account=account, kind=Reminder.Kind.VISIT_OVERDUE, date=day, remind_on=day)

    # Two dispatches at once (the beat and a manual run): nothing is claimed twice.
    robots_dispatch_task.delay(day)
    robots_dispatch_task.delay(day)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = set(RobotMessage.objects.values_list("state", flat=True))
        if states == {"sent"} and RobotMessage.objects.count() == 2:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"not delivered: {list(RobotMessage.objects.values())}\n{worker()}")

    assert platforms_server.problems() == []
    assert len(platforms_server.for_token("ok")) == 1
    assert len(platforms_server.for_token("flaky")) == 2  # a 500, then the retry
    flaky = RobotMessage.objects.get(webhook=robots["flaky"])
    assert flaky.attempts == 2
    time.sleep(2)  # nothing more arrives
    assert len(platforms_server.received) == 3
