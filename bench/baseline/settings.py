"""Production settings plus the bench-only URLconf (the baseline endpoint beside the real
API). Used by the benchmarks under gunicorn; never in a deployment."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.baseline.urls"
# Pages render without `collectstatic` having run (no manifest); whitenoise still serves
# the files from the app folders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
