"""Shared fixtures: users in each role, teams, accounts; service guards."""

import logging
import os

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import AccountFactory, TeamFactory, UserFactory

# Playwright's sync API runs an event loop; Django refuses ORM calls from such threads
# unless told that this is a test process.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _missing_services_banner() -> list[str]:
    missing = getattr(settings, "MISSING_SERVICES", [])
    if not missing:
        return []
    bar = "!" * 78
    lines = [bar, "!! NOT ANSWERING: " + ", ".join(missing)]
    if any(service.startswith("PostgreSQL") for service in missing):
        lines.append(
            "!! The suite ran on the embedded PostgreSQL instead "
            f"({settings.DATABASES['default']['HOST']})."
        )
    if not settings.REDIS_AVAILABLE:
        lines.append("!! Tests that need Redis are SKIPPED; the rest ran on an in-memory broker.")
    lines += [
        "!! Start the services (or set DATABASE_URL / REDIS_URL) for a full run;",
        "!! CRM_REQUIRE_SERVICES=1 turns this into a failure (as in CI).",
        bar,
    ]
    return lines


def _database_header() -> list[str]:
    if not getattr(settings, "EMBEDDED_POSTGRES", False):
        return []
    return [f"database: the embedded PostgreSQL, data in {settings.RUN_DIR / 'pgdata'}"]


def pytest_report_header(config):
    return _database_header() + _missing_services_banner()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for line in _missing_services_banner():
        terminalreporter.write_line(line, red=True, bold=True)


def _require(service: str, available: bool) -> None:
    if available:
        return
    if settings.REQUIRE_SERVICES:
        pytest.fail(f"{service} is required (CRM_REQUIRE_SERVICES) but does not answer")
    pytest.skip(f"{service} does not answer")


@pytest.fixture
def require_redis():
    _require("Redis", settings.REDIS_AVAILABLE)
    return settings.REDIS_URL


@pytest.fixture
def celery_workers(require_redis, tmp_path):
    """A pool of real Celery workers (tests.celery_workers) on an emptied broker; every
    worker started is stopped, and the broker emptied again, after the test."""
    import redis

    from tests.celery_workers import BROKER_KEYS, CeleryWorkers

    client = redis.Redis.from_url(require_redis)
    client.delete(*BROKER_KEYS)
    pool = CeleryWorkers(require_redis, tmp_path)
    yield pool
    pool.stop_all()
    client.delete(*BROKER_KEYS)


@pytest.fixture
def org(db):
    """Two teams, each with a manager and two reps; one admin; one account per rep."""
    admin = UserFactory(username="boss", role="admin")
    m1 = UserFactory(username="m1", role="manager")
    m2 = UserFactory(username="m2", role="manager")
    t1 = TeamFactory(name="North", manager=m1)
    t2 = TeamFactory(name="South", manager=m2)
    r1 = UserFactory(username="r1", team=t1)
    r2 = UserFactory(username="r2", team=t1)
    r3 = UserFactory(username="r3", team=t2)
    r4 = UserFactory(username="r4", team=t2)
    accounts = {
        r.username: AccountFactory(owner=r, name=f"Account of {r.username}")
        for r in (r1, r2, r3, r4)
    }
    return {
        "admin": admin,
        "m1": m1,
        "m2": m2,
        "t1": t1,
        "t2": t2,
        "r1": r1,
        "r2": r2,
        "r3": r3,
        "r4": r4,
        "accounts": accounts,
    }


@pytest.fixture
def api():
    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_redis_breakers():
    """A Redis server one test made fail is not skipped in the next one (core.redis_breaker)."""
    from core.redis_breaker import reset_breakers

    reset_breakers()
    yield
    reset_breakers()


@pytest.fixture(autouse=True)
def _restore_root_logging():
    """A worker started inside the test process (celery.contrib.testing) configures logging
    as a worker process would, at its own level; give the next test the logging it had."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    root.handlers[:] = handlers


@pytest.fixture(autouse=True)
def _default_language():
    """A request of a user who chose 简体中文 leaves that language active in the thread (the
    locale middleware does not undo it); the next test starts from the default again."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
