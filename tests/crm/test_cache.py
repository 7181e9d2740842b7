"""The cache of the app's processes (config.settings.base): with REDIS_URL, one Redis cache that
every web and worker process shares, in the database after the broker's; a Redis that does
not answer is a cache miss, never an error. Checked in child processes with the settings that
`make run`, gunicorn and the worker use (the test settings keep a memory cache)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from config.settings.base import cache_url_for

ROOT = Path(__file__).resolve().parents[2]


def test_the_cache_takes_the_database_after_the_brokers():
    assert cache_url_for("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/1"
    assert cache_url_for("redis://cache.internal:6380/7") == "redis://cache.internal:6380/8"
    assert cache_url_for("redis://127.0.0.1:6379") == "redis://127.0.0.1:6379/1"
    assert cache_url_for("redis://127.0.0.1:6379/15") == "redis://127.0.0.1:6379/14"  # the last
    assert cache_url_for("rediss://:secret@host:6379/2?ssl_cert_reqs=none") == (
        "rediss://:secret@host:6379/3?ssl_cert_reqs=none"
    )


def _in_a_process(code: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CRM_"))}
    clean.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.local", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _redis_db(url: str, number: int) -> str:
    return url.rsplit("/", 1)[0] + f"/{number}"


@pytest.mark.redis
def test_processes_share_one_redis_cache_beside_the_broker(require_redis):
    import redis

    broker = _redis_db(require_redis, 12)
    key = f"shared-{uuid.uuid4().hex}"
    written = _in_a_process(
        "from django.core.cache import cache\n"
        f"cache.set({key!r}, {{'figure': 42}}, 60)\n"
        "from django.core.cache import caches\nprint(caches['default'].__class__.__module__)",
        REDIS_URL=broker,
    )
    assert written.returncode == 0, written.stderr
    assert written.stdout.strip() == "django_redis.cache"
    read = _in_a_process(
        f"from django.core.cache import cache\nprint(cache.get({key!r}))", REDIS_URL=broker
    )
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == "{'figure': 42}"  # another process sees what one wrote
    cache_db = redis.Redis.from_url(_redis_db(require_redis, 13))
    try:
        assert cache_db.keys(f"crm:*{key}")  # in the next database, under the app's prefix
        assert not redis.Redis.from_url(broker).keys(f"*{key}")  # never among the tasks
    finally:
        cache_db.delete(*cache_db.keys(f"crm:*{key}"))


def test_without_redis_each_process_has_a_memory_cache():
    result = _in_a_process(
        "from django.core.cache import caches\nprint(caches['default'].__class__.__name__)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "LocMemCache"


def test_a_redis_that_does_not_answer_is_a_cache_miss_not_an_error():
    # Port 1 on the loopback: nothing listens there, the connection is refused at once.
    result = _in_a_process(
        "from django.core.cache import cache\n"
        "cache.set('k', 1, 60)\n"
        "print(cache.get('k'), cache.get_or_set('k', lambda: 'computed', 60))",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None computed"
