"""What the import commands (customers, orders, opportunities, targets) share."""

import json
import time
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.models import User
from imports import services
from imports.models import ImportBatch, ImportMapping
from imports.selectors import import_batch_errors, import_mappings_for
from imports.upload.cleaning import error_message
from imports.upload.readers import FileRejected

SHOW_ERRORS = 20


class ImportCommand(BaseCommand):
    kind: str
    modes: tuple[str, ...] = ("create", "update", "skip")
    owner_note = (
        "Note: no --owner given: the new accounts will be owned by {username}, "
        "who is not a sales rep. Give --owner USERNAME to choose the rep."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV, xlsx or xls file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--mode", choices=self.modes, default="skip")
        parser.add_argument(
            "--mapping",
            help="a saved mapping's name, or a JSON file of {header: target field}",
        )
        parser.add_argument(
            "--owner",
            help="user name of the sales rep who owns the new accounts (default: --user, "
            "with a note when that user is not a sales rep)",
        )
        parser.add_argument(
            "--user", help="user name of the admin or manager importing (default: an admin)"
        )
        parser.add_argument(
            "--good-rows",
            action="store_true",
            help="import the good rows and reject the bad ones (default: all or nothing)",
        )
        parser.add_argument("--encoding", default="", help="CSV text encoding (default: detect)")
        parser.add_argument("--sheet", default="", help="workbook sheet (default: the first)")
        parser.add_argument("--header-row", type=int, default=0, help="row of the headers")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def _user(self, username: str | None, option: str) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"{option}: no active user “{username}”.")
            return user
        user = (
            User.objects.filter(is_active=True).filter(role=User.Role.ADMIN).order_by("pk").first()
        ) or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError("No active admin user; give --user.")
        return user

    def _mapping(self, value: str | None, actor) -> ImportMapping | None:
        if not value:
            return None
        path = Path(value)
        if path.suffix.lower() == ".json" or path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"--mapping: cannot read {value}: {exc}") from exc
            if not isinstance(data, dict):
                raise CommandError("--mapping: the JSON file must hold {header: target}.")
            return ImportMapping(name=path.stem, kind=self.kind, mapping=data)
        saved = import_mappings_for(actor, self.kind).filter(name=value).first()
        if saved is None:
            raise CommandError(f"--mapping: no saved {self.kind} mapping named “{value}”.")
        return saved

    def handle(self, *args, **opts):
        started = time.perf_counter()
        actor = self._user(opts["user"], "--user")
        owner = self._user(opts["owner"], "--owner") if opts["owner"] else actor
        if self.owner_note and not opts["owner"] and actor.role != User.Role.REP:
            self.stderr.write(self.owner_note.format(username=actor.username))
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with path.open("rb") as fh:
                batch = services.import_batch_create(
                    actor=actor,
                    kind=self.kind,
                    upload=fh,
                    file_name=path.name,
                    encoding=opts["encoding"],
                    sheet_name=opts["sheet"],
                    header_row=opts["header_row"],
                    saved_mapping=self._mapping(opts["mapping"], actor),
                )
            data = {
                "mode": opts["mode"],
                "on_error": "skip_bad_rows" if opts["good_rows"] else "all_or_nothing",
                "owner": owner,
            }
            if self.kind == ImportBatch.Kind.ORDERS:
                data["create_missing_accounts"] = opts["create_missing_accounts"]
            elif self.kind == ImportBatch.Kind.CUSTOMERS:
                data["unknown_choices"] = opts["unknown_choices"]
            batch = services.import_batch_configure(actor=actor, batch=batch, data=data)
            if opts["dry_run"]:
                batch = services.import_batch_check(actor=actor, batch=batch, dispatch=False)
            else:
                batch = services.import_batch_commit(actor=actor, batch=batch, dispatch=False)
        except FileRejected as exc:
            raise CommandError(f"File rejected, nothing written: {exc}") from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{actor} may not import.") from exc
        # Run here and now, in this process.
        services.import_batch_run(batch_id=batch.pk, dry_run=opts["dry_run"])
        batch.refresh_from_db()
        elapsed = time.perf_counter() - started
        self._summary(batch, elapsed=elapsed, as_json=opts["json"])
        if batch.status == ImportBatch.Status.FAILED:
            raise CommandError(batch.message or "Import failed; nothing written.", returncode=2)
        if opts["dry_run"] and batch.counts.get("error_rows") and not opts["good_rows"]:
            raise CommandError("Dry run found errors; an import would write nothing.", returncode=2)

    def _summary(self, batch: ImportBatch, *, elapsed: float, as_json: bool) -> None:
        errors = list(import_batch_errors(batch)[:SHOW_ERRORS])
        if as_json:
            payload = {
                "batch": batch.pk,
                "status": batch.status,
                "counts": batch.counts,
                "seconds": round(elapsed, 3),
                "message": batch.message,
                "errors": [
                    {"row": e.row_number, "column": e.column, "code": e.code, "value": e.value}
                    for e in errors
                ],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        w = self.stdout.write
        w(f"Batch #{batch.pk} {batch.file_name}: {batch.get_status_display()}")
        for key, value in batch.counts.items():
            w(f"  {key.replace('_', ' ')}: {value}")
        for e in errors:
            w(f"  row {e.row_number}, {e.column or '-'}: {error_message(e.code)} {e.value!r}")
        shown = batch.counts.get("errors", 0)
        if shown > len(errors):
            w(f"  … and {shown - len(errors)} more errors")
        if batch.message:
            w(batch.message)
        w(f"  time: {elapsed:.2f}s")
