"""DjangoCRM's settings for the `pages` benchmark: its own `webcrm.settings`, made like a
production deployment (DEBUG off, PostgreSQL with persistent connections, the secret and the
database from the environment) and the company list at 50 rows (bench_urls). Imported only by
the DjangoCRM virtual environment that bench_pages.py makes; never by our app."""

import os
from urllib.parse import urlsplit

from webcrm.settings import *  # noqa: F403

_db = urlsplit(os.environ["DATABASE_URL"])
DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": str(_db.port or 5432),
        "CONN_MAX_AGE": 600,
    }
}
ROOT_URLCONF = "bench_urls"
LANGUAGE_CODE = "en"
# Its background mail importer and exchange-rate loader have nothing to do here.
LOAD_EXCHANGE_RATE = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
