from celery import shared_task

from accounts.imports.services import import_batch_run, import_batches_fail_stale


@shared_task
def import_batch_run_task(batch_id: int, dry_run: bool = False) -> str:
    """Run a queued dry run or import; a second delivery finds it taken and does nothing."""
    batch = import_batch_run(batch_id=batch_id, dry_run=dry_run)
    return batch.status if batch is not None else "skipped"


@shared_task
def import_batches_fail_stale_task() -> int:
    """Mark failed the checks and imports whose process died (beat, every 5 minutes)."""
    return import_batches_fail_stale()
