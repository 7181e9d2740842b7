"""Settings of the web, worker and command processes that the fault tests start (DATABASE_URL
and REDIS_URL point at the test database and a private Redis)."""

from config.settings.local import *  # noqa: F403
from config.settings.local import CELERY_BROKER_TRANSPORT_OPTIONS

DEBUG = False
# A killed worker's unacknowledged task comes back after this many seconds (production: 1 h).
# kombu sweeps for such tasks every interval × throttle seconds (default 10 × 10).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
# The test process writes users with the fast test hasher.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
