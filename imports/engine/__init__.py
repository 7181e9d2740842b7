"""The import engine: stream the file into staging tables, check and de-duplicate in SQL,
then (unless it is a dry run, or an all-or-nothing run found errors) write in a few
set-based statements. The caller holds the transaction."""

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from imports.engine import customers, orders
from imports.engine.common import ImportAborted, Run, mapped_columns, store_errors
from imports.engine.staging import PROFILE, Progress, Staging
from imports.models import ImportBatch
from imports.readers import open_table

__all__ = ["ImportAborted", "Outcome", "execute"]
PREVIEW_ROWS = 20
KINDS = {ImportBatch.Kind.CUSTOMERS: customers, ImportBatch.Kind.ORDERS: orders}


@dataclass
class Outcome:
    counts: dict
    preview: list[dict]
    failed: bool  # all-or-nothing and some rows have errors: nothing was written


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
    )
    module = KINDS[batch.kind]
    started = time.perf_counter()

    def phase(name: str) -> None:  # CRM_IMPORT_PROFILE=1: each phase's time on stderr
        nonlocal started
        if PROFILE:
            now = time.perf_counter()
            print(f"{now - started:8.3f}s phase {name}", file=sys.stderr)
            started = now

    try:
        staging.prepare()
        module.create_tables(run)
        phase("prepare")
        rows = module.read(run)
        phase("read")
        module.check(run, rows)
        phase("check")
        counts = module.counts(run)
        counts["errors"], counts["error_rows"] = store_errors(run)
        preview = module.preview(run, PREVIEW_ROWS)
        phase("counts")
        failed = bool(counts["error_rows"]) and batch.on_error == ImportBatch.OnError.ALL_OR_NOTHING
        if not dry_run and not failed:
            run.report("writing", 85, force=True)
            module.write(run)
            phase("write")
        return Outcome(counts=counts, preview=preview, failed=failed)
    finally:
        staging.drop()
