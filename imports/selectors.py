"""Reads of import batches. Admins see every batch; a manager sees the batches they ran;
nobody else imports. A batch outside the caller's reach is not found (None)."""

import hashlib
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Account, Contact, Order
from crm.models import User
from crm.selectors import Viewer
from imports.models import (
    ImportBatch,
    ImportBeforeImage,
    ImportMapping,
    ImportRowError,
    ImportRowMatch,
)
from imports.registry import import_kind
from imports.upload.fields import fold_header, target_keys


def can_import(user: Viewer) -> bool:
    """Admins, and managers (whose imported accounts stay within their teams)."""
    return bool(user and user.is_authenticated and (user.is_admin or user.is_manager))


def import_batches_visible_to(user: Viewer) -> QuerySet[ImportBatch]:
    if not isinstance(user, User) or not can_import(user):
        return ImportBatch.objects.none()
    qs = ImportBatch.objects.select_related("created_by", "owner")
    if user.is_admin:
        return qs
    return qs.filter(created_by=user)


def import_batch_get_visible(user: User, pk: int | str) -> ImportBatch | None:
    return import_batches_visible_to(user).filter(pk=pk).first()


def import_batch_errors(batch: ImportBatch) -> QuerySet[ImportRowError]:
    return batch.row_errors.order_by("row_number", "id")


def import_batch_matches(batch: ImportBatch) -> QuerySet[ImportRowMatch]:
    """The rows of the batch's last check or import that matched an existing account."""
    return batch.row_matches.order_by("row_number", "id")


def header_signature(headers: list[str]) -> str:
    """The columns of a file as compared for the mapping memory: the folded headers (case,
    width, spaces, punctuation and remarks ignored), in order; "" for a file without any."""
    folded = [fold_header(h) for h in headers]
    if not any(folded):
        return ""
    return hashlib.sha256("\x1f".join(folded).encode()).hexdigest()


def import_batch_mapping_to_offer(
    user: Viewer | None, *, kind: str, signature: str, exclude_pk: int | None = None
) -> ImportBatch | None:
    """The latest batch the user can see, of this kind and with the same columns, whose
    mapping was used (checked or run: not a pending upload), if its mapping still fits."""
    if not signature or user is None:
        return None
    qs = (
        import_batches_visible_to(user)
        .filter(kind=kind, header_signature=signature)
        .exclude(status=ImportBatch.Status.PENDING)
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    found = qs.order_by("-created_at", "-pk").first()
    if found is None or not all(t in target_keys(kind) for t in found.mapping if t):
        return None
    return found


def import_mappings_for(user: Viewer, kind: str | None = None) -> QuerySet[ImportMapping]:
    if not isinstance(user, User) or not can_import(user):
        return ImportMapping.objects.none()
    qs = ImportMapping.objects.all()
    if not user.is_admin:
        qs = qs.filter(created_by=user)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name")


def import_batch_same_file(batch: ImportBatch) -> ImportBatch | None:
    """An earlier batch of the same file that is still in effect, if any."""
    if not batch.file_sha256:
        return None
    return (
        ImportBatch.objects.filter(
            file_sha256=batch.file_sha256,
            kind=batch.kind,
            status__in=[ImportBatch.Status.DONE, ImportBatch.Status.UNDOING],
        )
        .exclude(pk=batch.pk)
        .order_by("-created_at")
        .first()
    )


def import_batch_undo_blockers(batch: ImportBatch) -> QuerySet[ImportBatch]:
    """Later batches still in effect (done, or being undone) that changed what this batch
    wrote: undo them first. One EXISTS per kind of change, so the cost follows the later
    batches' rows (never their product)."""
    created_accounts = Account.objects.filter(import_batch=batch).values("id")
    updated_accounts = batch.before_images.filter(model="account").values("object_id")
    created_contacts = Contact.objects.filter(import_batch=batch).values("id")
    updated_contacts = batch.before_images.filter(model="contact").values("object_id")
    images = ImportBeforeImage.objects.filter(batch=OuterRef("pk"))
    touching = (
        Exists(images.filter(model="account", object_id__in=created_accounts))
        | Exists(images.filter(model="account", object_id__in=updated_accounts))
        | Exists(images.filter(model="contact", object_id__in=created_contacts))
        | Exists(images.filter(model="contact", object_id__in=updated_contacts))
        | Exists(Contact.objects.filter(import_batch=OuterRef("pk"), account__import_batch=batch))
        | Exists(Order.objects.filter(import_batch=OuterRef("pk"), account__import_batch=batch))
    )
    registered = import_kind(batch.kind)
    extra = registered.undo_blockers(batch) if registered is not None else None
    if extra is not None:
        touching |= extra
    return ImportBatch.objects.filter(
        touching,
        pk__gt=batch.pk,
        status__in=[ImportBatch.Status.DONE, ImportBatch.Status.UNDOING],
    ).order_by("pk")


def import_batch_undo_summary(batch: ImportBatch) -> dict[str, Any]:
    """What an undo will do: rows deleted and rows restored."""
    registered = import_kind(batch.kind)
    if registered is not None:
        return {"lines": registered.undo_summary(batch)}
    accounts = Account.objects.filter(import_batch=batch)
    return {
        "accounts_delete": accounts.count(),
        "accounts_restore": batch.before_images.filter(model="account").count(),
        "contacts_delete": Contact.objects.filter(
            Q(import_batch=batch) | Q(account__import_batch=batch)
        ).count(),
        "contacts_restore": batch.before_images.filter(model="contact").count(),
        "orders_delete": Order.objects.filter(
            Q(import_batch=batch) | Q(account__import_batch=batch)
        ).count(),
    }
