"""Serve the app with a Celery worker and beat beside it; Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from crm.models import User


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat together (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

    def handle(self, *args, **opts):
        run_dir = settings.RUN_DIR
        for sub in ("broker/queue", "broker/processed", "broker/control"):
            (run_dir / sub).mkdir(parents=True, exist_ok=True)
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "crm"]
        embedded_broker = settings.CELERY_BROKER_URL.startswith("filesystem")
        worker_flags = ["--without-mingle", "--without-gossip", "--without-heartbeat"]
        commands = {
            "web": [
                python,
                "manage.py",
                "runserver",
                f"{opts['host']}:{opts['port']}",
                "--noreload",
            ],
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
        self._banner(opts["host"], opts["port"])
        # A SIGTERM (a closed terminal, `kill`, a supervisor) stops all three like Ctrl-C does,
        # rather than leaving the worker and beat running without their parent.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        # Our own fixed commands, no user input.
        procs = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603  # nosec B603
        try:
            while True:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping.")
                        return
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def _banner(self, host: str, port: int) -> None:
        from accounts.management.commands.seed_demo import DEMO_PASSWORD

        lines = [f"CRM at http://{host}:{port}/  (API docs: /api/docs/)"]
        demo = list(
            User.objects.filter(username__in=["rep", "manager", "admin"]).values_list(
                "username", "role"
            )
        )
        if demo:
            lines.append(f"Demo logins, password {DEMO_PASSWORD}:")
            lines += [f"  {username:<8} ({role})" for username, role in sorted(demo)]
        broker = "Redis" if not settings.CELERY_BROKER_URL.startswith("filesystem") else "files"
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        lines.append(f"Database: {database}; Celery broker: {broker}; worker and beat running.")
        lines.append("Press Ctrl-C to stop.")
        width = max(len(line) for line in lines) + 4
        self.stdout.write("=" * width)
        for line in lines:
            self.stdout.write(f"  {line}")
        self.stdout.write("=" * width)
