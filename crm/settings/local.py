"""Settings for `make run` on a laptop: SQLite file and a file broker unless told otherwise."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, database_from_url
from .env import env_bool, env_str

DEBUG = env_bool("DJANGO_DEBUG", True)
# On a laptop the API docs are open to browse without signing in.
CRM_API_DOCS_PUBLIC = env_bool("CRM_API_DOCS_PUBLIC", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "local-development-only-not-secret")
if not DATABASES:
    DATABASES = {"default": database_from_url(f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
