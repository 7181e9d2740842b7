"""Orders, step 0: the order lines of the file, cleaned and staged (imp_ord), and the
distinct account references they name (imp_ref: credit code, customer code, name)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from django.db import models

from accounts.normalize import normalize_account_name
from imports.engine.run import ERR_COLUMNS, ERR_TABLE, ErrorSink, Run, no_copy_open, stream
from imports.upload import cleaning as c

_normalize = lru_cache(maxsize=200_000)(normalize_account_name)
# The column a reference's errors are reported under, the first one mapped.
REFERENCE_TARGETS = ("account_name", "account_code", "account_uscc")


class ReferenceAction(models.TextChoices):
    """What becomes of a reference that no visible account matched."""

    CREATE = "create"  # a new account, with --create-missing-accounts
    CREATED = "created"  # created by this run
    ERROR = "error"  # unknown, ambiguous or its code is taken (error_code)


class OrderRow(NamedTuple):
    """A row of imp_ord. Numbers as text: psycopg formats str in C, Decimal in Python."""

    row_no: int
    reference_id: int | None
    has_errors: bool
    date: str | None
    amount: str | None
    quantity: str | None
    unit_price: str | None
    invoice: str | None
    product: str | None
    profit: str | None


class ReferenceKey(NamedTuple):
    uscc: str | None
    customer_code: str | None
    name_key: str  # normalize_account_name(name), "" without a name


@dataclass(slots=True)
class Reference:
    """A row of imp_ref: one distinct account reference of the file."""

    reference_id: int
    uscc: str | None
    customer_code: str | None
    name_key: str | None
    name: str | None
    first_row: int
    good_lines: int = 0  # its lines without errors, for the counts

    def as_row(self) -> tuple:
        return (
            self.reference_id,
            self.uscc,
            self.customer_code,
            self.name_key,
            self.name,
            self.first_row,
            self.good_lines,
        )


ORDER_COLUMNS = OrderRow._fields
REFERENCE_COLUMNS = (
    "reference_id",
    "uscc",
    "customer_code",
    "name_key",
    "name",
    "first_row",
    "good_lines",
)
_TARGETS = (
    "account_uscc",
    "account_code",
    "account_name",
    "date",
    "amount",
    "quantity",
    "unit_price",
    "profit",
    "invoice_number",
    "product",
)


def create_tables(run: Run) -> None:
    st = run.staging
    st.create(
        "imp_ord",
        "row_no integer NOT NULL, reference_id integer, has_errors boolean NOT NULL, date date, "
        "amount numeric(16, 2), quantity numeric(14, 3), unit_price numeric(16, 4), "
        "invoice text, product text, profit numeric(16, 2)",
        unique="row_no",
        after_load=True,
    )
    st.create(
        "imp_ref",
        "reference_id integer NOT NULL, uscc text, customer_code text, name_key text, "
        "name text, first_row integer, good_lines integer NOT NULL, account_id bigint, "
        "match_count integer, action text, error_code text, "
        "placeholder boolean NOT NULL DEFAULT false",
        unique="reference_id",
        after_load=True,
    )
    st.create("imp_dup", "row_no integer PRIMARY KEY")
    st.create("imp_err", ERR_TABLE, indexes=["row_no"], after_load=True)


def read(run: Run) -> "OrderRows":
    rows = OrderRows(run)
    stream(run, rows)
    rows.finish()
    return rows


def _iso_date(value: str) -> str:
    if not value:
        raise c.CellError("required")
    return c.parse_date(value).isoformat()


def _number(places: int, max_digits: int):
    return lambda value: c.decimal(value, places=places, max_digits=max_digits)


class OrderRows:
    """Cleans order lines: each column's index is looked up once, repeated values (dates,
    quantities, prices, account references) are cleaned once per distinct value, and each
    line goes straight into the COPY of imp_ord that is open while a chunk is read."""

    TABLE, COLUMNS = "imp_ord", ORDER_COLUMNS

    def __init__(self, run: Run):
        self.run = run
        self.cols = cols = run.columns
        self.errors = ErrorSink(run)
        self.write_row: Callable[[Sequence[object]], None] = no_copy_open  # stream() sets it
        self.reference_ids: dict[ReferenceKey, int] = {}
        self.references: list[Reference] = []  # by reference_id - 1
        # Rows are padded to `need` cells, then one empty cell is appended: index -1 stands
        # for every column that is not mapped.
        self.need = max(cols.values(), default=-1) + 1
        (
            self.i_uscc,
            self.i_code,
            self.i_name,
            self.i_date,
            self.i_amount,
            self.i_quantity,
            self.i_price,
            self.i_profit,
            self.i_invoice,
            self.i_product,
        ) = (cols.get(t, -1) for t in _TARGETS)
        self.has_uscc = "account_uscc" in cols
        self.reference_target = next(
            (t for t in REFERENCE_TARGETS if t in cols), REFERENCE_TARGETS[0]
        )
        # References repeat across many lines (one per customer): keep up to 200k cleaned.
        self.cleaned_references = c.Memo(self._reference, limit=200_000)
        self.dates = c.Memo(_iso_date)
        self.amounts = c.Memo(_number(2, 16))
        self.quantities = c.Memo(_number(3, 14))
        self.prices = c.Memo(_number(4, 16))
        self.profits = c.Memo(_number(2, 16))

    def _reference(self, raw: tuple[str, str, str]):
        """(key, errors, name) of an account reference (credit code, customer code, name)."""
        raw_uscc, customer_code, name = raw
        errors = []
        uscc = None
        if self.has_uscc and raw_uscc:
            try:
                uscc = c.uscc(raw_uscc)
            except c.CellError as exc:
                errors.append(("account_uscc", exc.code, raw_uscc))
        if customer_code and len(customer_code) > 64:
            errors.append(("account_code", "too_long", customer_code))
        if len(name) > 255:
            errors.append(("account_name", "too_long", name))
        name_key = _normalize(name) if name else ""
        if not (uscc or customer_code or name_key) and not errors:
            errors.append((self.reference_target, "required", ""))
        return ReferenceKey(uscc, customer_code or None, name_key), tuple(errors), name

    def add(self, row_no: int, cells: list[str]) -> None:
        # Every line goes through here: the common path is a handful of dict lookups (the
        # memos give None for an empty number, Failed("required") for an empty date), and
        # only a line with a failed cell calls out to report it.
        if len(cells) < self.need:
            cells.extend([""] * (self.need - len(cells)))
        cells.append("")
        err = self.errors
        before = len(err.rows)
        key, reference_errors, name = self.cleaned_references[
            (cells[self.i_uscc], cells[self.i_code], cells[self.i_name])
        ]
        for target, code, value in reference_errors:
            err.add(row_no, target, code, value)
        date = self.dates[cells[self.i_date]]
        amount = self.amounts[cells[self.i_amount]]
        quantity = self.quantities[cells[self.i_quantity]]
        unit_price = self.prices[cells[self.i_price]]
        profit = self.profits[cells[self.i_profit]]
        failed = c.Failed
        if (
            date.__class__ is failed
            or amount.__class__ is failed
            or quantity.__class__ is failed
            or unit_price.__class__ is failed
            or profit.__class__ is failed
        ):
            date, amount, quantity, unit_price, profit = self._report_failed(
                row_no, cells, (date, amount, quantity, unit_price, profit)
            )
        if amount is None and len(err.rows) == before:
            amount = self._amount_of(row_no, quantity, unit_price)
        if amount is not None and quantity is not None and quantity < 0 < amount:
            amount = -amount  # a return given as a negative quantity
        invoice = cells[self.i_invoice]
        product = cells[self.i_product]
        if len(invoice) > 64:
            err.add(row_no, "invoice_number", "too_long", invoice)
        if len(product) > 200:
            err.add(row_no, "product", "too_long", product)
        has_errors = len(err.rows) > before
        reference_id = None
        if not has_errors:
            reference_id = self.reference_ids.get(key) or self._new_reference(key, name, row_no)
            self.references[reference_id - 1].good_lines += 1
        # Numbers as text: psycopg formats str in C, Decimal in Python.
        self.write_row(
            OrderRow(
                row_no,
                reference_id,
                has_errors,
                date,
                None if amount is None else str(amount),
                None if quantity is None else str(quantity),
                None if unit_price is None else str(unit_price),
                invoice or None,
                product or None,
                None if profit is None else str(profit),
            )
        )

    def _report_failed(self, row_no: int, cells: list[str], values: tuple) -> tuple:
        """The line's (date, amount, quantity, unit_price, profit), each failed one reported
        (in this order) and replaced by None."""
        indices = (self.i_date, self.i_amount, self.i_quantity, self.i_price, self.i_profit)
        targets = ("date", "amount", "quantity", "unit_price", "profit")
        out = []
        for value, index, target in zip(values, indices, targets, strict=True):
            if value.__class__ is c.Failed:
                self.errors.add(row_no, target, value.code, cells[index])
                value = None
            out.append(value)
        return tuple(out)

    def _amount_of(self, row_no: int, quantity, unit_price):
        """The amount of a line that gives none: quantity × unit price."""
        if quantity is None or unit_price is None:
            self.errors.add(row_no, "amount", "amount_missing", "")
            return None
        product = str(quantity * unit_price)
        try:
            return c.decimal(product, places=2, max_digits=16)
        except c.CellError as exc:
            self.errors.add(row_no, "amount", exc.code, product)
            return None

    def _new_reference(self, key: ReferenceKey, name: str, row_no: int) -> int:
        reference_id = self.reference_ids[key] = len(self.references) + 1
        reference = Reference(
            reference_id=reference_id,
            uscc=key.uscc,
            customer_code=key.customer_code,
            name_key=key.name_key or None,
            name=name or None,
            first_row=row_no,
        )
        self.references.append(reference)
        return reference_id

    def flush(self) -> None:
        self.run.staging.load("imp_err", ERR_COLUMNS, self.errors.rows)
        self.errors.rows = []

    def finish(self) -> None:
        self.run.staging.load(
            "imp_ref", REFERENCE_COLUMNS, [reference.as_row() for reference in self.references]
        )
        self.references = []
