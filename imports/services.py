"""Writes of imports: upload, mapping, dry run, commit, undo, saved mappings.

A file that is refused (too big, not a spreadsheet, a zip bomb, XML entities, unreadable
text) raises FileRejected and writes nothing at all. A file with bad rows is checked, its
errors are kept with the batch, and — all-or-nothing by default — no account, contact or
order is written.
"""

import hashlib
import logging
import tempfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_log
from core.queue import enqueue
from crm.models import User
from crm.selectors import users_assignable_by
from imports import engine
from imports.engine import undo
from imports.engine.staging import Progress, Staging
from imports.models import ImportBatch, ImportMapping
from imports.registry import import_kind, kind_available
from imports.selectors import (
    can_import,
    header_signature,
    import_batch_mapping_to_offer,
    import_batch_undo_blockers,
    import_mappings_for,
)
from imports.signals import orders_import_undone
from imports.upload.cleaning import error_message
from imports.upload.fields import auto_map, validate_mapping
from imports.upload.lifecycle import (
    claim_run,
    claim_undo,
    fail_stopped,
    locked_for_change,
    refusal,
    seconds_until_stale,
)
from imports.upload.readers import (
    SAMPLE_BYTES,
    FileRejected,
    check_size,
    check_xlsx,
    detect_format,
    open_table,
    sample,
)

logger = logging.getLogger(__name__)
Status = ImportBatch.Status
TASK = "accounts.imports.tasks.import_batch_run_task"
SAMPLE_ROWS = 5


def _check_can_import(actor: User) -> None:
    if not can_import(actor):
        raise PermissionDenied


def _check_owns(actor: User, batch: ImportBatch) -> None:
    _check_can_import(actor)
    if not actor.is_admin and batch.created_by_id != actor.pk:
        raise PermissionDenied


def spool_folder() -> Path:
    """Where uploads are spooled: beside the stored files (MEDIA_ROOT/imports/spool), on the
    same file system, so that keeping a checked upload is a rename, not a second copy."""
    folder = Path(settings.MEDIA_ROOT) / "imports" / "spool"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class _Spooled(File):
    """The spooled upload handed to the storage: FileSystemStorage moves a file that has a
    `temporary_file_path` (one rename) instead of reading it again to copy it."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def _spool(upload: UploadedFile | IO[bytes]) -> tuple[Path, str, int, bytes]:
    """Copy the upload to a private spool file, hashing it and enforcing the size cap while
    it streams (a lying Content-Length cannot get more in). Returns the path, the hash, the
    size and the first SAMPLE_BYTES (to tell the format without opening the file again).
    This is the only full read of the upload: the check reads a bounded prefix and keeping
    the file moves it."""
    limit = settings.CRM_IMPORT_MAX_BYTES
    digest = hashlib.sha256()
    size = 0
    head = b""
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115
        prefix="crm-import-", dir=spool_folder(), delete=False
    )
    path = Path(handle.name)
    try:
        with handle:
            chunks = (
                upload.chunks()
                if hasattr(upload, "chunks")
                else iter(lambda: upload.read(1024 * 1024), b"")
            )
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    check_size(size)
                digest.update(chunk)
                handle.write(chunk)
                if len(head) < SAMPLE_BYTES:
                    head += chunk[: SAMPLE_BYTES - len(head)]
        check_size(size)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest(), size, head


def _inspect(
    path: Path, *, kind: str, file_format: str, encoding: str, sheet_name: str, header_row: int
) -> dict[str, Any]:
    table = open_table(
        path,
        kind=kind,
        file_format=file_format,
        encoding=encoding,
        sheet_name=sheet_name,
        header_row=header_row,
        preview=True,  # a bounded prefix: the check reads the rest, in a worker if big
    )
    rows = sample(table, SAMPLE_ROWS)
    return {
        "headers": table.headers,
        "header_row": table.header_row,
        "sheet_names": table.sheet_names,
        "sheet_name": table.sheet_name,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "sample_rows": rows,
    }


def import_batch_create(
    *,
    actor: User,
    kind: str,
    upload: UploadedFile | IO[bytes],
    file_name: str = "",
    encoding: str = "",
    sheet_name: str = "",
    header_row: int = 0,
    saved_mapping: ImportMapping | None = None,
) -> ImportBatch:
    """Check and keep an uploaded file; detect its sheet, encoding, header row and mapping.

    Raises FileRejected (nothing written) when the file cannot be imported."""
    _check_can_import(actor)
    if not kind_available(kind):
        raise ValidationError({"kind": _("Choose a kind of import.")})
    if (
        saved_mapping is not None
        and saved_mapping.pk is not None
        and not import_mappings_for(actor).filter(pk=saved_mapping.pk).exists()
    ):
        raise ValidationError({"saved_mapping": _("You cannot use this saved mapping.")})
    file_name = Path(file_name or getattr(upload, "name", "") or "upload").name[:255]
    declared = getattr(upload, "size", None)
    if declared is not None:
        check_size(declared)
    path, sha256, size, head = _spool(upload)
    try:
        file_format = detect_format(file_name, head)
        if file_format == "xlsx":
            check_xlsx(path)
        info = _inspect(
            path,
            kind=kind,
            file_format=file_format,
            encoding=encoding,
            sheet_name=sheet_name,
            header_row=header_row,
        )
        saved = saved_mapping.mapping if saved_mapping is not None else None
        signature = header_signature(info["headers"])
        offered = (
            None
            if saved_mapping is not None
            else import_batch_mapping_to_offer(actor, kind=kind, signature=signature)
        )
        batch = ImportBatch(
            kind=kind,
            created_by=actor,
            file_name=file_name,
            file_sha256=sha256,
            file_size=size,
            file_format=file_format,
            encoding=info["encoding"] if encoding else "",
            delimiter=info["delimiter"],
            sheet_name=info["sheet_name"],
            sheet_names=info["sheet_names"],
            header_row=info["header_row"],
            headers=info["headers"],
            sample_rows=info["sample_rows"],
            header_signature=signature,
            mapping=offered.mapping if offered else auto_map(kind, info["headers"], saved),
            mapping_from=offered,
            owner=actor,
            counts={"detected_encoding": info["encoding"]} if info["encoding"] else {},
        )
        # A rename into the storage (same file system), not a second read of the file.
        batch.file.save(f"{sha256[:16]}.{file_format}", _Spooled(None, str(path)), save=False)
        try:
            with transaction.atomic():
                batch.save()
                audit_log(actor=actor, action="create", instance=batch, extra={"file": file_name})
        except BaseException:
            batch.file.delete(save=False)
            raise
        return batch
    finally:
        path.unlink(missing_ok=True)


CONFIG_FIELDS = {
    "sheet_name",
    "encoding",
    "header_row",
    "mapping",
    "mode",
    "on_error",
    "owner",
    "create_missing_accounts",
    "invalid_phones",
    "unknown_choices",
}


@transaction.atomic
def import_batch_configure(*, actor: User, batch: ImportBatch, data: dict[str, Any]) -> ImportBatch:
    """Change the sheet, encoding, header row, mapping or options of a batch not yet
    committed. A new sheet, encoding or header row re-reads the headers and maps them again
    (unless a mapping is given). Any change drops the previous check's results."""
    _check_owns(actor, batch)
    batch = locked_for_change(batch)
    if not batch.is_editable:
        raise ValidationError(refusal(batch, _("This import can no longer be changed.")))
    unknown = set(data) - CONFIG_FIELDS
    if unknown:
        raise ValidationError({f: _("This field cannot be set here.") for f in unknown})
    _reread(batch, data)
    if "mapping" in data and data["mapping"] is not None:
        mapping = [str(t or "") for t in data["mapping"]]
        if len(mapping) != len(batch.headers):
            raise ValidationError({"mapping": _("Give one target per column.")})
        batch.mapping = mapping
    _set_options(actor, batch, data)
    batch.status = Status.PENDING
    batch.counts = {k: v for k, v in batch.counts.items() if k == "detected_encoding"}
    batch.preview = []
    batch.message = ""
    batch.phase = ""
    batch.progress = 0
    batch.full_clean(exclude=["file"])
    batch.save()
    batch.row_errors.all().delete()
    batch.row_matches.all().delete()
    audit_log(
        actor=actor,
        action="update",
        instance=batch,
        extra={"mapping": ",".join(batch.mapping), "mode": batch.mode},
    )
    return batch


def _reread(batch: ImportBatch, data: dict[str, Any]) -> None:
    """A new sheet, encoding or header row: read the headers and sample again, and map them
    again unless the data gives a mapping."""
    reread = {
        k: data[k]
        for k in ("sheet_name", "encoding", "header_row")
        if k in data and data[k] is not None and data[k] != getattr(batch, k)
    }
    if not reread:
        return
    if "sheet_name" in reread and reread["sheet_name"] not in batch.sheet_names:
        raise ValidationError({"sheet_name": _("The workbook has no such sheet.")})
    if "sheet_name" in reread and "header_row" not in reread:
        reread["header_row"] = 0
    try:
        info = _inspect(
            Path(batch.file.path),
            kind=batch.kind,
            file_format=batch.file_format,
            encoding=reread.get("encoding", batch.encoding),
            sheet_name=reread.get("sheet_name", batch.sheet_name),
            header_row=reread.get("header_row", batch.header_row),
        )
    except FileRejected as exc:
        raise ValidationError(str(exc)) from exc
    batch.encoding = reread.get("encoding", batch.encoding)
    batch.sheet_name = info["sheet_name"]
    batch.header_row = info["header_row"]
    batch.headers = info["headers"]
    batch.sample_rows = info["sample_rows"]
    batch.delimiter = info["delimiter"]
    batch.header_signature = header_signature(batch.headers)
    if "mapping" not in data:
        offered = import_batch_mapping_to_offer(
            batch.created_by, kind=batch.kind, signature=batch.header_signature, exclude_pk=batch.pk
        )
        batch.mapping = offered.mapping if offered else auto_map(batch.kind, batch.headers)
        batch.mapping_from = offered


def _set_options(actor: User, batch: ImportBatch, data: dict[str, Any]) -> None:
    for field in ("mode", "on_error"):
        if data.get(field):
            setattr(batch, field, data[field])
    if batch.kind == ImportBatch.Kind.ORDERS and batch.mode == ImportBatch.Mode.UPDATE:
        raise ValidationError({"mode": _("Order lines are created or skipped, never updated.")})
    registered = import_kind(batch.kind)
    if registered is not None and batch.mode not in registered.modes:
        raise ValidationError({"mode": _("This kind of import cannot use this mode.")})
    if "owner" in data:
        owner = data["owner"] or actor
        if not users_assignable_by(actor).filter(pk=owner.pk).exists():
            raise ValidationError({"owner": _("You cannot assign accounts to this user.")})
        batch.owner = owner
    if data.get("invalid_phones"):
        if data["invalid_phones"] not in ImportBatch.InvalidPhones.values:
            raise ValidationError({"invalid_phones": _("Choose note or drop.")})
        batch.invalid_phones = data["invalid_phones"]
    if "unknown_choices" in data:
        if data["unknown_choices"] not in ImportBatch.UnknownChoices.values:
            raise ValidationError({"unknown_choices": _("Choose empty or other.")})
        batch.unknown_choices = data["unknown_choices"]
    if "create_missing_accounts" in data:
        batch.create_missing_accounts = bool(data["create_missing_accounts"])


def import_batches_fail_stale() -> int:
    """Mark failed every check or import whose process died (no sign of life for
    CRM_IMPORT_STALE_SECONDS), so its page says so and offers to run it again; an undo whose
    process died leaves its import done (in effect), with the reason. Safe to run at any
    time and twice: a batch another session holds is left for the next sweep."""
    failed = 0
    for pk in ImportBatch.objects.stale().values_list("pk", flat=True):
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if batch is not None and batch.is_stale:
                fail_stopped(batch)
                failed += 1
    return failed


def _queue(batch: ImportBatch, *, dry_run: bool) -> None:
    """Small files run right after the commit, in this process; big ones in a worker."""
    if batch.file_size <= settings.CRM_IMPORT_INLINE_MAX_BYTES:
        batch_id = batch.pk
        transaction.on_commit(lambda: import_batch_run(batch_id=batch_id, dry_run=dry_run))
    else:
        enqueue(TASK, batch.pk, dry_run=dry_run)


@transaction.atomic
def import_batch_check(*, actor: User, batch: ImportBatch, dispatch: bool = True) -> ImportBatch:
    """Start the dry run: every row is read and checked, nothing is written. With
    dispatch=False the caller runs it (import_batch_run), as the CLI does."""
    batch = _start_run(
        actor, batch, Status.VALIDATING, _("This import can no longer be checked."), "check"
    )
    if dispatch:
        _queue(batch, dry_run=True)
    return batch


@transaction.atomic
def import_batch_commit(*, actor: User, batch: ImportBatch, dispatch: bool = True) -> ImportBatch:
    """Start the import for real (checks every row again against the current database).
    A run whose process died (stale) counts as failed, so it may be started again."""
    batch = _start_run(actor, batch, Status.QUEUED, _("This import has already run."), "queue")
    if dispatch:
        _queue(batch, dry_run=False)
    return batch


def _start_run(
    actor: User, batch: ImportBatch, status: str, refused: str, action: str
) -> ImportBatch:
    """The batch, locked, checked (still editable, a valid mapping), set to `status` with its
    progress reset, and audited as `action` (a queued import names its mode)."""
    _check_owns(actor, batch)
    batch = locked_for_change(batch)
    if not batch.is_editable:
        raise ValidationError(refusal(batch, refused))
    problems = validate_mapping(batch.kind, batch.mapping)
    if problems:
        raise ValidationError({"mapping": problems})
    batch.status = status
    batch.phase = "queued"
    batch.progress = 0
    batch.rows_read = 0
    batch.message = ""
    batch.save()
    extra = {"mode": batch.mode} if action == "queue" else None
    audit_log(actor=actor, action=action, instance=batch, extra=extra)
    return batch


def import_batch_seconds_until_free(*, batch_id: int, dry_run: bool) -> float | None:
    """A run of this kind holds the batch: the seconds until it counts as stopped (no sign
    of life for CRM_IMPORT_STALE_SECONDS) if it does not finish first. None when no such run
    holds it (done, failed, queued, gone). A task delivered again while the batch is taken
    waits this long and tries again, so the run of a process that died is never dropped."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return None
    if dry_run:
        taken = batch.status == Status.VALIDATING and batch.phase != "queued"
    else:
        taken = batch.status == Status.RUNNING
    if not taken:
        return None
    return seconds_until_stale(batch)


def import_batch_run(*, batch_id: int, dry_run: bool) -> ImportBatch | None:
    """Run a queued dry run or import (called by the task, or inline for small files)."""
    batch = claim_run(batch_id, dry_run=dry_run)
    if batch is None:
        return None
    actor = batch.created_by
    language = getattr(actor, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        return _run(batch, actor=actor, dry_run=dry_run)


def _run(batch: ImportBatch, *, actor: User | None, dry_run: bool) -> ImportBatch:
    progress = Progress(batch.pk, enabled=not connection.in_atomic_block)
    message = ""
    try:
        if actor is None or not can_import(actor):
            raise PermissionDenied
        with transaction.atomic():
            batch.row_errors.all().delete()
            batch.row_matches.all().delete()
            outcome = engine.execute(
                batch, actor=actor, path=Path(batch.file.path), dry_run=dry_run, progress=progress
            )
            progress.close()
            now = timezone.now()
            batch.counts = {
                **{k: v for k, v in batch.counts.items() if k == "detected_encoding"},
                **outcome.counts,
            }
            batch.preview = outcome.preview
            batch.rows_read = outcome.counts.get("rows", 0)
            batch.progress = 100
            batch.phase = ""
            if dry_run:
                batch.status = Status.READY
                batch.checked_at = now
            elif outcome.failed:
                batch.status = Status.FAILED
                batch.finished_at = now
                batch.message = _(
                    "Nothing was imported: %(n)s rows have errors. Fix them, or choose to "
                    "import the good rows."
                ) % {"n": outcome.counts["error_rows"]}
            else:
                batch.status = Status.DONE
                batch.finished_at = now
            batch.save()
            if batch.status == Status.DONE:
                audit_log(actor=actor, action="import", instance=batch, extra=outcome.counts)
        return batch
    except FileRejected as exc:
        message = str(exc)
    except engine.ImportAborted as exc:
        message = _("Nothing was imported: %(reason)s") % {"reason": error_message(exc.code)}
    except PermissionDenied:
        message = _("The user who started this import may no longer import.")
    except Exception:
        logger.exception("Import batch %s failed", batch.pk)
        message = _("Nothing was imported: an unexpected error stopped the import.")
    finally:
        progress.close()
    batch.row_errors.all().delete()
    batch.row_matches.all().delete()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=Status.FAILED,
        message=message,
        phase="",
        finished_at=timezone.now(),
    )
    batch.refresh_from_db()
    return batch


UNDO_TASK = "accounts.imports.tasks.import_batch_undo_task"


@transaction.atomic
def import_batch_undo(*, actor: User, batch: ImportBatch, dispatch: bool = True) -> ImportBatch:
    """Ask for the undo of a finished import: the batch becomes "undoing" and the work is
    queued (small files: run right after the commit, in this process; bigger ones in a
    worker, like the import). With dispatch=False the caller runs it (import_batch_undo_run).
    Refused, with the reason, when the batch is not in effect, is already being undone, or
    later imports changed its rows. An undo whose process died (stale) may be asked again."""
    _check_owns(actor, batch)
    batch = locked_for_change(batch)
    if batch.status == Status.UNDOING:
        raise ValidationError(refusal(batch, ""))
    if batch.status == Status.UNDONE:
        raise ValidationError(_("This import has already been undone."))
    if batch.status != Status.DONE:
        raise ValidationError(_("Only a finished import can be undone."))
    _check_no_blockers(batch)
    batch.status = Status.UNDOING
    batch.phase = "queued"
    batch.progress = 0
    batch.message = ""
    batch.undone_by = actor  # who asked: the run acts (and is audited) as them
    batch.save(update_fields=["status", "phase", "progress", "message", "undone_by"])
    audit_log(actor=actor, action="queue", instance=batch, extra={"undo": True})
    if dispatch:
        _queue_undo(batch)
    return batch


def _check_no_blockers(batch: ImportBatch) -> None:
    blockers = list(import_batch_undo_blockers(batch).values_list("pk", flat=True))
    if blockers:
        raise ValidationError(
            _("Later imports changed these records; undo them first: %(ids)s")
            % {"ids": ", ".join(f"#{pk}" for pk in blockers)}
        )


def _queue_undo(batch: ImportBatch) -> None:
    if batch.file_size <= settings.CRM_IMPORT_INLINE_MAX_BYTES:
        batch_id = batch.pk
        transaction.on_commit(lambda: import_batch_undo_run(batch_id=batch_id))
    else:
        enqueue(UNDO_TASK, batch.pk)


def import_batch_undo_seconds_until_free(*, batch_id: int) -> float | None:
    """An undo run holds the batch: the seconds until it counts as stopped, if it does not
    finish first (see import_batch_seconds_until_free). None when no undo run holds it."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status != Status.UNDOING or batch.phase == "queued":
        return None
    return seconds_until_stale(batch)


def import_batch_undo_run(*, batch_id: int) -> ImportBatch | None:
    """Run a queued undo (called by the task, or inline for small files). None when there
    was nothing to take (done already, or another run holds it)."""
    batch = claim_undo(batch_id)
    if batch is None:
        return None
    actor = batch.undone_by
    language = getattr(actor, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        return _undo(batch, actor=actor)


def _undo(batch: ImportBatch, *, actor: User | None) -> ImportBatch:
    """The undo itself, in one transaction: killed or failed at any point, nothing of it is
    kept and the import stays in effect (status done, with the reason in `message`)."""
    progress = Progress(batch.pk, enabled=not connection.in_atomic_block)
    message = ""
    try:
        if actor is None or not can_import(actor):
            raise PermissionDenied
        _check_owns(actor, batch)
        with transaction.atomic():
            staging = Staging()
            staging.lock("accounts")
            staging.lock("orders")
            registered = import_kind(batch.kind)
            if registered is not None and registered.lock:
                staging.lock(registered.lock)
            # Under the import locks: an import that changed this batch's rows after the
            # undo was asked for has committed by now, and is found here.
            _check_no_blockers(batch)
            result = undo.Undo(batch, progress=progress, rows_read=batch.rows_read).run()
            progress.close()
            batch.status = Status.UNDONE
            batch.phase = ""
            batch.progress = 100
            batch.message = ""
            batch.undone_at = timezone.now()
            batch.save(update_fields=["status", "phase", "progress", "message", "undone_at"])
            audit_log(actor=actor, action="undo", instance=batch, extra=result.summary)
            if batch.kind == ImportBatch.Kind.ORDERS:
                orders_import_undone.send(sender=ImportBatch, batch_id=batch.pk, actor_id=actor.pk)
        return batch
    except ValidationError as exc:
        message = " ".join(exc.messages)
    except PermissionDenied:
        message = _("The user who asked for this undo may no longer undo it.")
    except undo.UndoConflict as exc:
        values = {
            "model": exc.model._meta.verbose_name,
            "name": exc.name,
            "id": exc.object_id,
            "field": exc.field.verbose_name,
            "value": exc.value,
        }
        if exc.unique:
            message = _(
                "Nothing was undone: %(model)s “%(name)s” (#%(id)s) cannot be put back as it "
                "was, because another %(model)s now has its %(field)s “%(value)s”."
            )
        else:
            message = _(
                "Nothing was undone: %(model)s “%(name)s” (#%(id)s) cannot be put back as it "
                "was, because its %(field)s (#%(value)s) no longer exists."
            )
        message %= values
    except undo.UndoRefused as exc:
        message = _(
            "Nothing was undone: %(related)s that may not be deleted point at %(model)s "
            "of this import."
        ) % {
            "related": exc.related._meta.verbose_name_plural,
            "model": exc.model._meta.verbose_name_plural,
        }
    except Exception:
        logger.exception("Undo of import batch %s failed", batch.pk)
        message = _("Nothing was undone: an unexpected error stopped the undo.")
    finally:
        progress.close()
    ImportBatch.objects.filter(pk=batch.pk, status=Status.UNDOING).update(
        status=Status.DONE, phase="", progress=100, message=message, undone_by=None
    )
    batch.refresh_from_db()
    return batch


@transaction.atomic
def import_mapping_save(*, actor: User, batch: ImportBatch, name: str) -> ImportMapping:
    """Keep the batch's mapping (header → target) under a name, to reuse for the next file."""
    _check_owns(actor, batch)
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError({"name": _("Give the mapping a name.")})
    mapping = {h: t for h, t in zip(batch.headers, batch.mapping, strict=False) if h and t}
    saved, _created = ImportMapping.objects.update_or_create(
        kind=batch.kind,
        name=name,
        defaults={"mapping": mapping, "created_by": actor},
    )
    audit_log(actor=actor, action="update", instance=saved, extra={"columns": len(mapping)})
    return saved


@transaction.atomic
def import_mapping_delete(*, actor: User, mapping: ImportMapping) -> None:
    _check_can_import(actor)
    if not actor.is_admin and mapping.created_by_id != actor.pk:
        raise PermissionDenied
    audit_log(actor=actor, action="delete", instance=mapping)
    mapping.delete()
