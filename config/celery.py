"""The Celery application; tasks live in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _use_django_logging(loglevel=None, **kwargs) -> None:
    """Workers log through Django's LOGGING only, at the worker's `-l` level. Without a
    receiver of this signal Celery adds handlers of its own (worker, tasks, multiprocessing)
    that lack the scrubbing filter of core.logscrub, so task logs could carry personal data."""
    import logging
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
