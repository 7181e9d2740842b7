"""Celery tasks of the health app: thin, they call the services; safe to run twice (the day's
rows are replaced, the warnings are inserted once)."""

from celery import shared_task

from health.services import health_compute, health_warnings_generate


@shared_task
def account_health_nightly_task() -> int:
    """The nightly health of every account, then its warnings (Celery beat,
    config.settings.base). Returns the accounts written."""
    result = health_compute()
    health_warnings_generate(day=result.day)
    return result.accounts
