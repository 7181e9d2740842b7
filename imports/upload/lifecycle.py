"""The life of a batch between its upload and its end: who may change it, taking it for a
run (so that a task delivered twice does its work once), and what becomes of a run whose
process died (stale: no sign of life for CRM_IMPORT_STALE_SECONDS)."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_log
from imports.engine.undo import PHASE_WAITING
from imports.models import ImportBatch, stale_cutoff

Status = ImportBatch.Status

STOPPED = "stopped"  # phase of a failed import whose process died: the page offers a re-run


def locked_for_change(batch: ImportBatch) -> ImportBatch:
    """The batch, locked; a run whose process died is marked failed first."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.is_stale:
        fail_stopped(batch)
    return batch


def refusal(batch: ImportBatch, default: str) -> str:
    if not batch.is_active:
        return default
    minutes = max(1, -(-settings.CRM_IMPORT_STALE_SECONDS // 60))
    if batch.status == Status.UNDOING:
        return _(
            "This import is being undone, or waits for a worker to undo it. If its process has "
            "stopped, the undo can be asked for again once it has shown no sign of life for "
            "%(minutes)s minutes."
        ) % {"minutes": minutes}
    return _(
        "This import is still running or waiting for a worker. If its process has stopped, "
        "it can be started again once it has shown no sign of life for %(minutes)s minutes."
    ) % {"minutes": minutes}


def fail_stopped(batch: ImportBatch) -> None:
    """Mark a stale run (locked by the caller) failed. Its process died inside the run's
    one transaction, so PostgreSQL rolled back everything it wrote. A stale undo leaves the
    import in effect (done), with the reason: it may be asked for again."""
    creator = batch.undone_by if batch.status == Status.UNDOING else batch.created_by
    language = getattr(creator, "language", "") or settings.LANGUAGE_CODE
    last = timezone.localtime(batch.last_sign_of_life) if batch.last_sign_of_life else None
    when = f"{last:%Y-%m-%d %H:%M}" if last else "–"
    if batch.status == Status.UNDOING:
        with translation.override(language):
            batch.message = _(
                "The undo stopped without finishing: its process ended (last sign of life "
                "%(when)s). Nothing was undone; undo the import again."
            ) % {"when": when}
        batch.status = Status.DONE
        batch.phase = ""
        batch.progress = 100
        batch.undone_by = None
        batch.save(update_fields=["status", "phase", "message", "progress", "undone_by"])
        audit_log(actor=None, action="fail", instance=batch, extra={"was": "undoing", "last": when})
        return
    with translation.override(language):
        if batch.status == Status.RUNNING:
            message = _(
                "The import stopped without finishing: its process ended (last sign of life "
                "%(when)s). Nothing of it was kept; run it again."
            ) % {"when": when}
        else:
            message = _(
                "The check stopped without finishing: its process ended (last sign of life "
                "%(when)s). Run it again."
            ) % {"when": when}
    was = batch.status
    batch.phase = STOPPED if was == Status.RUNNING else ""
    batch.status = Status.FAILED
    batch.message = message
    batch.progress = 0
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "phase", "message", "progress", "finished_at"])
    audit_log(actor=None, action="fail", instance=batch, extra={"was": was, "last": when})


def claim_run(batch_id: int, *, dry_run: bool) -> ImportBatch | None:
    """Take the batch for this run, or None when another run has it or it already ran
    (so a task delivered twice does its work once)."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None:
            return None
        if dry_run:
            ok = batch.status == Status.VALIDATING and (batch.phase == "queued" or batch.is_stale)
        else:
            ok = batch.status == Status.QUEUED or (
                batch.status == Status.RUNNING and batch.is_stale
            )
        if not ok:
            return None
        batch.status = Status.VALIDATING if dry_run else Status.RUNNING
        batch.phase = "reading"
        batch.progress = 0
        batch.rows_read = 0
        batch.started_at = batch.heartbeat_at = timezone.now()
        batch.save(
            update_fields=["status", "phase", "progress", "rows_read", "started_at", "heartbeat_at"]
        )
        return batch


def claim_undo(batch_id: int) -> ImportBatch | None:
    """Take the batch for this undo run, or None when another run has it or it is no
    longer asked for (so a task delivered twice does its work once)."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status != Status.UNDOING:
            return None
        if batch.phase != "queued" and not batch.is_stale:
            return None
        batch.phase = PHASE_WAITING
        batch.progress = 0
        batch.heartbeat_at = timezone.now()
        batch.save(update_fields=["phase", "progress", "heartbeat_at"])
        return batch


def seconds_until_stale(batch: ImportBatch) -> float:
    """How long the run that holds the batch has before it counts as stopped, unless it
    shows a sign of life first."""
    last = batch.last_sign_of_life
    if last is None:
        return 0.0
    return max(0.0, (last - stale_cutoff()).total_seconds())
