"""The embedded PostgreSQL (core.embedded_db): first start, data kept, a server left running or
killed by an earlier run, the processes that share it, root and a normal user, and errors
that fit on one line.

Each test has its own run directory (not under pytest's base temp directory, whose mode other
pytest runs reset to 0700 while ours may be running) and stops its servers."""

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from core.embedded_db import SYSTEM_USER, EmbeddedPostgres, EmbeddedPostgresError

ROOT = Path(__file__).resolve().parents[2]
AS_ROOT = os.geteuid() == 0


def _new_run_dir(prefix: str = "crm-embedded-") -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


@pytest.fixture
def run_dir():
    path = _new_run_dir()
    yield path
    EmbeddedPostgres(path).delete()
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def template():
    """One initialized data directory (stopped), copied by the tests that need data already
    there instead of running initdb (seconds) each time."""
    path = _new_run_dir("crm-embedded-template-")
    server = EmbeddedPostgres(path)
    server.start()
    server.stop()
    yield server.data_dir
    EmbeddedPostgres(path).delete()
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def initialized(run_dir, template):
    subprocess.run(["cp", "-a", str(template), str(run_dir / "pgdata")], check=True)
    return run_dir


def _sql(server: EmbeddedPostgres, query: str, dbname: str = "postgres"):
    with psycopg.connect(
        host=str(server.socket_dir), port=5432, user="postgres", dbname=dbname, autocommit=True
    ) as conn:
        cursor = conn.execute(query)
        return cursor.fetchall() if cursor.description else None


def _start_elsewhere(run_dir: Path, then: str = "os._exit(0)") -> subprocess.CompletedProcess:
    """Start the server from another process that ends without stopping it (as a killed
    `make run` does)."""
    code = (
        "import os, sys\n"
        "from core.embedded_db import EmbeddedPostgres\n"
        f"s = EmbeddedPostgres({str(run_dir)!r}); s.start(database='crm')\n"
        "print(s.running_pid(), flush=True)\n"
        f"{then}\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180
    )


def _proc_status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line)


def test_first_start_initializes_then_the_data_is_kept(run_dir):
    server = EmbeddedPostgres(run_dir)
    first = server.start(database="crm")
    assert (first.started, first.initialized) == (True, True)
    # PostgreSQL 18 of the wheel, C.UTF-8 as the CI's server, pg_trgm there, no TCP port
    assert _sql(server, "SELECT current_setting('server_version_num')::int / 10000")[0][0] == 18
    assert _sql(server, "SHOW listen_addresses") == [("",)]
    assert _sql(server, "SELECT datcollate, datctype FROM pg_database WHERE datname = 'crm'") == [
        ("C.UTF-8", "C.UTF-8")
    ]
    _sql(server, "CREATE EXTENSION pg_trgm; CREATE TABLE kept (note text)", dbname="crm")
    _sql(server, "INSERT INTO kept VALUES ('first run')", dbname="crm")
    # the data directory and its socket are the server user's alone
    data = server.data_dir.stat()
    assert oct(data.st_mode & 0o777) == "0o700"
    owner = pwd.getpwnam(SYSTEM_USER).pw_uid if AS_ROOT else os.geteuid()
    assert data.st_uid == owner
    assert (server.data_dir / ".s.PGSQL.5432").exists()
    # a second start in the same process finds it running
    assert server.start().started is False
    assert server.stop() is True
    assert server.running_pid() is None
    assert not (server.data_dir / ".s.PGSQL.5432").exists()

    again = server.start(database="crm")
    assert (again.started, again.initialized) == (True, False)
    assert _sql(server, "SELECT note FROM kept", dbname="crm") == [("first run",)]
    server.stop()


@pytest.mark.skipif(not AS_ROOT, reason="runs as root only")
def test_as_root_the_server_runs_as_its_own_user_and_group_and_the_path_is_made_searchable(
    run_dir,
):
    # given a run directory only root may enter (mkdtemp makes it 0700)
    assert run_dir.stat().st_mode & 0o777 == 0o700
    server = EmbeddedPostgres(run_dir)
    server.start()
    try:
        user = pwd.getpwnam(SYSTEM_USER)
        status = _proc_status(server.running_pid())
        # then the server runs as embedded_postgres, in its own group, without root's groups
        assert status["Uid"].split()[0] == str(user.pw_uid)
        assert status["Gid"].split()[0] == str(user.pw_gid)
        assert status["Groups"].split() in ([], [str(user.pw_gid)])
        # and the run directory became searchable by others, not readable, and we were told
        assert run_dir.stat().st_mode & 0o777 == 0o701
        assert server.notes == [
            f"made {run_dir} searchable by others (chmod o+x) so that the embedded PostgreSQL, "
            f"which runs as {SYSTEM_USER}, can reach its files"
        ]
    finally:
        server.stop()


def test_a_server_left_running_by_a_killed_run_is_used_as_it_is(initialized):
    # given a process that started the server and ended without stopping it
    left = _start_elsewhere(initialized)
    assert left.returncode == 0, left.stderr
    pid = int(left.stdout.split()[0])
    server = EmbeddedPostgres(initialized)
    assert server.running_pid() == pid
    # when we start it: the same server, not a second one
    result = server.start()
    assert (result.started, server.running_pid()) == (False, pid)
    assert _sql(server, "SELECT 1") == [(1,)]
    # and, being its only user now, we stop it
    assert server.stop() is True
    assert server.running_pid() is None


@pytest.mark.slow  # kills the server (SIGKILL)
def test_a_dead_server_is_restarted_and_its_data_recovered(initialized):
    left = _start_elsewhere(initialized)
    pid = int(left.stdout.split()[0])
    server = EmbeddedPostgres(initialized)
    _sql(server, "CREATE TABLE survived AS SELECT 42 AS answer", dbname="crm")
    # given the server killed outright (no checkpoint, postmaster.pid and socket lock stay)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (initialized / "pgdata" / "postmaster.pid").exists()
    assert server.running_pid() is None
    # when started again: a new server, the committed row there (WAL replayed)
    result = server.start()
    assert result.started is True
    assert server.running_pid() != pid
    assert _sql(server, "SELECT answer FROM survived", dbname="crm") == [(42,)]
    server.stop()


def test_a_stale_pid_file_naming_another_live_process_is_not_taken_for_the_server(initialized):
    # given postmaster.pid and the socket lock naming a process that lives but is not ours
    # (its id reused after a reboot or a kill)
    other = subprocess.Popen(["sleep", "60"])
    try:
        data = initialized / "pgdata"
        (data / "postmaster.pid").write_text(f"{other.pid}\n{data}\n1700000000\n5432\n")
        (data / ".s.PGSQL.5432.lock").write_text(f"{other.pid}\n")
        server = EmbeddedPostgres(initialized)
        assert server.running_pid() is None
        # when started: it starts, and the other process is left alone
        assert server.start().started is True
        assert _sql(server, "SELECT 1") == [(1,)]
        assert other.poll() is None
        server.stop()
    finally:
        other.kill()
        other.wait()


def test_a_run_killed_during_initdb_leaves_nothing_that_blocks_the_next(run_dir):
    # given what a first run killed in initdb leaves: a half-filled scratch directory, and an
    # empty data directory
    (run_dir / "pgdata.init" / "base").mkdir(parents=True)
    (run_dir / "pgdata.init" / "PG_VERSION").write_text("18\n")
    (run_dir / "pgdata").mkdir()
    server = EmbeddedPostgres(run_dir)
    assert server.start().initialized is True
    assert not (run_dir / "pgdata.init").exists()
    server.stop()


@pytest.mark.slow  # kills the process that holds the server
def test_a_server_in_use_by_another_process_is_left_running(initialized):
    # given another process using the server (make run, while the tests end)
    user = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from core.embedded_db import EmbeddedPostgres\n"
            f"EmbeddedPostgres({str(initialized)!r}).start()\n"
            "print('up', flush=True); time.sleep(120)\n",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert user.stdout.readline().strip() == "up"
        server = EmbeddedPostgres(initialized)
        assert server.start().started is False
        # when we are done with it, it keeps running for the other
        assert server.stop() is False
        assert _sql(server, "SELECT 1") == [(1,)]
    finally:
        user.kill()
        user.wait()
    # once the other is gone (killed: its lock went with it), our stop stops it
    assert server.stop() is True
    assert server.running_pid() is None


def test_a_run_directory_too_deep_for_a_socket_puts_the_socket_in_tmp(template):
    base = _new_run_dir()
    deep = base / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    subprocess.run(["cp", "-a", str(template), str(deep / "pgdata")], check=True)
    server = EmbeddedPostgres(deep)
    try:
        assert server.socket_dir.parent == Path("/tmp")  # noqa: S108
        assert server.socket_dir.name.startswith("crm-pg-")
        server.start()
        assert (server.socket_dir / ".s.PGSQL.5432").exists()
        assert server.socket_dir.stat().st_mode & 0o777 == 0o700
        assert _sql(server, "SHOW unix_socket_directories") == [(str(server.socket_dir),)]
        # the URL the settings build reaches it
        with psycopg.connect(server.url("postgres")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server.delete()
        shutil.rmtree(base, ignore_errors=True)
    assert not server.socket_dir.exists()


@contextlib.contextmanager
def _small_disk(size: str):
    """A tmpfs of `size` (root only), unmounted afterwards."""
    mount = Path(tempfile.mkdtemp(prefix="crm-embedded-full-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)])
    if mounted.returncode:
        mount.rmdir()
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        EmbeddedPostgres(mount / "run").delete()
        subprocess.run(["umount", str(mount)], check=True)
        mount.rmdir()


@pytest.mark.skipif(not AS_ROOT, reason="mounting a small file system needs root")
def test_a_full_disk_at_the_first_start_is_one_clear_line():
    with _small_disk("4m") as mount:
        # through the command make clean and users call, as a user sees it
        result = subprocess.run(
            [sys.executable, "manage.py", "embedded_postgres", "start"],
            cwd=ROOT,
            env={
                **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
                "DJANGO_SETTINGS_MODULE": "config.settings.local",
                "CRM_RUN_DIR": str(mount / "run"),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(
            f"CommandError: initdb could not create the embedded PostgreSQL's data in "
            f"{mount / 'run' / 'pgdata'}: "
        )
        assert "No space left on device" in lines[0]
        # nothing half-made is left to trip the next run
        assert not (mount / "run" / "pgdata").exists()
        assert not (mount / "run" / "pgdata.init").exists()


@pytest.mark.skipif(not AS_ROOT, reason="mounting a small file system needs root")
def test_a_full_disk_when_the_data_is_there_is_one_clear_line(template):
    with _small_disk("80m") as mount:
        (mount / "run").mkdir()
        subprocess.run(["cp", "-a", str(template), str(mount / "run" / "pgdata")], check=True)
        subprocess.run(
            ["dd", "if=/dev/zero", f"of={mount / 'filler'}", "bs=1M"], capture_output=True
        )
        server = EmbeddedPostgres(mount / "run")
        with pytest.raises(EmbeddedPostgresError) as error:
            server.start()
        # the server's own FATAL line when its log could take it, else our look at the disk
        assert str(error.value).startswith("the embedded PostgreSQL did not start: ")
        assert "no space left on" in str(error.value).lower()
        assert str(error.value).endswith(f"(log: {mount / 'run' / 'postgres.log'})")
        assert "\n" not in str(error.value)


@pytest.mark.skipif(not AS_ROOT, reason="the socket directory of another user needs root")
def test_a_socket_directory_taken_by_someone_else_is_refused_in_one_line():
    base = _new_run_dir()
    deep = base / ("x" * 120)
    server = EmbeddedPostgres(deep)
    server.socket_dir.mkdir(mode=0o777)
    os.chown(server.socket_dir, pwd.getpwnam("nobody").pw_uid, -1)
    try:
        with pytest.raises(EmbeddedPostgresError) as error:
            server.start()
        assert str(error.value) == (
            f"the socket directory {server.socket_dir} (the data directory's path is too long "
            "for a socket) belongs to someone else: remove it, or set a shorter CRM_RUN_DIR"
        )
    finally:
        server.socket_dir.rmdir()
        EmbeddedPostgres(deep).delete()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def normal_user():
    """A throw-away user without privileges (removed afterwards)."""
    if not AS_ROOT or not shutil.which("useradd") or not shutil.which("runuser"):
        pytest.skip("needs root, useradd and runuser")
    name = f"crmt{secrets.token_hex(4)}"
    subprocess.run(["useradd", "--no-create-home", "-s", "/bin/sh", name], check=True)
    yield pwd.getpwnam(name)
    subprocess.run(["userdel", name], check=False)


def test_as_a_normal_user_the_server_runs_as_that_user(normal_user, template):
    run_dir = _new_run_dir()
    os.chown(run_dir, normal_user.pw_uid, normal_user.pw_gid)
    code = (
        "import os\n"
        "from core.embedded_db import EmbeddedPostgres, EmbeddedPostgresError\n"
        f"s = EmbeddedPostgres({str(run_dir)!r})\n"
        "r = s.start(database='crm')\n"
        "import psutil; p = psutil.Process(s.running_pid())\n"
        "print(r.initialized, p.uids().real, oct(os.stat(s.data_dir).st_mode & 0o777))\n"
        "print(s.stop(), s.running_pid())\n"
        "try:\n"
        "    EmbeddedPostgres('/root/crm-denied').start()\n"
        "except EmbeddedPostgresError as e:\n"
        "    print(e)\n"
    )
    # Our interpreter may live in root's home (pyenv), out of the user's reach: the system's
    # Python of the same version with our packages on its path does the same.
    python = shutil.which("python3", path="/usr/local/bin:/usr/bin")
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
    ).stdout.strip()
    if version != str(sys.version_info[:2]):
        pytest.skip(f"no system Python {sys.version_info[:2]} for the user")
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    try:
        result = subprocess.run(
            ["runuser", "-u", normal_user.pw_name, "--", python, "-c", code],
            cwd=ROOT,
            env={
                **os.environ,
                "PYTHONDONTWRITEBYTECODE": "1",
                "HOME": str(run_dir),
                "PYTHONPATH": f"{ROOT}{os.pathsep}{site_packages}",
            },
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
        started, stopped, denied = result.stdout.strip().splitlines()
        assert started == f"True {normal_user.pw_uid} 0o700"
        assert stopped == "True None"
        # a run directory it may not write: one line saying so
        assert denied == "cannot use the run directory /root/crm-denied: Permission denied"
        assert (run_dir / "pgdata").stat().st_uid == normal_user.pw_uid
    finally:
        EmbeddedPostgres(run_dir).delete()
        shutil.rmtree(run_dir, ignore_errors=True)
