"""Settings for `make run` on a laptop: the embedded PostgreSQL and a file broker unless
DATABASE_URL / REDIS_URL say otherwise."""

from core.embedded_db import database_url

from .base import *  # noqa: F403
from .base import DATABASES, RUN_DIR, database_from_url
from .env import env_bool, env_str

DEBUG = env_bool("DJANGO_DEBUG", True)
# On a laptop the API docs are open to browse without signing in.
CRM_API_DOCS_PUBLIC = env_bool("CRM_API_DOCS_PUBLIC", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "local-development-only-not-secret")
# Without DATABASE_URL: the embedded PostgreSQL of RUN_DIR, which `make run` (runall) starts
# and stops; other commands find it running, or start it with `manage.py embedded_postgres`.
EMBEDDED_POSTGRES = not DATABASES
if EMBEDDED_POSTGRES:
    DATABASES = {"default": database_from_url(database_url(RUN_DIR))}
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
