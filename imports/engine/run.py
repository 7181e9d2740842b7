"""What both kinds of import share: the run's context, streaming in chunks, errors."""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction

from accounts.selectors import accounts_visible_to
from crm.models import User
from imports.engine.staging import Progress, Staging
from imports.models import ImportBatch, ImportRowError
from imports.upload.readers import CellsWithNul, Table

CHUNK_ROWS = 20_000
ERR_COLUMNS = ("row_no", "col", "code", "value")
# The cell errors of a run (imp_err), the same for both kinds.
ERR_TABLE = "row_no integer NOT NULL, col text, code text, value text"
# The cell warnings of a run (same columns; created for every run by create_warning_table).
WARN_TABLE_NAME = "imp_warn"
# Share of the progress bar per phase: reading is by far the longest.
READ_SHARE, CHECK_SHARE = 70, 15


class ImportAborted(Exception):
    """The run must stop and roll back; `code` says why (see cleaning.ERROR_MESSAGES)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class Run:
    batch: ImportBatch
    actor: User
    table: Table
    dry_run: bool
    staging: Staging
    progress: Progress
    now: datetime.datetime
    owner_id: int
    columns: dict[str, int] = field(default_factory=dict)  # target -> column index

    @property
    def now_db(self):
        return connection.ops.adapt_datetimefield_value(self.now)

    def header(self, target: str) -> str:
        index = self.columns.get(target)
        if index is None:
            return ""
        name = self.table.headers[index] if index < len(self.table.headers) else ""
        return (name or column_letter(index))[:255]

    def visible_accounts_sql(self) -> tuple[str, list] | None:
        """SQL of the ids of accounts the actor may see (None: all of them)."""
        if self.actor.is_admin:
            return None
        sql, params = accounts_visible_to(self.actor).values("id").query.sql_with_params()
        return sql, list(params)

    def report(self, phase: str, percent: float, *, force: bool = False) -> None:
        self.progress.report(phase, int(percent), self.rows_read, force=force)

    rows_read: int = 0


def insert_or_abort(staging: Staging, sql: str, params: list) -> int:
    """Run an INSERT into a table with unique codes. The checks ran under the import lock,
    so a conflict means that someone outside the imports wrote the same code meanwhile:
    the run stops (ImportAborted) and the transaction, rolled back to before the INSERT,
    stays usable for the clean-up."""
    try:
        with transaction.atomic():
            return staging.execute(sql, params)
    except IntegrityError as exc:
        cause = exc.__cause__
        if getattr(cause, "sqlstate", None) == "23505" or "UNIQUE constraint" in str(cause):
            raise ImportAborted("changed_meanwhile") from exc
        raise


def literal(choice: models.TextChoices) -> str:
    """A choice as an SQL string literal (its value is one of our own constants)."""
    return f"'{choice.value}'"


def codes_compatible(staged: str, account: str) -> str:
    """SQL: the staged company (`staged`) and the account (`account`) never conflict on a
    credit code or a customer code (either side may lack it)."""
    return (
        f"({account}.uscc IS NULL OR {staged}.uscc IS NULL OR {account}.uscc = {staged}.uscc) "
        f"AND ({account}.external_code IS NULL OR {staged}.customer_code IS NULL "
        f"OR {account}.external_code = {staged}.customer_code)"
    )


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def mapped_columns(mapping: list[str]) -> dict[str, int]:
    return {target: i for i, target in enumerate(mapping) if target}


class ErrorSink:
    """Collects cell errors of the rows being read, for the staging table imp_err, and cell
    warnings, for imp_warn (stream() writes them after each chunk). An error rejects its row;
    a warning never does: it says what was done with a cell that could not be kept as it was
    (left empty, moved to the note), and is shown and stored with level "warning"."""

    def __init__(self, run: Run):
        self.run = run
        self.rows: list[tuple] = []
        self.warnings: list[tuple] = []
        self._headers: dict[str, str] = {}

    def _header(self, target: str) -> str:
        header = self._headers.get(target)
        if header is None:
            header = self._headers[target] = self.run.header(target)
        return header

    def add(self, row_no: int, target: str, code: str, value: str) -> None:
        self.rows.append((row_no, self._header(target), code, (value or "")[:255]))

    def warn(self, row_no: int, target: str, code: str, value: str) -> None:
        """A warning on the cell of `target` (a mapping target) in row `row_no`; `code` is a
        key of cleaning.ERROR_MESSAGES that says what was done with the cell."""
        self.warnings.append((row_no, self._header(target), code, (value or "")[:255]))

    def flush_warnings(self) -> None:
        self.run.staging.load(WARN_TABLE_NAME, ERR_COLUMNS, self.warnings)
        self.warnings = []

    def add_nul(self, row_no: int, cells: CellsWithNul) -> None:
        """A row that held NUL characters is rejected whole: one error per such column."""
        headers = self.run.table.headers
        for index in cells.nul_columns:
            name = headers[index] if index < len(headers) else ""
            self.rows.append((row_no, (name or column_letter(index))[:255], "nul_character", ""))


def no_copy_open(row: Sequence[object]) -> None:
    """`rows.write_row` outside stream(), where no COPY is open to take the row."""
    raise RuntimeError("write_row is only set while stream() reads a chunk")


def stream(run: Run, rows) -> None:
    """Feed every row of the table to rows.add(number, cells), CHUNK_ROWS at a time: while
    a chunk is read, rows.write_row streams into one COPY of the main staging table
    (rows.TABLE), so the server stores rows while Python cleans the next; after each chunk
    rows.flush() writes the side tables (contacts, errors)."""
    source = iter(run.table.rows())
    add = rows.add
    while True:
        taken = 0
        with run.staging.writer(rows.TABLE, rows.COLUMNS) as writer:
            rows.write_row = writer.write_row
            for number, cells in source:
                if cells.__class__ is list:
                    add(number, cells)
                else:  # CellsWithNul: an error of its own, not staged (so never written)
                    rows.errors.add_nul(number, cells)
                taken += 1
                if taken == CHUNK_ROWS:
                    break
        run.rows_read += taken
        rows.flush()
        rows.errors.flush_warnings()
        if taken < CHUNK_ROWS:
            break
        run.report("reading", READ_SHARE * run.table.fraction())
    run.report("checking", READ_SHARE, force=True)


def store_errors(run: Run) -> tuple[int, int]:
    """Copy the run's errors to ImportRowError (capped); (errors, rows with errors)."""
    st = run.staging
    errors, rows = st.fetchone("SELECT COUNT(*), COUNT(DISTINCT row_no) FROM imp_err")
    cap = settings.CRM_IMPORT_MAX_STORED_ERRORS
    st.execute(
        f"INSERT INTO {ImportRowError._meta.db_table} "  # nosec B608
        '(batch_id, row_number, "column", code, value) '
        "SELECT %s, row_no, COALESCE(col, ''), code, COALESCE(value, '') FROM imp_err "
        "ORDER BY row_no LIMIT %s",
        [run.batch.pk, cap],
    )
    return errors, rows


def create_warning_table(staging: Staging) -> None:
    staging.create(WARN_TABLE_NAME, ERR_TABLE)


def store_warnings(run: Run, stored_errors: int) -> tuple[int, int]:
    """Copy the run's warnings to ImportRowError with level "warning" (within what the cap
    leaves after the errors); (warnings, rows with warnings)."""
    st = run.staging
    warnings, rows = st.fetchone("SELECT COUNT(*), COUNT(DISTINCT row_no) FROM imp_warn")
    room = max(settings.CRM_IMPORT_MAX_STORED_ERRORS - stored_errors, 0)
    if warnings and room:
        st.execute(
            f"INSERT INTO {ImportRowError._meta.db_table} "  # nosec B608
            '(batch_id, row_number, "column", code, value, level) '
            "SELECT %s, row_no, COALESCE(col, ''), code, COALESCE(value, ''), %s FROM imp_warn "
            "ORDER BY row_no LIMIT %s",
            [run.batch.pk, ImportRowError.Level.WARNING.value, room],
        )
    return warnings, rows


def rows_of(st: Staging, select: str, order: str, numbers: list[int]) -> list[tuple]:
    """The rows of `select` (a SELECT … FROM a staging table) of the given row numbers."""
    if not numbers:
        return []
    marks = ", ".join(["%s"] * len(numbers))
    return st.fetchall(f"{select} WHERE row_no IN ({marks}) ORDER BY {order}", numbers)  # nosec B608


def row_errors(st: Staging, numbers: list[int]) -> dict[int, list[list[str]]]:
    """The errors of the given rows, for a preview: [[column, code, value], …] by row."""
    errors: dict[int, list[list[str]]] = {}
    for row_no, col, code, value in rows_of(
        st, "SELECT row_no, col, code, value FROM imp_err", "row_no", numbers
    ):
        errors.setdefault(row_no, []).append([col or "", code, value or ""])
    return errors


def row_warnings(st: Staging, numbers: list[int]) -> dict[int, list[list[str]]]:
    """The warnings of the given rows, for a preview: [[column, code, value], …] by row."""
    warnings: dict[int, list[list[str]]] = {}
    for row_no, col, code, value in rows_of(
        st, "SELECT row_no, col, code, value FROM imp_warn", "row_no", numbers
    ):
        warnings.setdefault(row_no, []).append([col or "", code, value or ""])
    return warnings
