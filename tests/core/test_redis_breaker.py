"""A Redis that hangs (SIGSTOP: connections are accepted, nothing is answered) costs a request
one timeout, not one per cache call: after the first failure the cache and the outbox
publisher of the process skip that server for CRM_REDIS_BACKOFF_SECONDS (core.redis_breaker).

The app runs in a child process with the settings of `make run` and production (the Redis
cache of config.settings.base, the broker's own timeouts), DEBUG off, on the test database and a
Redis of this test's own; the shared Redis is never stopped. The child makes the requests with
Django's test client and reports how many calls its breaker let through to Redis, how many
failed and how many it skipped (wall time is not asserted: speed is measured in benchmarks)."""

import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from django.db import connection

from config.settings.base import database_url_for
from core.models import PendingTask
from core.redis_breaker import CircuitBreaker, server_of
from scoring.models import TierRun
from scoring.services import tiers_recompute
from tests.factories import OrderFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]
RECOMPUTE = "scoring.tasks.recompute_tiers_task"

# Runs in the child. `phase(name, call)` records the response's status and what the breaker of
# the private Redis counted during the call; `hung()` stops that Redis around a block.
PRELUDE = """
import contextlib, json, os, signal, time
from django.conf import settings
from django.test import Client, override_settings
from crm.models import User
from core.queue import republish_pending
from core.redis_breaker import breaker_for, server_of

breaker = breaker_for(server_of(settings.REDIS_URL))
redis_pid = int(os.environ["TEST_REDIS_PID"])
client = Client(HTTP_HOST="localhost")
client.force_login(User.objects.get(username="m1"))
report = {}

def counts():
    return {"calls": breaker.calls, "failures": breaker.failures, "skipped": breaker.skipped}

def phase(name, call):
    before = counts()
    result = call()
    after = counts()
    report[name] = {"result": result, **{k: after[k] - before[k] for k in after}}

@contextlib.contextmanager
def hung():
    os.kill(redis_pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(redis_pid, signal.SIGCONT)

def dashboard():
    return client.get("/dashboard/", secure=True).status_code

def recompute():
    return client.post("/api/v1/scoring/runs/", secure=True).status_code

def republish():
    import datetime
    return republish_pending(older_than=datetime.timedelta(0))

def after_the_backoff(call):
    # The back-off (600 s in this process) has passed: 1 s now, waited out.
    with override_settings(CRM_REDIS_BACKOFF_SECONDS=1):
        time.sleep(1.2)
        return call()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own on a free port (the child stops and resumes it)."""

    def __init__(self):
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                if self.client(0).ping():
                    break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int) -> redis.Redis:
        return redis.Redis.from_url(self.url(db), socket_timeout=5)

    def stop(self):
        self.proc.send_signal(signal.SIGCONT)  # never leave it stopped
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def private_redis(require_redis):
    server = PrivateRedis()
    yield server
    server.stop()


@pytest.fixture
def scored(org):
    """The org's accounts with an order each and a finished recompute: the dashboard shows
    (and caches) every figure of the latest run."""
    for number, account in enumerate(org["accounts"].values(), start=1):
        OrderFactory(account=account, date=datetime.date.today(), amount=Decimal(1000 * number))
    tiers_recompute(trigger=TierRun.Trigger.CLI)
    return org


def _run_app(private: PrivateRedis, script: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CRM_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="false",
        DATABASE_URL=database_url_for(connection.settings_dict),
        REDIS_URL=private.url(0),  # the cache: the same server, database 1
        CRM_REDIS_BACKOFF_SECONDS="600",
        TEST_REDIS_PID=str(private.proc.pid),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRELUDE + script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _recompute_messages(private: PrivateRedis) -> list[str]:
    return [json.loads(raw)["headers"]["task"] for raw in private.client(0).lrange("celery", 0, -1)]


@pytest.mark.slow  # stops a Redis server (SIGSTOP)
def test_a_hung_redis_costs_the_dashboard_one_call_and_the_publisher_none(scored, private_redis):
    report = _run_app(
        private_redis,
        """
phase("warm", dashboard)
with hung():
    phase("dashboard", dashboard)
    phase("recompute", recompute)
phase("republish_in_backoff", republish)
phase("republish_after", lambda: after_the_backoff(republish))
phase("dashboard_after", dashboard)
print(json.dumps(report))
""",
    )
    # Redis answering: the dashboard reads and fills the cache, nothing fails
    warm = report["warm"]
    assert warm["result"] == 200 and warm["failures"] == 0 and warm["skipped"] == 0
    assert warm["calls"] >= 10
    # Hung: the first cache call times out, every other one of the page is skipped (a miss
    # skips the read and the write of a figure)
    hung = report["dashboard"]
    assert (hung["result"], hung["calls"], hung["failures"]) == (200, 1, 1)
    assert hung["skipped"] >= warm["calls"] - 1
    # A recompute queued meanwhile makes no call at all: its task waits in the outbox
    assert report["recompute"] == {"result": 202, "calls": 0, "failures": 0, "skipped": 1}
    # Redis answers again, but within the back-off the beat's republish does not try yet
    assert report["republish_in_backoff"] == {
        "result": 0,
        "calls": 0,
        "failures": 0,
        "skipped": 1,
    }
    # After the back-off: published once, and the dashboard uses the cache again
    assert report["republish_after"] == {"result": 1, "calls": 1, "failures": 0, "skipped": 0}
    assert not PendingTask.objects.exists()
    assert _recompute_messages(private_redis) == [RECOMPUTE]
    after = report["dashboard_after"]
    assert (after["result"], after["failures"], after["skipped"]) == (200, 0, 0)
    assert 0 < after["calls"] <= warm["calls"]  # the figures cached before are read again
    assert private_redis.client(1).keys("crm:*")  # the cache holds figures again


@pytest.mark.slow  # stops a Redis server (SIGSTOP)
def test_a_hung_redis_costs_a_queued_recompute_one_publish_and_the_next_page_no_call(
    scored, private_redis
):
    report = _run_app(
        private_redis,
        """
with hung():
    phase("recompute", recompute)
    phase("dashboard", dashboard)
phase("republish_after", lambda: after_the_backoff(republish))
print(json.dumps(report))
""",
    )
    # The publish is tried once (no retry inside the request) and fails: the run is queued
    assert report["recompute"] == {"result": 202, "calls": 1, "failures": 1, "skipped": 0}
    # The page that follows skips the cache altogether
    dashboard = report["dashboard"]
    assert dashboard["result"] == 200 and dashboard["calls"] == 0 and dashboard["failures"] == 0
    assert dashboard["skipped"] >= 10
    # The task waited in the outbox and was published once Redis answered again
    assert report["republish_after"] == {"result": 1, "calls": 1, "failures": 0, "skipped": 0}
    assert not PendingTask.objects.exists()
    assert _recompute_messages(private_redis) == [RECOMPUTE]
    assert TierRun.objects.filter(status=TierRun.Status.QUEUED).count() == 1


def test_the_cache_and_the_broker_of_one_server_share_its_breaker():
    assert server_of("redis://10.0.0.5:6379/1") == server_of("redis://10.0.0.5:6379/0")
    assert server_of("redis://10.0.0.5/0") == "10.0.0.5:6379"
    assert server_of("redis://10.0.0.5:6380/0") != server_of("redis://10.0.0.5:6379/0")
    assert server_of("filesystem://") == "filesystem"


def test_after_the_backoff_one_trial_call_goes_through_and_the_others_keep_skipping(settings):
    settings.CRM_REDIS_BACKOFF_SECONDS = 0
    breaker = CircuitBreaker("test")
    breaker.failed(redis.TimeoutError("timed out"))
    assert breaker.allow() is True  # the trial
    settings.CRM_REDIS_BACKOFF_SECONDS = 600
    assert breaker.allow() is False  # while the trial has not reported
    breaker.succeeded()
    assert breaker.allow() is True
    assert (breaker.calls, breaker.failures, breaker.skipped) == (2, 1, 1)
