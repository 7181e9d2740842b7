"""Import pages: history, upload, mapping and dry run, progress, result, undo. Thin: the
selectors read, the services write; batches outside the caller's reach answer 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.http import add_service_errors, or_404
from core.paginator import CappedPaginator
from imports import services
from imports.engine import undo
from imports.forms import ConfigForm, SaveMappingForm, UploadForm
from imports.models import ImportBatch
from imports.registry import ImportKind, import_kind
from imports.rejected import rejected_rows_response
from imports.selectors import (
    can_import,
    import_batch_errors,
    import_batch_get_visible,
    import_batch_matches,
    import_batch_same_file,
    import_batch_undo_blockers,
    import_batch_undo_summary,
    import_batches_visible_to,
)
from imports.upload import lifecycle
from imports.upload.cleaning import error_message
from imports.upload.fields import target_choices, validate_mapping
from imports.upload.readers import FileRejected

SORTS = {
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "file": ("file_name", "id"),
}
COUNT_LABELS = {
    "rows": gettext_lazy("rows read"),
    "accounts_create": gettext_lazy("accounts to create"),
    "accounts_update": gettext_lazy("accounts to update"),
    "accounts_same": gettext_lazy("accounts unchanged"),
    "accounts_skip": gettext_lazy("accounts skipped (already there)"),
    "rows_merged": gettext_lazy("rows repeating a company above"),
    "contacts_create": gettext_lazy("contacts to create"),
    "contacts_update": gettext_lazy("contacts to update"),
    "orders_create": gettext_lazy("order lines to create"),
    "orders_skip": gettext_lazy("order lines skipped (duplicates)"),
    "orders_repeated": gettext_lazy("identical lines of one invoice, each kept"),
    "accounts_to_enrich": gettext_lazy("new accounts named after their code (to enrich)"),
    "error_rows": gettext_lazy("rows with errors"),
    "errors": gettext_lazy("errors"),
    "warning_rows": gettext_lazy("rows with warnings"),
    "warnings": gettext_lazy("warnings"),
    "rows_matched": gettext_lazy("rows matching an existing account"),
}
# The same counts once the import has run: the result page speaks in the past tense.
DONE_COUNT_LABELS = {
    **COUNT_LABELS,
    "accounts_create": gettext_lazy("accounts created"),
    "accounts_update": gettext_lazy("accounts updated"),
    "accounts_same": gettext_lazy("accounts left unchanged"),
    "accounts_skip": gettext_lazy("accounts skipped (they were already there)"),
    "rows_merged": gettext_lazy("rows that repeated a company above"),
    "contacts_create": gettext_lazy("contacts created"),
    "contacts_update": gettext_lazy("contacts updated"),
    "orders_create": gettext_lazy("order lines created"),
    "orders_skip": gettext_lazy("order lines skipped (duplicates)"),
    "error_rows": gettext_lazy("rows rejected"),
    "rows_matched": gettext_lazy("rows that matched an existing account"),
}
RAN = (ImportBatch.Status.DONE, ImportBatch.Status.UNDOING, ImportBatch.Status.UNDONE)


PHASES = {
    "queued": gettext_lazy("Waiting for a worker"),
    "reading": gettext_lazy("Reading the file"),
    "checking": gettext_lazy("Checking rows against the database"),
    "writing": gettext_lazy("Writing"),
    "stopped": gettext_lazy("Stopped"),
    undo.PHASE_WAITING: gettext_lazy("Waiting for other imports to finish"),
    undo.PHASE_ORDERS: gettext_lazy("Deleting the order lines it created"),
    undo.PHASE_CONTACTS: gettext_lazy("Deleting the contacts it created"),
    undo.PHASE_RESTORE: gettext_lazy("Putting back the records it updated"),
    undo.PHASE_ACCOUNTS: gettext_lazy("Deleting the accounts it created"),
    "": "",
}


def _phases(registered: ImportKind | None) -> dict:
    return {**PHASES, **registered.phases} if registered is not None else PHASES


def _require_importer(request) -> None:
    if not can_import(request.user):
        raise Http404


@login_required
def batch_list(request):
    _require_importer(request)
    qs = import_batches_visible_to(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(file_name__icontains=q)
    kind = request.GET.get("kind", "")
    if kind in ImportBatch.Kind.values:
        qs = qs.filter(kind=kind)
    sort = request.GET.get("sort", "-created")
    qs = qs.order_by(*SORTS.get(sort, SORTS["-created"]))
    paginator = CappedPaginator(qs, 25)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "imports/batch_list.html",
        {
            "page": page,
            "paginator": paginator,
            "q": q,
            "kind": kind,
            "sort": sort,
            "query": query.urlencode(),
            "kinds": ImportBatch.Kind.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_new(request):
    _require_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    too_big = int(request.META.get("CONTENT_LENGTH") or 0) > settings.CRM_IMPORT_MAX_BYTES + 65536
    if request.method == "POST" and too_big:
        form.is_valid()
        form.add_error(
            "file",
            _("The file is bigger than the limit of %(mb)s MB.")
            % {"mb": settings.CRM_IMPORT_MAX_BYTES // 1048576},
        )
    elif request.method == "POST" and form.is_valid():
        try:
            batch = services.import_batch_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                encoding=form.cleaned_data["encoding"],
                saved_mapping=form.cleaned_data["saved_mapping"],
            )
        except FileRejected as exc:
            form.add_error("file", str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("File received. Check the mapping, then run the check."))
            return redirect(batch)
    return render(
        request,
        "imports/batch_new.html",
        {"form": form, "max_mb": settings.CRM_IMPORT_MAX_BYTES // 1048576},
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_detail(request, pk: int):
    _require_importer(request)
    batch = or_404(import_batch_get_visible(request.user, pk))
    form = None
    # Saving a stale run's form marks it failed first (a stale undo is asked for again on
    # the undo page instead).
    if batch.is_editable or (batch.is_stale and batch.status != ImportBatch.Status.UNDOING):
        form = ConfigForm(request.POST or None, batch=batch, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                batch = services.import_batch_configure(
                    actor=request.user, batch=batch, data=form.service_data()
                )
                if request.POST.get("action") == "check":
                    services.import_batch_check(actor=request.user, batch=batch)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                raise Http404 from exc
            else:
                return redirect(batch)
    elif request.method == "POST":
        return redirect(batch)
    errors = import_batch_errors(batch)
    error_page = CappedPaginator(errors, 50).get_page(request.GET.get("errors_page"))
    for error in error_page.object_list:
        error.message = error_message(error.code)
    match_page = CappedPaginator(import_batch_matches(batch), 50).get_page(
        request.GET.get("matches_page")
    )
    labels = dict(target_choices(batch.kind))
    count_labels = dict(DONE_COUNT_LABELS if batch.status in RAN else COUNT_LABELS)
    registered = import_kind(batch.kind)
    if registered is not None:
        count_labels.update(registered.count_labels)
        if batch.status in RAN:
            count_labels.update(registered.done_count_labels)
    return render(
        request,
        "imports/batch_detail.html",
        {
            "batch": batch,
            "form": form,
            "save_form": SaveMappingForm(),
            "problems": validate_mapping(batch.kind, batch.mapping) if batch.is_editable else [],
            "counts": [(count_labels[k], v) for k, v in batch.counts.items() if k in count_labels],
            "ran": batch.status in RAN,
            "error_page": error_page,
            "match_page": match_page,
            # A registered kind's preview rows carry their cells in its columns.
            "preview": batch.preview
            if registered is None
            else [
                {**row, "cells": [row.get(key, "") for key, _label in registered.preview_columns]}
                for row in batch.preview
            ],
            "preview_columns": [label for _key, label in registered.preview_columns]
            if registered is not None
            else [],
            "mapped": [
                (h, labels.get(t, ""))
                for h, t in zip(batch.headers, batch.mapping, strict=False)
                if t
            ],
            "same_file": import_batch_same_file(batch),
            "can_commit": batch.status == ImportBatch.Status.READY
            and not (
                batch.counts.get("error_rows")
                and batch.on_error == ImportBatch.OnError.ALL_OR_NOTHING
            ),
            # An import whose process died (stale, or already marked failed for it).
            "can_run_again": (
                (batch.status == ImportBatch.Status.RUNNING and batch.is_stale)
                or (batch.status == ImportBatch.Status.FAILED and batch.phase == lifecycle.STOPPED)
            ),
            "stale_check": batch.status == ImportBatch.Status.VALIDATING and batch.is_stale,
            "stale_undo": batch.status == ImportBatch.Status.UNDOING and batch.is_stale,
            "status_url": reverse("import-batch-detail", args=[batch.pk]),
            "phase_label": _phases(registered).get(batch.phase, batch.phase),
            "phase_labels": {k: str(v) for k, v in _phases(registered).items()},
        },
    )


@login_required
@require_POST
def batch_commit(request, pk: int):
    _require_importer(request)
    batch = or_404(import_batch_get_visible(request.user, pk))
    try:
        services.import_batch_commit(actor=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        raise Http404 from exc
    return redirect(batch)


@login_required
@require_POST
def mapping_save(request, pk: int):
    _require_importer(request)
    batch = or_404(import_batch_get_visible(request.user, pk))
    form = SaveMappingForm(request.POST)
    if form.is_valid():
        try:
            services.import_mapping_save(
                actor=request.user, batch=batch, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("Mapping saved."))
    else:
        messages.error(request, _("Give the mapping a name."))
    return redirect(batch)


def _may_ask_undo(batch: ImportBatch) -> bool:
    """Done, or an undo whose process died (asking again starts it anew)."""
    return batch.status == ImportBatch.Status.DONE or (
        batch.status == ImportBatch.Status.UNDOING and batch.is_stale
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_undo(request, pk: int):
    _require_importer(request)
    batch = or_404(import_batch_get_visible(request.user, pk))
    if not _may_ask_undo(batch):
        if batch.status == ImportBatch.Status.UNDOING:
            messages.info(request, _("This import is being undone."))
        elif batch.status == ImportBatch.Status.UNDONE:
            messages.info(request, _("This import has already been undone."))
        else:
            messages.error(request, _("Only a finished import can be undone."))
        return redirect(batch)
    if request.method == "POST":
        try:
            batch = services.import_batch_undo(actor=request.user, batch=batch)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            batch.refresh_from_db()  # a small one is undone already
            if batch.status == ImportBatch.Status.UNDONE:
                messages.success(request, _("The import was undone."))
            elif batch.status == ImportBatch.Status.UNDOING:
                messages.success(request, _("The undo has started; this page shows how far it is."))
        return redirect(batch)
    return render(
        request,
        "imports/batch_undo.html",
        {
            "batch": batch,
            "summary": import_batch_undo_summary(batch),
            "blockers": import_batch_undo_blockers(batch),
        },
    )


@login_required
def batch_rejected(request, pk: int):
    _require_importer(request)
    batch = or_404(import_batch_get_visible(request.user, pk))
    return rejected_rows_response(batch)
