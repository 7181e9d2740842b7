from celery import shared_task

from crm.queue import republish_pending


@shared_task
def republish_pending_tasks_task() -> int:
    return republish_pending()
