"""Settings of the load test's gunicorn: production's (bench.baseline.settings), with session
and CSRF cookies that a client sends back over plain http on loopback."""

from bench.baseline.settings import *  # noqa: F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
