"""A Celery worker logs through Django's LOGGING only: no handler of Celery's or redis-py's own
that would skip the scrubbing filter (core.logscrub)."""

import logging

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from core.logscrub import ScrubSensitiveData

pytestmark = pytest.mark.django_db(transaction=True)


def _unscrubbed_handlers() -> list[tuple[str, logging.Handler]]:
    loggers = [("root", logging.getLogger())] + [
        (name, logger)
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    ]
    return [
        (name, handler)
        for name, logger in loggers
        for handler in logger.handlers
        if not isinstance(handler, logging.NullHandler)
        and not type(handler).__module__.startswith("_pytest")
        and not any(isinstance(f, ScrubSensitiveData) for f in handler.filters)
    ]


def test_a_worker_adds_no_unscrubbed_log_handler(require_redis):
    assert _unscrubbed_handlers() == []
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        pass
    assert _unscrubbed_handlers() == []
