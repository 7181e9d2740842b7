"""`make test` without an answering PostgreSQL or Redis. No DATABASE_URL: the suite runs on the
embedded PostgreSQL. A DATABASE_URL that does not answer: a loud banner, and the suite runs on
the embedded PostgreSQL instead; a Redis that does not answer: a loud banner, the tests that
need it skipped. With CRM_REQUIRE_SERVICES=1 (CI) a service that does not answer is a failure."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from core.embedded_db import EmbeddedPostgres
from tests.file_databases import file_databases

ROOT = Path(__file__).resolve().parents[2]
SUBSET = ["tests/core/test_queue.py", "tests/accounts/test_visibility.py"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when we return: nothing listens there


@pytest.fixture(scope="module")
def run_dir():
    """The embedded server's run directory for these runs: not this suite's own (its test
    database would be dropped under us), not under pytest's base temp (see
    test_embedded_postgres)."""
    path = Path(tempfile.mkdtemp(prefix="crm-missing-services-"))
    yield path
    EmbeddedPostgres(path).delete()
    shutil.rmtree(path, ignore_errors=True)


def _pytest(run_dir: Path, **env) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CRM_REQUIRE_SERVICES", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *SUBSET],
        cwd=ROOT,
        env={**base, "CRM_RUN_DIR": str(run_dir), **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_without_database_url_the_suite_runs_on_the_embedded_postgresql(run_dir):
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    result = _pytest(run_dir, CRM_REQUIRE_SERVICES="1", REDIS_URL=redis_url)
    output = result.stdout + result.stderr
    if "NOT ANSWERING: Redis" in output:
        pytest.skip(f"no Redis at {redis_url} for the child run")
    assert result.returncode == 0, output
    assert f"database: the embedded PostgreSQL, data in {run_dir}/pgdata" in output
    assert "NOT ANSWERING" not in output
    summary = output.strip().splitlines()[-1]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary
    # the server started for the run was stopped with it
    assert EmbeddedPostgres(run_dir).running_pid() is None


def test_missing_services_are_announced_and_the_embedded_postgresql_takes_over(run_dir):
    port = _closed_port()
    result = _pytest(
        run_dir,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/crm",
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"!! NOT ANSWERING: PostgreSQL at postgres://postgres@127.0.0.1:{port}/crm" in output
    assert f", Redis at redis://127.0.0.1:{port}/0" in output
    assert f"!! The suite ran on the embedded PostgreSQL instead ({run_dir}/pgdata)." in output
    assert "!! Tests that need Redis are SKIPPED" in output
    assert "Redis does not answer" in output  # the reason of each skip
    summary = output.strip().splitlines()[-1]
    assert " passed" in summary and "7 skipped" in summary and "failed" not in summary
    # every test ran on PostgreSQL: nothing was skipped for want of it, no file database made
    assert "PostgreSQL does not answer" not in output
    assert file_databases(ROOT / ".run") == []
    assert EmbeddedPostgres(run_dir).running_pid() is None


def test_required_services_turn_into_a_failure(run_dir):
    port = _closed_port()
    result = _pytest(
        run_dir,
        CRM_REQUIRE_SERVICES="1",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/crm",
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "CRM_REQUIRE_SERVICES is set but these do not answer: PostgreSQL" in output
