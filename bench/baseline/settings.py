"""Production settings plus the bench-only URLconf (the baseline endpoint beside the real
API). Used by bench/bench_accounts_api.py under gunicorn; never in a deployment."""

from crm.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.baseline.urls"
