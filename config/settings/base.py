"""Settings shared by every environment. Secrets and services come from the environment."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RUN_DIR = Path(env_str("CRM_RUN_DIR", str(BASE_DIR / ".run")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
# True only in config.settings.production: commands that would be dangerous there (seed_demo's
# users with a published password) refuse to run unless told otherwise.
CRM_PRODUCTION = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "core",
    "crm",
    "accounts",
    "imports",
    "prospects",
    "playbook",
    "visits",
    "commitments",
    "opportunities",
    "receivables",
    "scoring",
    "health",
    "today",
    "salesmap",
    "calendars",
    "robots",
    "keyaccounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "core.middleware.RefuseNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "crm.security.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: PostgreSQL only. DATABASE_URL (postgres://user:pass@host:5432/name); without it the
# local and test settings use the embedded PostgreSQL under RUN_DIR (core.embedded_db).
DATABASE_URL = env_str("DATABASE_URL")
CONN_MAX_AGE = env_int("DJANGO_CONN_MAX_AGE", 60)
# PostgreSQL's planner cost of reading a random page, relative to a sequential one, set on
# each of our connections. The server's default (4) models spinning disks; on SSDs and a warm
# cache 1.1 (the usual SSD value) lets it use the (run, account) and owner indexes for one
# team's or one rep's figures instead of reading whole tables (the dashboard of a rep: ~5×
# faster). Empty: keep the server's own setting.
CRM_PG_RANDOM_PAGE_COST = env_str("CRM_PG_RANDOM_PAGE_COST", "1.1")
if CRM_PG_RANDOM_PAGE_COST:
    try:
        if float(CRM_PG_RANDOM_PAGE_COST) <= 0:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            f"CRM_PG_RANDOM_PAGE_COST must be a positive number, not {CRM_PG_RANDOM_PAGE_COST!r}"
        ) from None


def database_from_url(url: str) -> dj_database_url.DBConfig:
    config = dj_database_url.parse(url, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
    if config["ENGINE"] != "django.db.backends.postgresql":
        scheme = url.split(":", 1)[0]
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a PostgreSQL URL (postgres://…), not {scheme}://…: "
            "PostgreSQL is the only database supported; leave DATABASE_URL unset for the "
            "embedded PostgreSQL"
        )
    if CRM_PG_RANDOM_PAGE_COST:
        options = config.setdefault("OPTIONS", {})
        options["options"] = (
            f"{options.get('options', '')} -c random_page_cost={CRM_PG_RANDOM_PAGE_COST}".strip()
        )
    return config


def database_url_for(config: dict, name: str | None = None) -> str:
    """The URL of a DATABASES entry (of database `name` instead, if given), for a process
    started with DATABASE_URL: a unix-socket directory as host is percent-encoded."""
    login = quote(config.get("USER") or "", safe="")
    if config.get("PASSWORD"):
        login += ":" + quote(config["PASSWORD"], safe="")
    host = quote(config.get("HOST") or "127.0.0.1", safe="")
    port = config.get("PORT") or 5432
    return f"postgres://{login}@{host}:{port}/{quote(name or config['NAME'], safe='')}"


DATABASES = {"default": database_from_url(DATABASE_URL)} if DATABASE_URL else {}
EMBEDDED_POSTGRES = False  # local and test settings: True when DATABASES is the embedded server
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "crm.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Security: hashing, lockout, sessions, headers (docs/OPERATIONS.md#security) ---
# Argon2 first; the others stay so that older hashes still verify and are upgraded at login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# django-axes: lock out after repeated failed logins, per account and per address separately.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("CRM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CRM_LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success clears only that username's failures from that address (crm.security.AxesHandler).
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "crm.security.AxesHandler"
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "crm.security.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "old_password", "new_password1"]
# Behind N reverse proxies that set X-Forwarded-For, the client address is taken from it;
# with 0 (default) only REMOTE_ADDR counts, so a client cannot spoof its address.
_PROXY_COUNT = env_int("CRM_PROXY_COUNT", 0)
if _PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = _PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# Signed-in sessions end after this many minutes without a request (0: never).
CRM_SESSION_IDLE_MINUTES = env_int("CRM_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = env_int("CRM_SESSION_MAX_HOURS", 12) * 3600
# "Forgot password" (crm.security.password_reset_allowed): in each window of
# CRM_PASSWORD_RESET_WINDOW_MINUTES, one address may ask CRM_PASSWORD_RESET_PER_IP times and one
# e-mail address CRM_PASSWORD_RESET_PER_EMAIL times; counters in the cache (Redis). A reset or
# invitation link is valid for CRM_PASSWORD_RESET_LINK_HOURS (Django's PASSWORD_RESET_TIMEOUT).
CRM_PASSWORD_RESET_PER_IP = env_int("CRM_PASSWORD_RESET_PER_IP", 20)
CRM_PASSWORD_RESET_PER_EMAIL = env_int("CRM_PASSWORD_RESET_PER_EMAIL", 3)
CRM_PASSWORD_RESET_WINDOW_MINUTES = env_int("CRM_PASSWORD_RESET_WINDOW_MINUTES", 60)
CRM_PASSWORD_RESET_LINK_HOURS = env_int("CRM_PASSWORD_RESET_LINK_HOURS", 72)
if min(CRM_PASSWORD_RESET_PER_IP, CRM_PASSWORD_RESET_PER_EMAIL, CRM_PASSWORD_RESET_LINK_HOURS) < 1:
    raise ImproperlyConfigured(
        "CRM_PASSWORD_RESET_PER_IP, _PER_EMAIL and _LINK_HOURS must be at least 1"
    )
if CRM_PASSWORD_RESET_WINDOW_MINUTES < 1:
    raise ImproperlyConfigured("CRM_PASSWORD_RESET_WINDOW_MINUTES must be at least 1")
PASSWORD_RESET_TIMEOUT = CRM_PASSWORD_RESET_LINK_HOURS * 3600
# The bell counts what needs doing today: reminders showing today whose date is at most this
# many days past, and every one about an A account however old (visits.selectors.reminder_count).
CRM_REMINDER_BELL_OVERDUE_DAYS = env_int("CRM_REMINDER_BELL_OVERDUE_DAYS", 7)

# Group robots (the robots app). Webhook URLs must be https on each platform's own host;
# hosts listed here (e.g. 127.0.0.1 for tests or a local relay) may also be reached over
# plain http on any port. Each request waits at most CRM_ROBOTS_TIMEOUT_SECONDS; a failed
# batch is retried up to CRM_ROBOTS_MAX_ATTEMPTS attempts in all, waiting
# CRM_ROBOTS_RETRY_BACKOFF_SECONDS × 2^(attempt − 1) (at most an hour) between attempts.
CRM_ROBOTS_ALLOW_HTTP_HOSTS = env_list("CRM_ROBOTS_ALLOW_HTTP_HOSTS", [])
CRM_ROBOTS_TIMEOUT_SECONDS = env_int("CRM_ROBOTS_TIMEOUT_SECONDS", 10)
CRM_ROBOTS_MAX_ATTEMPTS = env_int("CRM_ROBOTS_MAX_ATTEMPTS", 6)
CRM_ROBOTS_RETRY_BACKOFF_SECONDS = env_int("CRM_ROBOTS_RETRY_BACKOFF_SECONDS", 30)
# Days of sent batches and deliveries kept; the daily robots-history-purge deletes older ones
# that exactly-once no longer needs (docs/ROBOTS.md, "History").
CRM_ROBOTS_HISTORY_DAYS = env_int("CRM_ROBOTS_HISTORY_DAYS", 90)
if CRM_ROBOTS_HISTORY_DAYS < 1:
    raise ImproperlyConfigured(
        f"CRM_ROBOTS_HISTORY_DAYS must be at least 1, not {CRM_ROBOTS_HISTORY_DAYS}"
    )
if CRM_REMINDER_BELL_OVERDUE_DAYS < 0:
    raise ImproperlyConfigured("CRM_REMINDER_BELL_OVERDUE_DAYS must be 0 or more")
# calendar feed
# The site's public address (scheme and host, e.g. https://crm.example.com), for links made
# outside a request: `manage.py calendar_feed_url` prints the feed's full URL with it, and the
# profile page shows it when set (else the address the page was opened at).
CRM_PUBLIC_URL = env_str("CRM_PUBLIC_URL").rstrip("/")
# The domain part of the feed's event UIDs (plan-7@<domain>): fixed, never the host name, so
# moving the site keeps every subscribed event the same event. Change it once, before anyone
# subscribes, or every subscriber sees each event twice until their calendar refreshes.
CRM_CALENDAR_UID_DOMAIN = env_str("CRM_CALENDAR_UID_DOMAIN", "crm.calendar")
# The feed's window: items from this many days back to this many days ahead.
CRM_CALENDAR_FEED_PAST_DAYS = env_int("CRM_CALENDAR_FEED_PAST_DAYS", 90)
CRM_CALENDAR_FEED_FUTURE_DAYS = env_int("CRM_CALENDAR_FEED_FUTURE_DAYS", 365)
# A cancelled plan stays in the feed as STATUS:CANCELLED this many days after its cancellation
# (so every subscribed calendar sees it cancelled), then leaves the feed.
CRM_CALENDAR_FEED_CANCELLED_DAYS = env_int("CRM_CALENDAR_FEED_CANCELLED_DAYS", 14)
if (
    min(
        CRM_CALENDAR_FEED_PAST_DAYS, CRM_CALENDAR_FEED_FUTURE_DAYS, CRM_CALENDAR_FEED_CANCELLED_DAYS
    )
    < 0
):
    raise ImproperlyConfigured("CRM_CALENDAR_FEED_*_DAYS must be 0 or more")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-csp: everything from our own origin, no inline script or style, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The sales map (salesmap/): the tile server Leaflet draws the map from ({z}/{x}/{y}, and {s}
# for a server's subdomains) and the attribution its licence asks for (HTML). The default is
# OpenStreetMap's standard tiles; docs/OPERATIONS.md lists AMap and Tianditu for China. The
# tile server's origin is added to the CSP's img-src below.
CRM_MAP_TILE_URL = env_str("CRM_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
CRM_MAP_TILE_ATTRIBUTION = env_str(
    "CRM_MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
# An address-to-coordinates service (off when empty: the app never calls out unless this is
# set). "{address}" in the URL is replaced by the URL-quoted address; see docs/OPERATIONS.md.
CRM_GEOCODER_URL = env_str("CRM_GEOCODER_URL", "")


def map_tile_origin(url: str) -> str:
    """The scheme and host of a tile URL template, for the CSP ("{s}.tile.x.org" -> a
    wildcard subdomain); "" for a relative or unparsable URL (our own origin)."""
    scheme, _sep, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    if scheme not in ("http", "https") or not host or "{" in host.replace("{s}", ""):
        return ""
    return f"{scheme}://{host.replace('{s}', '*')}"


if map_tile_origin(CRM_MAP_TILE_URL):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(map_tile_origin(CRM_MAP_TILE_URL))

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("CRM_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("CRM_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("CRM_MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# Receivables: the one currency of the installation (amounts are Decimal, to the cent, never
# converted), and the largest contract attachment accepted (bytes).
CRM_CURRENCY = env_str("CRM_CURRENCY", "CNY")
CRM_ATTACHMENT_MAX_BYTES = env_int("CRM_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
if CRM_ATTACHMENT_MAX_BYTES < 1:
    raise ImproperlyConfigured("CRM_ATTACHMENT_MAX_BYTES must be at least 1")

# API tokens (DRF's Token) are refused this many days after they were issued; signing in at
# /api/v1/auth/token/ then hands out a new one (crm.api.authentication, crm.services).
CRM_API_TOKEN_DAYS = env_int("CRM_API_TOKEN_DAYS", 30)
if CRM_API_TOKEN_DAYS < 1:
    raise ImproperlyConfigured(f"CRM_API_TOKEN_DAYS must be at least 1, not {CRM_API_TOKEN_DAYS}")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "crm.api.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.KeysetPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON only: DRF's browsable pages need inline styles the CSP refuses; /api/docs/ is the
    # interactive documentation.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Services' Django exceptions (ValidationError, PermissionDenied, DoesNotExist) become
    # the API's 400/403/404 answers in one place.
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
}

# /api/schema/ and /api/docs/ list every endpoint: signed-in users only, unless this is on.
CRM_API_DOCS_PUBLIC = env_bool("CRM_API_DOCS_PUBLIC", False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Key-account CRM API",
    "DESCRIPTION": "Accounts, contacts, orders, tiers, prospects and visits. "
    "Every endpoint shows only the records the caller may see.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["core.api.permissions.ApiDocsAccess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "VisitTouchTypeEnum": "visits.models.TouchType",
        "VisitTierEnum": "visits.models.TIER_CHOICES",
        "VisitRoleEnum": "visits.models.ROLE_CHOICES",
        "VisitPlanSourceEnum": "visits.models.VisitPlan.Source",
        "OccasionKindEnum": "visits.models.Occasion.Kind",
        "ReminderKindEnum": "visits.models.Reminder.Kind",
        "UserRoleEnum": "crm.models.User.Role",
        "ContactStanceEnum": "accounts.models.Contact.Stance",
        "AccountTeamMemberRoleEnum": "accounts.models.AccountTeamMember.Role",
        "AccountSourceEnum": "accounts.models.Account.Source",
        "ImportKindEnum": "imports.models.ImportBatch.Kind",
        "ImportStatusEnum": "imports.models.ImportBatch.Status",
        "TierRunStatusEnum": "scoring.models.TierRun.Status",
        "VisitPlanStatusEnum": "visits.models.VisitPlan.Status",
        "ReminderStatusEnum": "visits.models.Reminder.Status",
    },
}

# Celery: Redis when REDIS_URL is set; otherwise a broker in files that needs no server.
# The app the task outbox (core.queue) publishes with.
CRM_CELERY_APP = "config.celery.app"
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _queue_dir = RUN_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "visibility_timeout": 3600,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "republish-pending-tasks": {
        "task": "crm.tasks.republish_pending_tasks_task",
        "schedule": float(env_int("CRM_OUTBOX_REPUBLISH_SECONDS", 60)),
    },
    "nightly-tier-recompute": {
        "task": "scoring.tasks.recompute_tiers_nightly_task",
        "schedule": crontab(hour=2, minute=0),
    },
    # Account health after the tiers (it reads them), its warnings before the reminders'
    # digest and the robots read them.
    "nightly-account-health": {
        "task": "health.tasks.account_health_nightly_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Payments due and overdue, before the digest and the robots read the reminders.
    "daily-payment-reminders": {
        "task": "receivables.tasks.payment_reminders_daily_task",
        "schedule": crontab(hour=6, minute=15),
    },
    "daily-reminders": {
        "task": "visits.tasks.send_reminders_daily_task",
        "schedule": crontab(hour=6, minute=30),
    },
    "hourly-reminders-sweep": {
        "task": "visits.tasks.reminders_sweep_task",
        "schedule": crontab(minute=5),
    },
    "imports-fail-stale": {
        "task": "accounts.imports.tasks.import_batches_fail_stale_task",
        "schedule": 300.0,
    },
    # Group robots: urgent reminders as they appear, the daily digest once the day's reminder
    # run has finished and the digest hour has come, and retries whose time has come.
    "robots-dispatch": {
        "task": "robots.tasks.robots_dispatch_task",
        "schedule": float(env_int("CRM_ROBOTS_DISPATCH_SECONDS", 300)),
    },
    "robots-history-purge": {
        "task": "robots.tasks.robots_history_purge_task",
        "schedule": crontab(hour=3, minute=40),
    },
}


def cache_url_for(redis_url: str) -> str:
    """The cache's Redis database: the broker's number + 1 on the same server, so that
    clearing the cache never drops a queued task (redis://h:6379/0 -> redis://h:6379/1); for
    a broker on 15, the last of Redis' default 16 databases, the one before it (14)."""
    scheme, sep, rest = redis_url.partition("://")
    location, _slash, path = rest.partition("/")
    database, _q, query = path.partition("?")
    broker = int(database) if database.isdigit() else 0
    number = broker + 1 if broker < 15 else broker - 1
    return f"{scheme}{sep}{location}/{number}" + (f"?{query}" if query else "")


# Cache. With Redis: one cache shared by every web and worker process (the dashboard's
# figures are computed once for all of them), in CRM_CACHE_URL (default: REDIS_URL's server,
# the next database number). A Redis that does not answer is a cache miss, never an error
# page: django-redis ignores its errors. Without Redis: a per-process memory cache.
# A Redis that hangs would cost every cache call its timeout: after one failure the cache and
# the outbox publisher of a process skip that server for CRM_REDIS_BACKOFF_SECONDS (misses,
# tasks wait in the outbox; core.redis_breaker logs the failure and the recovery).
CRM_REDIS_BACKOFF_SECONDS = env_int("CRM_REDIS_BACKOFF_SECONDS", 30)
if CRM_REDIS_BACKOFF_SECONDS < 0:
    raise ImproperlyConfigured("CRM_REDIS_BACKOFF_SECONDS must be 0 or more")
CRM_CACHE_URL = env_str("CRM_CACHE_URL") or (cache_url_for(REDIS_URL) if REDIS_URL else "")
if CRM_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CRM_CACHE_URL,
            "KEY_PREFIX": "crm",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "REDIS_CLIENT_CLASS": "core.redis_breaker.GuardedRedis",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "crm@localhost")
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 20)

# Every handler scrubs passwords, tokens, phone numbers, e-mails and birthdays (core.logscrub).
# Django's own loggers are routed to these handlers instead of its defaults, and the Celery
# worker keeps this configuration instead of installing its own handlers.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub": {"()": "core.logscrub.ScrubSensitiveData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["scrub"]}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "INFO"},
        # redis-py gives this logger a bare handler of its own unless it exists already; it
        # would print pub/sub payloads unscrubbed. Defined here it goes through ours.
        "push_response": {"level": "WARNING"},
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Imports (the imports app): refuse files above this size; xlsx archives that would unpack
# to more than CRM_IMPORT_MAX_UNZIPPED_BYTES or whose parts compress better than
# CRM_IMPORT_MAX_ZIP_RATIO : 1 (zip bombs); files up to CRM_IMPORT_INLINE_MAX_BYTES are
# processed in the web request, bigger ones by a Celery worker.
CRM_IMPORT_MAX_BYTES = env_int("CRM_IMPORT_MAX_BYTES", 256 * 1024 * 1024)
CRM_IMPORT_MAX_UNZIPPED_BYTES = env_int("CRM_IMPORT_MAX_UNZIPPED_BYTES", 1024 * 1024 * 1024)
CRM_IMPORT_MAX_ZIP_RATIO = env_int("CRM_IMPORT_MAX_ZIP_RATIO", 500)
CRM_IMPORT_INLINE_MAX_BYTES = env_int("CRM_IMPORT_INLINE_MAX_BYTES", 1024 * 1024)
CRM_IMPORT_MAX_STORED_ERRORS = env_int("CRM_IMPORT_MAX_STORED_ERRORS", 100_000)
# The rows (last row number, blank rows included) and columns a file or sheet may have, and
# the cells a workbook sheet's used range may span (python-calamine holds that rectangle in
# memory at once, 32 bytes a cell: 20 million is about 640 MB).
CRM_IMPORT_MAX_ROWS = env_int("CRM_IMPORT_MAX_ROWS", 1_048_576)
CRM_IMPORT_MAX_COLUMNS = env_int("CRM_IMPORT_MAX_COLUMNS", 1_000)
CRM_IMPORT_MAX_SHEET_CELLS = env_int("CRM_IMPORT_MAX_SHEET_CELLS", 20_000_000)
# A check or import whose process shows no sign of life (the heartbeat its progress thread
# writes) for this long has died: it is marked failed and may be run again.
CRM_IMPORT_STALE_SECONDS = env_int("CRM_IMPORT_STALE_SECONDS", 900)
