"""Real Celery workers on real Redis, for the tests that check what a worker does (the visits'
daily job, the robots' delivery): each worker is a `celery worker` process of this project in
its own process group, on the test database, with tests.worker_settings (a short visibility
timeout, so a killed worker's task comes back in seconds). The `celery_workers` fixture
(tests/conftest.py) gives a pool and stops every worker it started."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
# The broker's keys a worker leaves behind: emptied before and after each test.
BROKER_KEYS = ["celery", "unacked", "unacked_index", "unacked_mutex"]


def database_url() -> str:
    from config.settings.base import database_url_for

    return database_url_for(connection.settings_dict)


class CeleryWorkers:
    """`env`: variables every worker started from now on gets (a test's settings)."""

    def __init__(self, redis_url: str, tmp_path: Path):
        self.redis_url, self.tmp_path = redis_url, tmp_path
        self.env: dict[str, str] = {}
        self.procs: list[subprocess.Popen] = []

    def start(self, name: str, *, concurrency: int = 1) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis_url,
            "DJANGO_LOG_LEVEL": "WARNING",
            **self.env,
        }
        with open(self.tmp_path / f"{name}.log", "w") as log:
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
                    str(concurrency),
                    "-n",
                    f"{name}@%h",
                    "--without-mingle",
                    "--without-gossip",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so it can be killed whole
            )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        """Kill a worker at once (SIGKILL to its group), as a crash would."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text()

    def logs(self) -> str:
        """The end of every worker's log, for a failure message."""
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.tmp_path.glob("*.log")))
