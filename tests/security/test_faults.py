"""Faults with real services: a private Redis stopped and started while a rep logs a visit and
an admin queues an import check, a Celery worker killed with SIGKILL in the middle of an import
and of an undo, an import command killed half-way, the app's PostgreSQL connections terminated
(what a restart does to it).

The web app runs under gunicorn, the worker under Celery and the import command as its own
process, on the test database (`tests/security/fault_settings.py`); the shared Redis and
PostgreSQL servers are never stopped. The import code is used through its public entry points
only (pages, the queued task, `manage.py import_customers`). A time bound (5 s) is asserted
only where the issue sets one: a save while Redis is down.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from accounts.models import Account, Contact, Order
from core.models import PendingTask
from crm.models import User
from imports import services as import_services
from imports.models import ImportBatch
from tests.factories import AccountFactory, UserFactory
from visits.models import Visit, VisitPlan

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-Secret-123"
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.redis]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
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


def _env(redis_url: str, media_root: Path) -> dict:
    from config.settings.base import database_url_for

    database_url = database_url_for(connection.settings_dict)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CRM_"))}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "tests.security.fault_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CRM_RUN_DIR": str(ROOT / ".run" / "faults"),
        "CRM_MEDIA_ROOT": str(media_root),
        # Every import file goes to a worker, and a batch whose run died is taken again
        # after 2 s (production: an hour, as long as Redis' visibility timeout).
        "CRM_IMPORT_INLINE_MAX_BYTES": "0",
        "CRM_IMPORT_STALE_SECONDS": "2",
    }


class Processes:
    def __init__(self):
        self.procs: list[subprocess.Popen] = []

    def start(self, cmd, env, **kwargs) -> subprocess.Popen:
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, **kwargs)
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
            "config.wsgi:application",
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
            "config",
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


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=5)
    assert page.status_code == 200, (url, page.status_code)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]


def _timed_post(session: requests.Session, url: str, data: dict, **kwargs):
    started = time.monotonic()
    response = session.post(
        url, data, headers={"Referer": url}, allow_redirects=False, timeout=10, **kwargs
    )
    return response, time.monotonic() - started


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """One media folder for this process, gunicorn and the workers (uploaded import files)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def _customers_csv(path: Path, rows: int, prefix: str) -> Path:
    """A legacy list: one company and its contact per row."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write("客户名称,联系人,手机\n")
        for i in range(rows):
            fh.write(f"{prefix}{i}有限公司,联系人{i},139{i:08d}\n")
    return path


def _upload(session: requests.Session, base: str, path: Path) -> ImportBatch:
    """Upload a customers file on the import page; the batch it made."""
    url = f"{base}/imports/new/"
    token = _csrf(session, url)
    with path.open("rb") as fh:
        response, _ = _timed_post(
            session,
            url,
            {
                "kind": "customers",
                "encoding": "",
                "saved_mapping": "",
                "csrfmiddlewaretoken": token,
            },
            files={"file": (path.name, fh, "text/csv")},
        )
    assert response.status_code == 302, response.text[:500]
    batch_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    return ImportBatch.objects.get(pk=batch_id)


def _config_form(batch: ImportBatch, owner: User, action: str) -> dict:
    """The batch page's form as the admin submits it (mapping as detected; the new accounts' owner
    a sales rep, as the page asks of an admin)."""
    return {
        "mode": "skip",
        "on_error": "all_or_nothing",
        "invalid_phones": "note",
        "owner": owner.pk,
        "header_row": batch.header_row,
        "encoding": batch.encoding,
        **{f"col_{i}": target for i, target in enumerate(batch.mapping)},
        "action": action,
    }


def _republish(env: dict) -> None:
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import datetime; from core.queue import republish_pending; "
            "print(republish_pending(older_than=datetime.timedelta(0)))",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


def _status(batch_id: int) -> str:
    return ImportBatch.objects.filter(pk=batch_id).values_list("status", flat=True).get()


def test_saves_succeed_while_redis_is_down_and_queued_work_runs_after(
    private_redis, processes, media_root, tmp_path
):
    rep = UserFactory(username="fieldrep")
    UserFactory(username="fieldadmin", role="admin")  # signs in below, starts the check
    account = AccountFactory(owner=rep, name="Existing Co.")
    env = _env(private_redis.url, media_root)
    base = _start_web(processes, env)
    session = _signed_in(base, "fieldrep")
    admin_session = _signed_in(base, "fieldadmin")
    legacy = _customers_csv(tmp_path / "legacy.csv", 300, "离线公司")
    batch = _upload(admin_session, base, legacy)
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
        # The real visit log, as a rep on a phone fills it in, planning the next visit.
        (
            f"/visits/log/?account={account.pk}",
            {
                "account": account.pk,
                "visit_date": "2026-06-02",
                "visit_time": "10:30",
                "purpose": "Logged while Redis was down",
                "outcome": "Samples left",
                "duration_minutes": "45",
                "expenses": "38.50",
                "next_visit_date": "2026-06-16",
            },
        ),
    ]
    for path, data in saves:
        status, seconds = _post_form(session, base, path, data)
        assert status == 302, (path, status)
        assert seconds < 5, (path, seconds)
    assert Account.objects.filter(name="Saved While Down", owner=rep).exists()
    assert Contact.objects.filter(account=account, name="李娜").exists()
    assert Order.objects.filter(account=account, amount=1200).exists()
    visit = Visit.objects.get(account=account)
    assert (visit.purpose, visit.duration_minutes, str(visit.expenses), visit.logged_by) == (
        "Logged while Redis was down",
        45,
        "38.50",
        rep,
    )
    assert list(VisitPlan.objects.filter(account=account).values_list("planned_date", flat=True))
    # A save that queues work: the admin starts the check of the uploaded file.
    url = f"{base}/imports/{batch.pk}/"
    token = _csrf(admin_session, url)
    response, seconds = _timed_post(
        admin_session, url, {**_config_form(batch, rep, "check"), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302, response.text[:500]
    assert seconds < 5, seconds
    assert _status(batch.pk) == "validating"
    # Logging a visit queues no task today; the import check waits in the outbox.
    assert list(PendingTask.objects.values_list("task_name", "args", "kwargs", "attempts")) == [
        (import_services.TASK, [batch.pk], {"dry_run": True}, 1)
    ]

    private_redis.start()
    _start_worker(processes, env)
    _republish(env)
    _wait(lambda: _status(batch.pk) == "ready", 90, "the queued check to run")
    batch.refresh_from_db()
    assert (batch.counts["rows"], batch.counts["accounts_create"]) == (300, 300)
    assert not Account.objects.filter(name__startswith="离线公司").exists()  # a dry run
    assert not PendingTask.objects.exists()


def _writing_backends() -> list[int]:
    """Backends of other sessions whose open transaction has written to the accounts table
    (they hold its RowExclusiveLock until they commit or roll back)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.relation = 'accounts_account'::regclass AND l.mode = 'RowExclusiveLock' "
            "AND l.granted AND a.datname = current_database() AND l.pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _gone(pids: list[int]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
        return cursor.fetchone()[0] == 0


def _kill_while_writing(proc: subprocess.Popen, what: str) -> None:
    """SIGKILL `proc` half-way: while its import transaction is writing accounts. Then wait
    until PostgreSQL has ended its session (the transaction is rolled back)."""
    # Polled often: the writing phase of a fast import lasts well under a second.
    writers = _wait(_writing_backends, 120, f"{what} to start writing accounts", every=0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    _wait(lambda: _gone(writers), 120, f"PostgreSQL to end the session of the killed {what}")


IMPORT_ROWS = 60_000


def _assert_nothing_of(batch_id: int) -> None:
    assert not Account.objects.filter(import_batch_id=batch_id).exists()
    assert not Contact.objects.filter(import_batch_id=batch_id).exists()
    assert Account.objects.count() == 0
    assert Contact.objects.count() == 0


def test_worker_killed_mid_import_runs_it_again_and_its_rows_are_written_once(
    private_redis, processes, media_root, tmp_path
):
    UserFactory(username="bigimporter", role="admin")
    env = _env(private_redis.url, media_root)
    base = _start_web(processes, env)
    session = _signed_in(base, "bigimporter")
    batch = _upload(session, base, _customers_csv(tmp_path / "big.csv", IMPORT_ROWS, "重启公司"))
    worker = _start_worker(processes, env)
    token = _csrf(session, f"{base}/imports/{batch.pk}/")
    response, _ = _timed_post(
        session, f"{base}/imports/{batch.pk}/commit/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302, response.text[:300]
    _kill_while_writing(worker, "the worker")
    _assert_nothing_of(batch.pk)
    assert _status(batch.pk) == "running"  # taken, not done: the task was never acknowledged

    _start_worker(processes, env)
    _wait(lambda: _status(batch.pk) in ("done", "failed"), 180, "the task to run again")
    batch.refresh_from_db()
    assert batch.status == "done", batch.message
    assert Account.objects.filter(import_batch=batch).count() == IMPORT_ROWS
    assert Contact.objects.filter(import_batch=batch).count() == IMPORT_ROWS
    assert Account.objects.count() == IMPORT_ROWS
    assert Account.objects.values("normalized_name").distinct().count() == IMPORT_ROWS
    time.sleep(4)  # past the visibility timeout: a third delivery would show now
    assert Account.objects.count() == IMPORT_ROWS
    assert ImportBatch.objects.get(pk=batch.pk).status == "done"


def _import_command(processes: Processes, env: dict, path: Path, user: str) -> subprocess.Popen:
    return processes.start(
        [sys.executable, "manage.py", "import_customers", str(path), "--user", user, "--json"],
        env,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def killed_import(private_redis, processes, media_root, tmp_path):
    """`manage.py import_customers` on a big file, killed with SIGKILL half-way."""
    admin = UserFactory(username="cliadmin", role="admin")
    env = _env(private_redis.url, media_root)
    path = _customers_csv(tmp_path / "legacy-big.csv", IMPORT_ROWS, "中断公司")
    _kill_while_writing(_import_command(processes, env, path, "cliadmin"), "the import")
    return {"batch": ImportBatch.objects.get(), "admin": admin, "env": env, "path": path}


def test_an_import_interrupted_half_way_leaves_no_partial_rows(killed_import, processes):
    batch = killed_import["batch"]
    _assert_nothing_of(batch.pk)
    # The batch stays as the killed process left it: taken, never done; the history says so.
    assert batch.status == "running" and batch.finished_at is None
    assert not batch.is_editable
    # Running the same file again is a fresh batch, which imports every row once.
    again = _import_command(processes, killed_import["env"], killed_import["path"], "cliadmin")
    out, _ = again.communicate(timeout=300)
    assert again.returncode == 0, out[-500:]
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "done"
    assert summary["counts"]["accounts_create"] == IMPORT_ROWS
    assert Account.objects.filter(import_batch_id=summary["batch"]).count() == IMPORT_ROWS
    assert Account.objects.count() == IMPORT_ROWS
    assert ImportBatch.objects.get(pk=batch.pk).status == "running"


def test_a_batch_whose_import_died_can_be_run_again_once_stale(killed_import, settings):
    from django.core.exceptions import ValidationError

    settings.CRM_IMPORT_STALE_SECONDS = 0
    batch, admin = killed_import["batch"], killed_import["admin"]
    try:
        import_services.import_batch_commit(actor=admin, batch=batch, dispatch=False)
    except ValidationError:
        batch.refresh_from_db()
        assert batch.status == "failed", "neither re-runnable nor shown as failed"
        return
    import_services.import_batch_run(batch_id=batch.pk, dry_run=False)
    batch.refresh_from_db()
    assert batch.status == "done"
    assert Account.objects.filter(import_batch=batch).count() == IMPORT_ROWS


def test_worker_killed_mid_undo_runs_it_again_and_undoes_everything_once(
    private_redis, processes, media_root, tmp_path
):
    from core.models import AuditEntry
    from tests.imports.conftest import fingerprint

    # Given a big import (by the command line, its own process)
    UserFactory(username="undoer", role="admin")
    env = _env(private_redis.url, media_root)
    before = fingerprint()
    path = _customers_csv(tmp_path / "to-undo.csv", IMPORT_ROWS, "撤销公司")
    command = _import_command(processes, env, path, "undoer")
    out, _ = command.communicate(timeout=300)
    assert command.returncode == 0, out[-500:]
    batch = ImportBatch.objects.get()
    after_import = fingerprint()
    # When its undo is asked for on the page and the worker is killed while deleting
    base = _start_web(processes, env)
    session = _signed_in(base, "undoer")
    worker = _start_worker(processes, env)
    url = f"{base}/imports/{batch.pk}/undo/"
    response, _ = _timed_post(session, url, {"csrfmiddlewaretoken": _csrf(session, url)})
    assert response.status_code == 302, response.text[:300]
    _kill_while_writing(worker, "the worker")
    # Then nothing of the undo is kept: every row of the import is there, unchanged
    assert _status(batch.pk) == "undoing"
    assert fingerprint() == after_import
    # And once its run is stale (2 s here), its page says so and offers to undo again
    time.sleep(2.5)
    page = session.get(f"{base}/imports/{batch.pk}/", timeout=10).text
    assert "This undo has shown no sign of life since" in page
    # And the task, delivered again to a new worker, undoes everything once
    _start_worker(processes, env)
    _wait(lambda: _status(batch.pk) in ("undone", "done"), 300, "the undo to run again")
    batch.refresh_from_db()
    assert batch.status == "undone", batch.message
    assert fingerprint() == before
    time.sleep(4)  # past the visibility timeout: a third delivery would show now
    assert fingerprint() == before
    assert _status(batch.pk) == "undone"
    undos = AuditEntry.objects.filter(model="imports.ImportBatch", action="undo")
    assert undos.count() == 1


def test_app_reconnects_after_its_database_connections_are_terminated(
    private_redis, processes, media_root
):
    rep = UserFactory(username="pgrep")
    AccountFactory(owner=rep, name="Survives Restart Ltd.")
    base = _start_web(processes, _env(private_redis.url, media_root))
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
