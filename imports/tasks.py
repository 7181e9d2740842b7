from celery import shared_task

from imports.services import (
    import_batch_run,
    import_batch_seconds_until_free,
    import_batch_undo_run,
    import_batch_undo_seconds_until_free,
    import_batches_fail_stale,
)

# The task names predate the app's move out of accounts/: outbox rows already queued and the
# beat schedule name them, so they keep their old module path.


@shared_task(bind=True, max_retries=None, name="accounts.imports.tasks.import_batch_run_task")
def import_batch_run_task(self, batch_id: int, dry_run: bool = False) -> str:
    """Run a queued dry run or import. A second delivery finds it done and does nothing; one
    that finds it still taken (its first worker may have died a moment ago) tries again once
    that run has shown no sign of life for CRM_IMPORT_STALE_SECONDS, or finds it done."""
    batch = import_batch_run(batch_id=batch_id, dry_run=dry_run)
    if batch is not None:
        return batch.status
    wait = import_batch_seconds_until_free(batch_id=batch_id, dry_run=dry_run)
    if wait is not None:
        raise self.retry(countdown=wait + 1)
    return "skipped"


@shared_task(bind=True, max_retries=None, name="accounts.imports.tasks.import_batch_undo_task")
def import_batch_undo_task(self, batch_id: int) -> str:
    """Run a queued undo. Delivered twice, it finds the batch undone and does nothing; one
    that finds the undo still taken waits until that run would be stale (its worker may have
    died) and tries again, as import_batch_run_task does."""
    batch = import_batch_undo_run(batch_id=batch_id)
    if batch is not None:
        return batch.status
    wait = import_batch_undo_seconds_until_free(batch_id=batch_id)
    if wait is not None:
        raise self.retry(countdown=wait + 1)
    return "skipped"


@shared_task(name="accounts.imports.tasks.import_batches_fail_stale_task")
def import_batches_fail_stale_task() -> int:
    """Mark failed the checks and imports whose process died, and put back in effect the
    imports whose undo died (beat, every 5 minutes)."""
    return import_batches_fail_stale()
