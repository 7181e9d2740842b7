"""Celery tasks of the receivables app: thin, they call the services; safe to run twice."""

from celery import shared_task

from receivables.reminders import payment_reminders_generate


@shared_task
def payment_reminders_daily_task() -> int:
    """The day's payment reminders (Celery beat, config.settings.base), before the daily
    digest and the robots read the reminders. Returns how many were new."""
    return sum(payment_reminders_generate().values())
