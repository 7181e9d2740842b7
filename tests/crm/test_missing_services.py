"""`make test` where PostgreSQL and Redis do not answer: a loud banner, the tests that need
them skipped, the rest run on SQLite; with CRM_REQUIRE_SERVICES=1 the run fails instead."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUBSET = ["tests/crm/test_queue.py", "tests/accounts/test_visibility.py"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when we return: nothing listens there


def _pytest(**env) -> subprocess.CompletedProcess:
    port = _closed_port()
    base = {k: v for k, v in os.environ.items() if k not in ("CRM_REQUIRE_SERVICES",)}
    base.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUBSET],
        cwd=ROOT,
        env={
            **base,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/crm",
            "REDIS_URL": f"redis://127.0.0.1:{port}/0",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_missing_services_are_announced_and_skipped():
    result = _pytest()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "!! NOT ANSWERING: PostgreSQL at postgres://postgres@127.0.0.1:" in output
    assert ", Redis at redis://127.0.0.1:" in output
    assert "Redis does not answer" in output  # the reason of each skip
    summary = output.strip().splitlines()[-1]
    assert " passed" in summary and "6 skipped" in summary and "failed" not in summary


def test_required_services_turn_into_a_failure():
    result = _pytest(CRM_REQUIRE_SERVICES="1")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "CRM_REQUIRE_SERVICES is set but these do not answer: PostgreSQL" in output
