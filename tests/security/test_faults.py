"""Faults with real services: a private Redis stopped and started, a Celery worker killed with
SIGKILL mid-task, the app's PostgreSQL connections terminated (what a restart does to it).

The web app runs under gunicorn and the worker under Celery, as separate processes on the test
database (`tests/security/fault_settings.py`); the shared Redis and PostgreSQL servers are never
stopped. A time bound (5 s) is asserted only where the issue sets one: a save while Redis is down.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from celery import Celery
from django.db import connection

from accounts.models import Account, Contact, Order
from crm.models import PendingTask
from tests.factories import AccountFactory, UserFactory
from tests.security.faultapp.tasks import EFFECTS_TABLE, RUNS_TABLE

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-Secret-123"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.postgres]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class PrivateRedis:
    """A redis-server of our own on a free port, which the test may stop and start."""

    def __init__(self):
        self.port = _free_port()
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        _wait(lambda: _pings(redis, self.url), 15, "the private Redis")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


def _pings(redis, url) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def private_redis(require_redis):
    if not __import__("shutil").which("redis-server"):
        pytest.fail("redis-server is needed for the fault tests")
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fault_tables(require_postgres):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {RUNS_TABLE} (id serial, key text)")
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {EFFECTS_TABLE} (key text PRIMARY KEY)")
        cursor.execute(f"TRUNCATE {RUNS_TABLE}, {EFFECTS_TABLE}")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RUNS_TABLE}, {EFFECTS_TABLE}")


def _count(table: str, key: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE key = %s", [key])
        return cursor.fetchone()[0]


def _env(redis_url: str) -> dict:
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    if db.get("PASSWORD"):
        database_url = database_url.replace(f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CRM_"))}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "tests.security.fault_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CRM_RUN_DIR": str(ROOT / ".run" / "faults"),
    }


class Processes:
    def __init__(self):
        self.procs: list[subprocess.Popen] = []

    def start(self, cmd, env) -> subprocess.Popen:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.procs.append(proc)
        return proc

    def stop_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def processes():
    group = Processes()
    yield group
    group.stop_all()


def _start_web(processes: Processes, env: dict) -> str:
    port = _free_port()
    processes.start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "crm.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "60",
        ],
        env,
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(f"{base}/login/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    _wait(up, 60, "gunicorn")
    return base


def _start_worker(processes: Processes, env: dict) -> subprocess.Popen:
    return processes.start(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "--pool",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
        ],
        env,
    )


def _signed_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=5)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    response = session.post(
        f"{base}/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302, response.text[:300]
    return session


def _post_form(session: requests.Session, base: str, path: str, data: dict) -> tuple[int, float]:
    page = session.get(f"{base}{path}", timeout=5)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    started = time.monotonic()
    response = session.post(
        f"{base}{path}",
        {**data, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}{path}"},
        allow_redirects=False,
        timeout=10,
    )
    return response.status_code, time.monotonic() - started


def test_saves_succeed_while_redis_is_down_and_queued_work_runs_after(
    private_redis, fault_tables, processes
):
    rep = UserFactory(username="fieldrep")
    account = AccountFactory(owner=rep, name="Existing Co.")
    env = _env(private_redis.url)
    base = _start_web(processes, env)
    session = _signed_in(base, "fieldrep")
    private_redis.stop()

    saves = [
        (
            "/accounts/new/",
            {
                "name": "Saved While Down",
                "channel": "direct",
                "lifecycle": "existing",
                "source": "visit",
                "owner": rep.pk,
            },
        ),
        (f"/accounts/{account.pk}/contacts/new/", {"account": account.pk, "name": "李娜"}),
        (
            f"/accounts/{account.pk}/orders/new/",
            {"account": account.pk, "date": "2026-06-01", "amount": "1200.00"},
        ),
    ]
    for path, data in saves:
        status, seconds = _post_form(session, base, path, data)
        assert status == 302, (path, status)
        assert seconds < 5, (path, seconds)
    assert Account.objects.filter(name="Saved While Down", owner=rep).exists()
    assert Contact.objects.filter(account=account, name="李娜").exists()
    assert Order.objects.filter(account=account, amount=1200).exists()

    # a save that queues work (stand-in for the visit log): saved, and the task waits
    key = uuid.uuid4().hex
    token = session.cookies["csrftoken"]
    started = time.monotonic()
    response = session.post(
        f"{base}/fault/save-and-queue/",
        {"name": "Queued While Down", "key": key, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/"},
        timeout=10,
    )
    assert response.status_code == 201, response.text[:300]
    assert time.monotonic() - started < 5
    assert Account.objects.filter(name="Queued While Down").exists()
    pending = PendingTask.objects.get(task_name="faultapp.record_effect_task")
    assert pending.args == [key] and pending.attempts == 1

    private_redis.start()
    _start_worker(processes, env)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import datetime; from crm.queue import republish_pending; "
            "print(republish_pending(older_than=datetime.timedelta(0)))",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    _wait(lambda: _count(EFFECTS_TABLE, key) == 1, 60, "the queued task to run")
    assert not PendingTask.objects.exists()
    assert _count(RUNS_TABLE, key) == 1


def test_worker_killed_mid_task_runs_it_again_and_the_effect_happens_once(
    private_redis, fault_tables, processes
):
    env = _env(private_redis.url)
    worker = _start_worker(processes, env)
    key = uuid.uuid4().hex
    broker = Celery("fault-test", broker=private_redis.url)
    broker.send_task("faultapp.record_effect_task", args=[key, 60])
    _wait(lambda: _count(RUNS_TABLE, key) == 1, 60, "the task to start")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    assert _count(EFFECTS_TABLE, key) == 0  # killed before its effect

    _start_worker(processes, env)
    _wait(lambda: _count(EFFECTS_TABLE, key) == 1, 90, "the task to run again")
    time.sleep(4)  # past the visibility timeout: a third delivery would show now
    assert _count(RUNS_TABLE, key) == 2
    assert _count(EFFECTS_TABLE, key) == 1


def test_app_reconnects_after_its_database_connections_are_terminated(
    private_redis, processes, require_postgres
):
    rep = UserFactory(username="pgrep")
    AccountFactory(owner=rep, name="Survives Restart Ltd.")
    base = _start_web(processes, _env(private_redis.url))
    session = _signed_in(base, "pgrep")
    assert "Survives Restart Ltd." in session.get(f"{base}/accounts/", timeout=10).text
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        terminated = cursor.fetchone()[0]
    assert terminated >= 1, "the app kept no connection open, so nothing was tested"
    response = session.get(f"{base}/accounts/", timeout=10)
    assert response.status_code == 200
    assert "Survives Restart Ltd." in response.text
    status, _ = _post_form(
        session,
        base,
        "/accounts/new/",
        {
            "name": "Written After Restart",
            "channel": "direct",
            "lifecycle": "existing",
            "source": "web",
            "owner": rep.pk,
        },
    )
    assert status == 302
    assert Account.objects.filter(name="Written After Restart").exists()
