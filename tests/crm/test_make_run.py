"""`make run` from a clean copy of the project, with nothing but Python: it creates .venv,
installs, starts the embedded PostgreSQL (data in .run/pgdata), migrates, loads the demo, serves
with worker and beat, prints the ready block last; Ctrl-C stops all of it, the database last.
A run killed outright (SIGKILL to its process group, the database left running or killed too)
is followed by one that serves the same data.

Slow (the first run installs the requirements into a new .venv; each run migrates and starts
web, worker and beat): marked `slow`, select with `-m slow` or leave out with `-m "not slow"`.
"""

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from core.embedded_db import EmbeddedPostgres
from tests.factories import UserFactory
from tests.file_databases import file_databases

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "crm-demo-2026"
READY_LINE = "Web, worker and beat ready. Press Ctrl-C to stop."

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
    pytest.mark.skipif(
        shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout"
    ),
]

# The same rows on both servers: a rep, an account and one visit of 30 minutes yesterday, then
# a tier recompute. Its quadrant "input" is visits + hours × 0.5 = 1 + 0.5 × 0.5 = 1.25 (on the
# file database `make run` used before, the minutes / 60 came out as whole hours: 1.0000).
FIGURE_ROWS = """
import datetime
from decimal import Decimal
from django.utils import timezone
from accounts.models import Account
from accounts.normalize import normalize_account_name
from crm.models import User
from scoring.models import TierRun
from scoring.services import tiers_recompute
from visits.models import Visit

rep = User.objects.create_user(username="figures-rep", password="figures-Passw0rd!", role="rep")
account = Account.objects.create(
    owner=rep,
    name="Figures Ltd.",
    normalized_name=normalize_account_name("Figures Ltd."),
    lifecycle=Account.Lifecycle.EXISTING,
)
Visit.objects.create(
    account=account,
    visit_date=timezone.localdate() - datetime.timedelta(days=1),
    duration_minutes=30,
    expenses=Decimal("0"),
    logged_by=rep,
)
tiers_recompute(trigger=TierRun.Trigger.CLI)
print("figures-rep", rep.pk, account.pk)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_copy(target: Path) -> None:
    """The files a clone has (tracked, plus new ones not ignored), none of the local state."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / name.decode()
        if source.is_file():
            destination = target / name.decode()
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def _env(port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "CRM_", "VIRTUAL_ENV", "PG"))
    }
    env["PORT"] = str(port)
    return env


@pytest.fixture(scope="module")
def project():
    """A clean copy, shared by this module's tests (the second reuses the first's .venv).
    Not under pytest's base temp directory: the database runs as another user when we are
    root, and other pytest runs reset that directory to 0700."""
    base = Path(tempfile.mkdtemp(prefix="crm-make-run-"))
    path = base / "crm"
    _clean_copy(path)
    yield path
    EmbeddedPostgres(path / ".run").delete()
    shutil.rmtree(base, ignore_errors=True)


class MakeRun:
    """`make run` in its own process group, as in a terminal; its output collected."""

    def __init__(self, project: Path, port: int):
        self.project, self.port = project, port
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            ["make", "run"],
            cwd=project,
            env=_env(port),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_ready(self, timeout: float = 900) -> str:
        """The ready block (up to its closing rule), once printed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            lines = list(self.lines)
            for i, line in enumerate(lines):
                if READY_LINE in line and i + 1 < len(lines):
                    start = max(j for j in range(i) if lines[j].startswith("====="))
                    return "".join(lines[start : i + 2])
            time.sleep(0.5)
        raise AssertionError(f"make run did not become ready:\n{self.output[-4000:]}")

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [".venv/bin/python", "manage.py", *args],
            cwd=self.project,
            env=_env(self.port),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def interrupt(self) -> None:
        """Ctrl-C: SIGINT to the whole group."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise

    def kill(self) -> None:
        """SIGKILL to the whole group: make, runall, web, worker, beat; not the database,
        which runs in a session of its own."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def _signed_in(port: int, username: str, password: str = DEMO_PASSWORD):
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    sign_in = urllib.request.Request(f"{base}/login/", data=data, headers={"Referer": base})  # noqa: S310
    landing = opener.open(sign_in).read()
    return opener, landing.decode()


def _get_json(opener, port: int, path: str) -> dict:
    return json.loads(opener.open(f"http://127.0.0.1:{port}{path}").read())


def _quadrant_input(figure: dict, account_id: int) -> str:
    (point,) = [p for p in figure["points"] if p["account"] == account_id]
    return str(point["input"])


def _nothing_left(project: Path, port: int) -> None:
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    leftovers = subprocess.run(
        ["pgrep", "-f", str(project)], capture_output=True, text=True
    ).stdout.split()
    assert leftovers == []
    assert EmbeddedPostgres(project / ".run").running_pid() is None


@pytest.mark.django_db
def test_make_run_from_a_clean_copy_serves_postgresql_figures(project):
    port = _free_port()
    run = MakeRun(project, port)
    try:
        block = run.wait_ready()
        output = run.output
        # the database first: initdb and start before the migrations
        assert "Embedded PostgreSQL created and started in " in output
        assert output.index("Embedded PostgreSQL created") < output.index("Running migrations")
        # the last block: where, who, ready
        assert f"  CRM at http://127.0.0.1:{port}/  (API docs: /api/docs/)\n" in block
        assert "  Demo logins, password crm-demo-2026:\n" in block
        for login, role in (("admin", "Administrator"), ("manager", "Sales manager")):
            assert re.search(rf"^\s+{login}\s+\({role}\)$", block, re.MULTILINE), block
        assert re.search(r"^\s+rep\s+\(Sales rep\)$", block, re.MULTILINE), block
        data_dir = project / ".run" / "pgdata"
        assert "  Database: embedded PostgreSQL 18." in block
        assert f", data in {data_dir}\n" in block
        assert f"  {READY_LINE}\n" in block
        assert output.rindex("  CRM at http") > output.rindex("celery@")  # after Celery's

        _opener, accounts_page = _signed_in(port, "rep")
        assert "Accounts" in accounts_page

        # the hours-dependent figure, on rows made through the running app's database
        printed = run.manage("shell", "-c", FIGURE_ROWS).split()
        rep_id, account_id = int(printed[-2]), int(printed[-1])
        admin, _landing = _signed_in(port, "admin")
        served = _quadrant_input(
            _get_json(admin, port, f"/api/v1/dashboard/quadrants/?owner={rep_id}"), account_id
        )
    finally:
        if run.process.poll() is None:
            run.interrupt()
    # the same rows on the test suite's PostgreSQL (CI's server, or the embedded one)
    namespace: dict = {}
    exec(FIGURE_ROWS, namespace)  # noqa: S102 - our own constant
    client = APIClient()
    client.force_authenticate(UserFactory(role="admin"))
    expected = _quadrant_input(
        client.get(
            f"/api/v1/dashboard/quadrants/?owner={namespace['rep'].pk}", format="json"
        ).json(),
        namespace["account"].pk,
    )
    assert served == expected == "1.2500"

    assert (project / ".venv" / "bin" / "python").exists()
    assert (data_dir / "PG_VERSION").read_text().strip() == "18"
    assert file_databases(project) == []
    # Ctrl-C stopped web, worker, beat and then the database
    _nothing_left(project, port)
    assert "Stopping…" in run.output


def test_a_killed_make_run_is_followed_by_one_that_serves_the_same_data(project):
    port = _free_port()
    marker = f"Survivor {os.getpid()}"
    first = MakeRun(project, port)
    try:
        first.wait_ready()
        first.manage(
            "shell",
            "-c",
            "from accounts.models import Account; from crm.models import User; "
            "from accounts.normalize import normalize_account_name as n; "
            f"Account.objects.create(owner=User.objects.get(username='rep'), name={marker!r}, "
            f"normalized_name=n({marker!r}))",
        )
    finally:
        first.kill()
    server = EmbeddedPostgres(project / ".run")
    left_running = server.running_pid()
    assert left_running is not None  # the database outlived its killed parent

    def serves_the_marker(run: MakeRun) -> None:
        run.wait_ready()
        admin, _landing = _signed_in(port, "admin")
        found = _get_json(admin, port, "/api/v1/accounts/?q=" + urllib.parse.quote(marker))
        assert [a["name"] for a in found["results"]] == [marker]

    # a server left running: the next run uses it
    second = MakeRun(project, port)
    try:
        serves_the_marker(second)
        assert "Embedded PostgreSQL already running (left by an earlier run)" in second.output
        assert server.running_pid() == left_running
    finally:
        second.kill()

    # a server killed too (stale postmaster.pid and socket lock): the next run recovers it
    os.kill(left_running, signal.SIGKILL)
    third = MakeRun(project, port)
    try:
        serves_the_marker(third)
        assert "Embedded PostgreSQL started in " in third.output
        assert server.running_pid() not in (None, left_running)
    finally:
        third.kill()

    # make clean with the database left running: stopped first, its data removed
    assert server.running_pid() is not None
    cleaned = subprocess.run(
        ["make", "clean"], cwd=project, env=_env(port), capture_output=True, text=True, timeout=120
    )
    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    assert not (project / ".run").exists()
    _nothing_left(project, port)
