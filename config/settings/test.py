"""Settings for the test suite.

PostgreSQL: the server at DATABASE_URL when it answers; without DATABASE_URL the embedded
PostgreSQL of RUN_DIR (started here when it is not running, stopped when the last process
using it ends). A DATABASE_URL that does not answer is announced loudly and the suite runs on
the embedded server instead, unless CRM_REQUIRE_SERVICES=1 (CI): then it is a failure.
Redis: at REDIS_URL (default: the local server) when it answers; otherwise the tests that need
it are skipped (a failure with CRM_REQUIRE_SERVICES=1).
"""

import atexit
import sys

from django.core.exceptions import ImproperlyConfigured

from core.embedded_db import EmbeddedPostgres, EmbeddedPostgresError

from .base import *  # noqa: F403
from .base import RUN_DIR, database_from_url
from .env import env_bool, env_str

SECRET_KEY = "test-only-not-secret"  # noqa: S105 - test settings only  # nosec B105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REQUIRE_SERVICES = env_bool("CRM_REQUIRE_SERVICES", False)
MISSING_SERVICES: list[str] = []

DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/15")


def _loud(message: str) -> None:
    bar = "!" * 78
    sys.stderr.write(f"\n{bar}\n!! {message}\n{bar}\n\n")


def _postgres_answers(url: str) -> bool:
    import psycopg

    config = database_from_url(url)
    try:
        psycopg.connect(
            dbname="postgres",
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            connect_timeout=3,
        ).close()
    except psycopg.Error:
        return False
    return True


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


if DATABASE_URL and not _postgres_answers(DATABASE_URL):
    MISSING_SERVICES.append(f"PostgreSQL at {DATABASE_URL}")
    DATABASE_URL = ""
REDIS_AVAILABLE = _redis_answers(REDIS_URL)
if not REDIS_AVAILABLE:
    MISSING_SERVICES.append(f"Redis at {REDIS_URL}")

if MISSING_SERVICES:
    if REQUIRE_SERVICES:
        raise ImproperlyConfigured(
            "CRM_REQUIRE_SERVICES is set but these do not answer: " + ", ".join(MISSING_SERVICES)
        )
    _loud("NOT ANSWERING: " + ", ".join(MISSING_SERVICES))

EMBEDDED_POSTGRES = not DATABASE_URL
if EMBEDDED_POSTGRES:
    _embedded = EmbeddedPostgres(RUN_DIR)
    try:
        _embedded.start()
    except EmbeddedPostgresError as exc:
        raise ImproperlyConfigured(f"No DATABASE_URL, and {exc}") from None
    for _note in _embedded.notes:
        sys.stderr.write(f"note: {_note}\n")
    atexit.register(_embedded.stop)
    DATABASE_URL = _embedded.url()

DATABASES = {"default": database_from_url(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = 0
CELERY_BROKER_URL = REDIS_URL if REDIS_AVAILABLE else "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "visibility_timeout": 3600}
# Each test process its own memory cache: tests never see another run's figures (the Redis
# cache of the other settings is tested in tests/crm/test_cache.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The schema is open in tests (schemathesis loads it anonymously when the module is collected);
# tests/security/test_api_docs.py closes it to check production's default.
CRM_API_DOCS_PUBLIC = True
