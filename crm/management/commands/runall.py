"""Serve the app with a Celery worker and beat beside it (and, without DATABASE_URL, the embedded
PostgreSQL under them); Ctrl-C stops all of it."""

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import cast

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper

from core.embedded_db import EmbeddedPostgres, EmbeddedPostgresError
from crm.demo import DEMO_PASSWORD
from crm.models import User

# What the worker and beat print once they are up (Celery's own log lines).
READY_MARKERS = {"worker": (" ready.",), "beat": ("beat: Starting...",)}


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Run the web server, a Celery worker and Celery beat together (used by `make run`); "
        "without DATABASE_URL, start the embedded PostgreSQL first and stop it last."
    )
    # The checks run in the web process, once the database is up.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--migrate", action="store_true", help="apply migrations first")
        parser.add_argument(
            "--seed-demo",
            type=int,
            metavar="ACCOUNTS",
            help="load demo data with this many accounts when the database has none",
        )

    def handle(self, *args, **opts):
        # A SIGTERM (a closed terminal, `kill`, a supervisor) stops everything like Ctrl-C does,
        # rather than leaving the worker, beat or the database running without their parent.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        self._output = threading.Lock()
        database = EmbeddedPostgres(settings.RUN_DIR) if settings.EMBEDDED_POSTGRES else None
        procs: dict[str, subprocess.Popen] = {}
        try:
            if database is not None:
                self._start_database(database)
            if opts["migrate"]:
                call_command("migrate", interactive=False)
            if opts["seed_demo"] is not None:
                call_command("seed_demo", if_empty=True, accounts=opts["seed_demo"])
            procs = self._spawn(opts["host"], opts["port"])
            if self._wait_until_ready(procs, opts["host"], opts["port"]):
                self._banner(opts["host"], opts["port"], database)
                self._supervise(procs)
        except KeyboardInterrupt:
            pass
        finally:
            # Whichever way it ends (Ctrl-C, SIGTERM, a process that exited), say so before
            # stopping the rest; flushed, as stdout is a pipe under make.
            self.stdout.write("\nStopping…")
            self.stdout.flush()
            self._stop(procs)
            connections.close_all()
            if database is not None:
                try:
                    database.stop()
                except EmbeddedPostgresError as exc:
                    self.stderr.write(str(exc))

    def _start_database(self, database: EmbeddedPostgres) -> None:
        try:
            result = database.start(database=settings.DATABASES["default"]["NAME"])
        except EmbeddedPostgresError as exc:
            raise CommandError(str(exc)) from None
        for note in database.notes:
            self.stderr.write(f"note: {note}")
        how = "started" if result.started else "already running (left by an earlier run)"
        if result.initialized:
            how = "created and started"
        self.stdout.write(
            f"Embedded PostgreSQL {how} in {result.seconds:.1f} s; data in {database.data_dir}"
        )

    def _spawn(self, host: str, port: int) -> dict[str, subprocess.Popen]:
        run_dir = settings.RUN_DIR
        for sub in ("broker/queue", "broker/processed", "broker/control"):
            (run_dir / sub).mkdir(parents=True, exist_ok=True)
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "config"]
        embedded_broker = settings.CELERY_BROKER_URL.startswith("filesystem")
        worker_flags = ["--without-mingle", "--without-gossip", "--without-heartbeat"]
        commands = {
            "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
            "worker": [
                *celery,
                "worker",
                "-l",
                "info",
                "--concurrency",
                "2",
                *(worker_flags if embedded_broker else []),
            ],
            "beat": [*celery, "beat", "-l", "info", "-s", str(run_dir / "celerybeat-schedule")],
        }
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        procs = {}
        for name, cmd in commands.items():
            # Our own fixed commands, no user input.
            procs[name] = subprocess.Popen(  # noqa: S603  # nosec B603
                cmd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
        self._ready = {name: threading.Event() for name in commands}
        for name, proc in procs.items():
            threading.Thread(target=self._relay, args=(name, proc), daemon=True).start()
        return procs

    def _relay(self, name: str, proc: subprocess.Popen) -> None:
        """Print a process's output, each line prefixed with its name; note when it says it
        is ready."""
        markers = READY_MARKERS.get(name, ())
        for line in proc.stdout or ():
            if markers and any(marker in line for marker in markers):
                self._ready[name].set()
            with self._output:
                sys.stdout.write(f"{name:<6} | {line}")
                sys.stdout.flush()

    def _wait_until_ready(self, procs, host: str, port: int) -> bool:
        """Until the web server answers the login page and the worker and beat say they are
        ready; False when one of them exits first."""
        # Served on every interface: ask on loopback.
        everywhere = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}  # noqa: S104  # nosec B104
        probe_host = everywhere.get(host, host)
        url = f"http://{probe_host}:{port}/login/"
        while True:
            if not self._all_running(procs):
                return False
            if not self._ready["web"].is_set() and _answers(url):
                self._ready["web"].set()
            if all(event.is_set() for event in self._ready.values()):
                return True
            time.sleep(0.2)

    def _supervise(self, procs) -> None:
        while self._all_running(procs):
            time.sleep(0.5)

    def _all_running(self, procs) -> bool:
        for name, proc in procs.items():
            if proc.poll() is not None:
                self.stderr.write(f"{name} exited with {proc.returncode}; stopping.")
                return False
        return True

    def _stop(self, procs) -> None:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def _banner(self, host: str, port: int, database: EmbeddedPostgres | None) -> None:
        """The last block, once everything is up: where, who can sign in, ready."""
        lines = [f"CRM at http://{host}:{port}/  (API docs: /api/docs/)"]
        demo = User.objects.filter(username__in=["rep", "manager", "admin"]).order_by("username")
        if demo:
            lines.append(f"Demo logins, password {DEMO_PASSWORD}:")
            lines += [f"  {user.username:<8} ({user.get_role_display()})" for user in demo]
        connection.ensure_connection()
        # PostgreSQL is the only database the project runs on.
        version = cast(PostgresWrapper, connection).pg_version
        postgres = f"PostgreSQL {version // 10000}.{version % 10000}"
        if database is not None:
            lines.append(f"Database: embedded {postgres}, data in {database.data_dir}")
        else:
            lines.append(f"Database: {postgres} at {connection.settings_dict['HOST']}")
        connection.close()
        broker = "Redis"
        if settings.CELERY_BROKER_URL.startswith("filesystem"):
            broker = f"files in {settings.RUN_DIR / 'broker'}"
        lines.append(f"Celery broker: {broker}.")
        lines.append("Web, worker and beat ready. Press Ctrl-C to stop.")
        width = max(len(line) for line in lines) + 4
        with self._output:
            out = [
                "=" * width,
                *(f"  {line}" for line in lines),
                "=" * width,
            ]
            sys.stdout.write("\n".join(out) + "\n")
            sys.stdout.flush()


def _answers(url: str) -> bool:
    try:
        # A loopback URL built from our own --host/--port.
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  # nosec B310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False
