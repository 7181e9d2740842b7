"""The import engine: stream the file into staging tables, check and de-duplicate in SQL,
then (unless it is a dry run, or an all-or-nothing run found errors) write in a few
set-based statements. The caller holds the transaction."""

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from imports.engine import customers, orders
from imports.engine.customers import classify as customer_classify
from imports.engine.customers import match as customer_match
from imports.engine.customers import rows as customer_rows
from imports.engine.customers import write as customer_write
from imports.engine.orders import classify as order_classify
from imports.engine.orders import rows as order_rows
from imports.engine.orders import write as order_write
from imports.engine.run import (
    ImportAborted,
    Run,
    create_warning_table,
    mapped_columns,
    store_errors,
    store_warnings,
)
from imports.engine.staging import PROFILE, Progress, Staging
from imports.models import ImportBatch
from imports.registry import ImportKind, import_kind
from imports.upload.fields import source_system
from imports.upload.readers import open_table

__all__ = ["ImportAborted", "Outcome", "execute"]
PREVIEW_ROWS = 20


@dataclass
class Outcome:
    counts: dict
    preview: list[dict]
    failed: bool  # all-or-nothing and some rows have errors: nothing was written


class _Phases:
    """CRM_IMPORT_PROFILE=1: each phase's time on stderr."""

    def __init__(self):
        self.started = time.perf_counter()

    def __call__(self, name: str) -> None:
        if PROFILE:
            now = time.perf_counter()
            print(f"{now - self.started:8.3f}s phase {name}", file=sys.stderr)
            self.started = now


def execute(batch: ImportBatch, *, actor, path: Path, dry_run: bool, progress: Progress) -> Outcome:
    table = open_table(
        path,
        kind=batch.kind,
        file_format=batch.file_format,
        encoding=batch.encoding,
        sheet_name=batch.sheet_name,
        header_row=batch.header_row,
    )
    staging = Staging()
    run = Run(
        batch=batch,
        actor=actor,
        table=table,
        dry_run=dry_run,
        staging=staging,
        progress=progress,
        now=timezone.now(),
        owner_id=batch.owner_id or actor.pk,
        columns=mapped_columns(batch.mapping),
        source=source_system(table.headers, batch.mapping),
    )
    try:
        staging.prepare()
        create_warning_table(staging)
        registered = import_kind(batch.kind)
        if registered is not None:
            return _import_registered(run, registered, _Phases())
        if batch.kind == ImportBatch.Kind.ORDERS:
            return _import_orders(run, _Phases())
        return _import_customers(run, _Phases())
    finally:
        staging.drop()


def _import_customers(run: Run, phase: _Phases) -> Outcome:
    customer_rows.create_tables(run)
    phase("prepare")
    rows = customer_rows.read(run)
    phase("read")
    customers.check(run, rows)
    phase("check")
    counts = customer_classify.counts(run)
    counts["rows_matched"] = customer_match.store_matches(run)
    preview = customer_classify.preview(run, PREVIEW_ROWS)
    outcome = _outcome(run, counts, preview, phase)
    if _writes(run, outcome):
        customer_write.write(run)
        phase("write")
    return outcome


def _import_orders(run: Run, phase: _Phases) -> Outcome:
    order_rows.create_tables(run)
    phase("prepare")
    order_rows.read(run)
    phase("read")
    orders.check(run)
    phase("check")
    counts = order_classify.counts(run)
    preview = order_classify.preview(run, PREVIEW_ROWS)
    outcome = _outcome(run, counts, preview, phase)
    if _writes(run, outcome):
        order_write.write(run)
        phase("write")
    return outcome


def _import_registered(run: Run, kind: ImportKind, phase: _Phases) -> Outcome:
    """A kind a higher app registered: its check fills the staging tables and gives the
    counts and preview; its write runs when the outcome allows."""
    counts, preview = kind.check(run)
    phase("check")
    outcome = _outcome(run, counts, preview, phase)
    if _writes(run, outcome):
        kind.write(run)
        phase("write")
    return outcome


def _outcome(run: Run, counts: dict, preview: list[dict], phase: _Phases) -> Outcome:
    counts["errors"], counts["error_rows"] = store_errors(run)
    counts["warnings"], counts["warning_rows"] = store_warnings(run, counts["errors"])
    phase("counts")
    failed = bool(counts["error_rows"]) and run.batch.on_error == ImportBatch.OnError.ALL_OR_NOTHING
    return Outcome(counts=counts, preview=preview, failed=failed)


def _writes(run: Run, outcome: Outcome) -> bool:
    if run.dry_run or outcome.failed:
        return False
    run.report("writing", 85, force=True)
    return True
