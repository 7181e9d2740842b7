"""With a real Celery worker on real Redis: the beat's dispatch task queues one send task per
channel through the outbox; a robot that answers 500 first is retried by the worker after
its backoff and gets the batch once; two dispatches at once send nothing twice."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

from robots.models import RobotMessage, RobotWebhook
from robots.tasks import robots_dispatch_task
from tests.factories import AccountFactory, ReminderFactory
from visits.models import Reminder

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.slow]


def _database_url() -> str:
    from config.settings.base import database_url_for

    return database_url_for(connection.settings_dict)


@pytest.fixture
def worker(require_redis, tmp_path):
    client = redis.Redis.from_url(require_redis)
    keys = ["celery", "unacked", "unacked_index", "unacked_mutex"]
    client.delete(*keys)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.visits.worker_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": require_redis,
        "CRM_ROBOTS_ALLOW_HTTP_HOSTS": "127.0.0.1",
        "CRM_ROBOTS_RETRY_BACKOFF_SECONDS": "1",
        "CRM_ROBOTS_TIMEOUT_SECONDS": "2",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "2",
                "-n",
                "robots@%h",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    yield lambda: log_path.read_text()[-3000:]
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    client.delete(*keys)


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
