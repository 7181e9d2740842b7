"""Payments (回款记录) from a sheet, through the import pipeline: the kind receivables registers
with imports (imports.registry) in ReceivablesConfig.ready(). See docs/IMPORTS.md.

A row names the contract (its number, required: a payment that matches no contract is a row
error), optionally the plan entry it pays (its position in the plan, 1, 2, …), the day it was
received, the amount, a reference and whether it is an advance. Rows are checked in Python in
file order against the balances of the contracts the importer sees, each row reducing what the
next may pay, so that a dry run refuses exactly what the write would: a payment larger than
what it pays (unless an advance) or an entry that does not exist is a row error. The write
records each good row through `receivables.services.payment_record` (allocation oldest due
first, locked balances, audit); undo deletes the batch's payments and their allocations.
"""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from imports.engine.run import (
    ERR_COLUMNS,
    ERR_TABLE,
    READ_SHARE,
    ErrorSink,
    ImportAborted,
    Run,
    row_errors,
    row_warnings,
)
from imports.engine.undo import Step, Undo, cost
from imports.models import ImportBatch
from imports.registry import ImportKind, import_kind_register
from imports.upload import cleaning as c
from imports.upload.fields import Target
from imports.upload.readers import CellsWithNul
from receivables.models import Contract, Payment, PaymentAllocation, PlanEntry
from receivables.selectors import RECEIVABLE_STATUSES, contracts_visible_to, entries_with_balance
from receivables.services import payment_record

KIND = "payments"
LOCK = "payments"
PREVIEW_ROWS = 20
PHASE_ALLOCATIONS = "undo_payment_allocations"
PHASE_PAYMENTS = "undo_payments"
YES = {"1", "y", "yes", "true", "是", "预收", "预收款", "advance", "x", "√"}
NO = {"", "0", "n", "no", "false", "否"}

TARGETS = [
    Target(
        "contract", _("Contract number"), ("合同编号", "合同号", "合同", "contract", "contract no")
    ),
    Target(
        "entry", _("Plan entry (1, 2, …)"), ("期次", "计划期次", "回款期次", "entry", "instalment")
    ),
    Target("received_on", _("Received on"), ("回款日期", "到账日期", "收款日期", "日期", "date")),
    Target("amount", _("Amount"), ("回款金额", "金额", "到账金额", "amount")),
    Target("reference", _("Reference"), ("流水号", "凭证号", "参考号", "reference", "ref")),
    Target("is_advance", _("Advance"), ("预收款", "预收", "advance")),
]
MESSAGES = {
    "contract_unknown": _("No contract you can see has this number."),
    "contract_not_receivable": _("This contract is a draft or cancelled: it takes no payment."),
    "entry_unknown": _("The contract's plan has no entry with this number."),
    "payment_too_large": _("Larger than what the contract still owes: mark it as an advance."),
    "advance_invalid": _("Not yes or no."),
}
COUNTS = {"payments_create": _("payments to record")}
DONE_COUNTS = {"payments_create": _("payments recorded")}
PHASES = {
    PHASE_ALLOCATIONS: _("Deleting the allocations of its payments"),
    PHASE_PAYMENTS: _("Deleting the payments it recorded"),
}


def validate(seen: set[str], labels: dict[str, str]) -> list[str]:
    return [
        gettext("Map a column to “%(field)s”.") % {"field": labels[key]}
        for key in ("contract", "received_on", "amount")
        if key not in seen
    ]


@dataclass
class Line:
    row_no: int
    contract_id: int
    account_id: int
    entry_id: int | None
    received_on: datetime.date
    amount: Decimal
    reference: str
    is_advance: bool


class PaymentRows:
    """Reads and checks rows in file order, keeping what each contract and entry still owes."""

    def __init__(self, run: Run):
        self.run = run
        self.cols = run.columns
        self.errors = ErrorSink(run)
        self.lines: list[Line] = []
        self.bad_rows: set[int] = set()
        self.contracts: dict[str, tuple[int, int, str]] = {}
        self.owed: dict[int, Decimal] = {}  # contract id -> outstanding
        self.entries: dict[tuple[int, int], tuple[int, Decimal]] = {}  # (contract, pos)
        self.due_order: dict[int, list[tuple[int, int]]] = {}
        self._load()

    def _load(self) -> None:
        for pk, number, account_id, status in contracts_visible_to(self.run.actor).values_list(
            "pk", "number", "account_id", "status"
        ):
            self.contracts[number.strip().lower()] = (pk, account_id, status)
        entries = (
            entries_with_balance(
                PlanEntry.objects.filter(
                    contract__in=contracts_visible_to(self.run.actor),
                    contract__status__in=RECEIVABLE_STATUSES,
                )
            )
            .order_by(F("due").asc(nulls_last=True), "position", "pk")
            .values_list("pk", "contract_id", "position", "outstanding")
        )
        for pk, contract_id, position, outstanding in entries:
            self.entries[(contract_id, position)] = (pk, outstanding)
            # Oldest due first, as payment_record allocates.
            self.due_order.setdefault(contract_id, []).append((contract_id, position))
            self.owed[contract_id] = self.owed.get(contract_id, Decimal(0)) + outstanding

    def cell(self, cells: list[str], target: str) -> str:
        index = self.cols.get(target)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def add(self, row_no: int, cells: list[str]) -> None:
        before = len(self.errors.rows)
        raw_contract = self.cell(cells, "contract")
        found = self.contracts.get(raw_contract.lower()) if raw_contract else None
        if found is None:
            self.errors.add(
                row_no, "contract", "contract_unknown" if raw_contract else "required", raw_contract
            )
        elif found[2] not in RECEIVABLE_STATUSES:
            self.errors.add(row_no, "contract", "contract_not_receivable", raw_contract)
        received_on = self._date(row_no, self.cell(cells, "received_on"))
        amount = self._amount(row_no, self.cell(cells, "amount"))
        is_advance = self._advance(row_no, self.cell(cells, "is_advance"))
        entry_id = self._entry(row_no, found, self.cell(cells, "entry"))
        if len(self.errors.rows) > before or found is None:
            self.bad_rows.add(row_no)
            return
        if received_on is None or amount is None:  # an error was recorded above
            return
        contract_id = found[0]
        if not self._pays(row_no, contract_id, entry_id, amount, is_advance):
            self.bad_rows.add(row_no)
            return
        self.lines.append(
            Line(
                row_no,
                contract_id,
                found[1],
                entry_id,
                received_on,
                amount,
                c.text(self.cell(cells, "reference"), 100),
                is_advance,
            )
        )

    def _pays(self, row_no, contract_id, entry_id, amount, is_advance) -> bool:
        """What the row pays comes off the contract's (and the entry's) balance for the rows
        after it; a payment larger than that is an error unless an advance."""
        if entry_id is not None:
            key = next(k for k, v in self.entries.items() if v[0] == entry_id)
            owed = self.entries[key][1]
            if amount > owed:
                self.errors.add(row_no, "amount", "payment_too_large", str(amount))
                return False
            self.entries[key] = (entry_id, owed - amount)
            self.owed[contract_id] -= amount
            return True
        owed = self.owed.get(contract_id, Decimal(0))
        if amount > owed and not is_advance:
            self.errors.add(row_no, "amount", "payment_too_large", str(amount))
            return False
        paid = min(amount, owed)
        self.owed[contract_id] = owed - paid
        for key in self.due_order.get(contract_id, []):
            if paid <= 0:
                break
            pk, left = self.entries[key]
            part = min(left, paid)
            self.entries[key] = (pk, left - part)
            paid -= part
        return True

    def _date(self, row_no: int, raw: str) -> datetime.date | None:
        try:
            value = c.date(raw)
        except c.CellError as exc:
            self.errors.add(row_no, "received_on", exc.code, raw)
            return None
        if value is None:
            self.errors.add(row_no, "received_on", "required", "")
        return value

    def _amount(self, row_no: int, raw: str) -> Decimal | None:
        try:
            value = c.decimal(raw, places=2, max_digits=14, allow_negative=False)
        except c.CellError as exc:
            self.errors.add(row_no, "amount", exc.code, raw)
            return None
        if value is None or value <= 0:
            self.errors.add(row_no, "amount", "required", raw)
            return None
        return value

    def _advance(self, row_no: int, raw: str) -> bool:
        folded = raw.strip().lower()
        if folded in YES:
            return True
        if folded not in NO:
            self.errors.add(row_no, "is_advance", "advance_invalid", raw)
        return False

    def _entry(self, row_no: int, found, raw: str) -> int | None:
        if not raw or found is None:
            return None
        try:
            position = int(raw)
        except ValueError:
            position = -1
        entry = self.entries.get((found[0], position))
        if entry is None:
            self.errors.add(row_no, "entry", "entry_unknown", raw)
            return None
        return entry[0]


STAGED = (
    "row_no",
    "contract_id",
    "account_id",
    "entry_id",
    "received_on",
    "amount",
    "reference",
    "is_advance",
)


def check(run: Run) -> tuple[dict, list[dict]]:
    st = run.staging
    st.create("imp_err", ERR_TABLE, indexes=["row_no"])
    st.create(
        "imp_pay",
        "row_no integer NOT NULL, contract_id bigint, account_id bigint, entry_id bigint, "
        "received_on date, amount numeric(14, 2), reference text, is_advance boolean",
    )
    if not run.dry_run:
        st.lock(LOCK)
    rows = PaymentRows(run)
    for number, cells in run.table.rows():
        if isinstance(cells, CellsWithNul):
            rows.errors.add_nul(number, cells)
            rows.bad_rows.add(number)
        else:
            rows.add(number, cells)
        run.rows_read += 1
    run.report("checking", READ_SHARE, force=True)
    st.load("imp_err", ERR_COLUMNS, rows.errors.rows)
    rows.errors.flush_warnings()
    st.load("imp_pay", STAGED, [tuple(getattr(line, f) for f in STAGED) for line in rows.lines])
    counts = {"rows": run.rows_read, "payments_create": len(rows.lines)}
    return counts, _preview(run, rows)


def _preview(run: Run, rows: PaymentRows) -> list[dict]:
    entries: list[tuple[int, Line | None]] = [(line.row_no, line) for line in rows.lines]
    entries += [(number, None) for number in rows.bad_rows]
    entries = sorted(entries, key=lambda e: e[0])[:PREVIEW_ROWS]
    numbers = [number for number, _line in entries]
    errors = row_errors(run.staging, numbers)
    warnings = row_warnings(run.staging, numbers)
    numbers_of = {pk: number for number, (pk, _a, _s) in rows.contracts.items()}
    out = []
    for number, line in entries:
        row: dict[str, Any] = {
            "row": number,
            "action": "error" if line is None else "create",
            "contract": "",
            "received_on": "",
            "amount": "",
            "errors": errors.get(number, []),
            "warnings": warnings.get(number, []),
        }
        if line is not None:
            row.update(
                contract=numbers_of.get(line.contract_id, "").upper(),
                received_on=line.received_on.isoformat(),
                amount=str(line.amount),
            )
        out.append(row)
    return out


def write(run: Run) -> None:
    run.report("writing", 90)
    staged = run.staging.fetchall(
        f"SELECT {', '.join(STAGED)} FROM imp_pay ORDER BY row_no"  # nosec B608
    )
    contracts = Contract.objects.in_bulk({row[1] for row in staged})
    entries = PlanEntry.objects.in_bulk({row[3] for row in staged if row[3]})
    for _row, contract_id, _account_id, entry_id, received_on, amount, reference, advance in staged:
        contract = contracts[contract_id]
        try:
            payment_record(
                actor=run.actor,
                account=contract.account,
                contract=contract,
                amount=amount,
                received_on=received_on,
                reference=reference,
                is_advance=advance,
                allocations=[(entries[entry_id], amount)] if entry_id else None,
                import_batch=run.batch,
            )
        except ValidationError as exc:
            raise ImportAborted("changed_meanwhile") from exc


def undo_steps(undo: Undo) -> list[Step]:
    batch_id = undo.batch.pk
    allocations = undo.number(
        "undo_pay_alloc",
        PaymentAllocation._meta.db_table,
        f"payment_id IN (SELECT id FROM {Payment._meta.db_table} "  # nosec B608
        "WHERE import_batch_id = %s)",
        [batch_id],
    )
    payments = undo.number("undo_pay", Payment._meta.db_table, "import_batch_id = %s", [batch_id])
    return [
        Step(PHASE_ALLOCATIONS, allocations, 1, undo.deleter(PaymentAllocation, "undo_pay_alloc")),
        Step(PHASE_PAYMENTS, payments, cost(Payment), undo.deleter(Payment, "undo_pay")),
    ]


def undo_summary(batch: ImportBatch) -> list[tuple[Any, int]]:
    return [
        (
            _("Payments recorded by it, to delete"),
            Payment.objects.filter(import_batch=batch).count(),
        )
    ]


def register() -> None:
    import_kind_register(
        ImportKind(
            key=KIND,
            targets=TARGETS,
            check=check,
            write=write,
            validate=validate,
            undo_steps=undo_steps,
            undo_summary=undo_summary,
            undo_blockers=lambda batch: None,
            messages=MESSAGES,
            count_labels=COUNTS,
            done_count_labels=DONE_COUNTS,
            preview_columns=(
                ("contract", _("Contract number")),
                ("received_on", _("Received on")),
                ("amount", _("Amount")),
            ),
            phases=PHASES,
            lock=LOCK,
        )
    )
