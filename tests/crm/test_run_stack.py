"""`make run`'s stack with DATABASE_URL: web, worker and beat on that PostgreSQL (a database of
its own on the test suite's server) and the file broker, no Redis needed. (Without DATABASE_URL,
with the embedded PostgreSQL under it: test_make_run.)

Beat fires the outbox job every second here; the worker runs it and empties the outbox, which
proves that scheduled jobs really run."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from config.settings.base import database_url_for

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env, *args) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout


@pytest.fixture
def stack_database():
    """The URL of a new database on the test suite's PostgreSQL server, dropped afterwards."""
    name = f"crm_run_stack_{os.getpid()}"
    server = database_url_for(connection.settings_dict, "postgres")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield database_url_for(connection.settings_dict, name)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.mark.slow  # about a minute: web, worker and beat processes, stopped by signal
def test_runall_serves_and_beat_and_worker_process_jobs(tmp_path, stack_database):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": stack_database,
        "CRM_RUN_DIR": str(tmp_path / "run"),
        "CRM_OUTBOX_REPUBLISH_SECONDS": "1",
    }
    env.pop("REDIS_URL", None)
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo", "--accounts", "20", "--if-empty")
    _manage(
        env,
        "shell",
        "-c",
        "import datetime; from core.models import PendingTask; "
        "p = PendingTask.objects.create(task_name='crm.tasks.republish_pending_tasks_task'); "
        "PendingTask.objects.filter(pk=p.pk).update(created_at=datetime.datetime(2020, 1, 1, "
        "tzinfo=datetime.timezone.utc))",
    )
    proc = subprocess.Popen(
        # --migrate and --seed-demo find nothing to do: done above
        [
            sys.executable,
            "manage.py",
            "runall",
            "--port",
            str(port),
            "--migrate",
            "--seed-demo",
            "20",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/").status
            except OSError:
                time.sleep(0.5)
        assert status == 200
        remaining = None
        while time.monotonic() < deadline:
            remaining = (
                _manage(
                    env,
                    "shell",
                    "-c",
                    "from core.models import PendingTask; print(PendingTask.objects.count())",
                )
                .strip()
                .splitlines()[-1]
            )
            if remaining == "0":
                break
            time.sleep(1)
        assert remaining == "0", "beat + worker did not run the scheduled job"
        children = _children(proc.pid)
        assert len(children) == 3, children  # web, worker, beat
    finally:
        # SIGTERM to runall alone (Ctrl-C, which reaches the whole group, is test_make_run's):
        # it must stop its children too, not orphan them.
        proc.send_signal(signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    assert "Demo logins" in output
    assert "No migrations to apply." in output
    assert "Embedded PostgreSQL" not in output  # DATABASE_URL's server, nothing started
    assert not (tmp_path / "run" / "pgdata").exists()
    assert proc.returncode is not None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.2)
    assert [pid for pid in children if _alive(pid)] == []


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
