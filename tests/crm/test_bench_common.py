"""bench/common.py's HTTP helpers, which every load benchmark reuses: gunicorn started and
stopped on 127.0.0.1, wrk's report parsed."""

import os
import shutil
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.settings.base import database_url_for
from tests.factories import AccountFactory, TokenFactory, UserFactory

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import common

SAMPLE = """Running 2s test @ http://127.0.0.1:1/
  2 threads and 16 connections
WRK_JSON {"requests": 1000, "duration_us": 2000000, "bytes": 5, "connect": 0, "read": 1, \
"write": 0, "status": 2, "timeout": 0, "p50_us": 1500, "p90_us": 4000, "p95_us": 5500, \
"p99_us": 9000, "mean_us": 2100.500000, "max_us": 12000}
"""


def test_parse_wrk_reads_the_report_line():
    result = common.parse_wrk(SAMPLE)
    assert (result.requests, result.seconds, result.rps) == (1000, 2.0, 500.0)
    assert (result.p50_ms, result.p90_ms, result.p95_ms, result.p99_ms) == (1.5, 4.0, 5.5, 9.0)
    assert (result.mean_ms, result.max_ms, result.errors) == (2.1005, 12.0, 3)


def test_parse_wrk_without_a_report_says_so():
    with pytest.raises(RuntimeError, match="wrk printed no report"):
        common.parse_wrk("Running 2s test @ http://127.0.0.1:1/\n")


def test_wrk_refuses_other_hosts():
    with pytest.raises(ValueError, match="only target this machine"):
        common.wrk("http://192.0.2.1/", seconds=1)


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_api_and_stops():
    if not shutil.which("wrk"):
        if settings.REQUIRE_SERVICES:
            pytest.fail("wrk is required for this test (apt-get install wrk)")
        pytest.skip("wrk is not installed")
    user = UserFactory(username="loadrep")
    AccountFactory(owner=user, name="Loaded Ltd.")
    token = TokenFactory(user=user).key
    db_url = database_url_for(connection.settings_dict)
    with common.gunicorn(db_url, workers=2) as server:
        pid = server.process.pid
        result = common.wrk(
            f"{server.url}/api/v1/accounts/",
            connections=4,
            seconds=1,
            headers={"Authorization": f"Token {token}"},
        )
    assert result.requests > 0
    assert result.errors == 0
    assert result.p95_ms > 0
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.parametrize(
    ("unit", "measured", "baseline", "ratio"),
    [
        ("ms", 10, 50, 5.0),  # less is better: baseline / measured
        ("queries", 7, 372, 372 / 7),
        ("KB", 40, 160, 4.0),
        ("req/s", 30, 3, 10.0),  # more is better: measured / baseline
    ],
)
def test_a_rows_ratio_says_how_many_times_better(unit, measured, baseline, ratio):
    assert common.Row("x", measured, baseline, unit, "–").ratio == pytest.approx(ratio)


def test_the_pages_benchmark_says_why_without_a_python_312(tmp_path, monkeypatch):
    """No Python 3.12: a skipped row naming the reason, nothing installed."""
    import argparse

    import bench_pages

    monkeypatch.setenv("BENCH_CACHE_DIR", str(tmp_path / "cache"))
    parser = argparse.ArgumentParser()
    bench_pages.add_arguments(parser)
    args = parser.parse_args(["--pages-djangocrm-python", sys.executable])
    if sys.version_info[:2] == bench_pages.DJANGOCRM_PYTHON:
        pytest.skip("this interpreter is a 3.12: it would install DjangoCRM")
    [row] = bench_pages.run(args)
    assert "skipped" in row.benchmark
    assert "needs Python 3.12" in row.benchmark
    assert not (tmp_path / "cache").exists()
