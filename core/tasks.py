from celery import shared_task

from core.queue import republish_pending


# The name it was published under when it lived in crm: beat schedules and outbox rows that
# already hold it keep working.
@shared_task(name="crm.tasks.republish_pending_tasks_task")
def republish_pending_tasks_task() -> int:
    return republish_pending()
