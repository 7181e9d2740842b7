"""Orders, step 2: unknown references are errors, or new accounts (one per normalized name;
a reference that gives only a customer code or credit code gets a placeholder name and is
marked "to enrich") with --create-missing-accounts. The lines with an invoice number are
matched against the database as a multiset per (account, date, invoice, product, amount):
a line is a duplicate (skipped, or an error in mode "create only") only as many times as
the database already holds that line, so two identical lines of one invoice are two lines,
kept with a warning, and a second import of the same file adds nothing. What a run counts
and what its preview shows."""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

from typing import NamedTuple

from django.utils.translation import gettext

from accounts.models import Account, Order
from accounts.normalize import normalize_account_name
from imports.engine.orders.rows import REFERENCE_TARGETS, ReferenceAction
from imports.engine.run import Run, literal, row_errors, row_warnings

CREATE, CREATED = literal(ReferenceAction.CREATE), literal(ReferenceAction.CREATED)
ERROR = literal(ReferenceAction.ERROR)
UNRESOLVED = "account_id IS NULL AND action IS NULL"


def classify_references(run: Run) -> None:
    st = run.staging
    if run.batch.create_missing_accounts:
        # A code of an unknown reference that another account (one the importer cannot see,
        # or with a different name) holds cannot be given to a new account.
        for column, account_column in (("uscc", "uscc"), ("customer_code", "external_code")):
            st.execute(
                f"UPDATE imp_ref SET action = {ERROR}, error_code = 'code_taken' WHERE "  # nosec B608
                f"{UNRESOLVED} AND {column} IS NOT NULL AND EXISTS (SELECT 1 FROM "
                f"{Account._meta.db_table} a WHERE a.{account_column} = imp_ref.{column})"
            )
        _placeholder_names(run)
        st.execute(
            f"UPDATE imp_ref SET action = {CREATE} WHERE {UNRESOLVED} AND name_key IS NOT NULL"  # nosec B608
        )
        st.execute(
            "INSERT INTO imp_warn (row_no, col, code, value) SELECT first_row, %s, "  # nosec B608
            f"'account_to_enrich', COALESCE(customer_code, uscc) FROM imp_ref "
            f"WHERE placeholder AND action = {CREATE}",
            [run.header("account_code" if "account_code" in run.columns else "account_uscc")],
        )
    st.execute(
        f"UPDATE imp_ref SET action = {ERROR}, error_code = 'account_unknown' WHERE {UNRESOLVED}"  # nosec B608
    )
    reference_header = run.header(next(t for t in REFERENCE_TARGETS if t in run.columns))
    st.execute(
        "INSERT INTO imp_err (row_no, col, code, value) SELECT o.row_no, %s, "  # nosec B608
        "r.error_code, COALESCE(r.name, r.customer_code, r.uscc) FROM imp_ord o "
        "JOIN imp_ref r ON r.reference_id = o.reference_id "
        f"WHERE NOT o.has_errors AND r.action = {ERROR}",
        [reference_header],
    )


def _placeholder_names(run: Run) -> None:
    """References that name no company, only a code: the account to create is named after
    the code ("Customer C1234") and marked to enrich. One row per such customer, not per
    line: the names are made in Python (normalize_account_name) and loaded back at once."""
    st = run.staging
    codes = st.fetchall(
        "SELECT reference_id, COALESCE(customer_code, uscc) FROM imp_ref "  # nosec B608
        f"WHERE {UNRESOLVED} AND name_key IS NULL AND COALESCE(customer_code, uscc) IS NOT NULL"
    )
    if not codes:
        return
    named = []
    for reference_id, code in codes:
        name = gettext("Customer %(code)s") % {"code": code}
        named.append((reference_id, name[:255], normalize_account_name(name) or code.lower()))
    st.create("imp_named", "reference_id integer PRIMARY KEY, name text, name_key text")
    st.load("imp_named", ("reference_id", "name", "name_key"), named)
    st.execute(
        "UPDATE imp_ref SET name = n.name, name_key = n.name_key, placeholder = true "
        "FROM imp_named n WHERE imp_ref.reference_id = n.reference_id"
    )


# The lines of the file that can repeat a stored line, with their place among the file's
# identical lines (rn) and how many there are (n).
_FILE_LINES = (
    "SELECT o.row_no, r.account_id, o.date, o.invoice, COALESCE(o.product, '') AS product, "
    "o.amount, ROW_NUMBER() OVER w AS rn, COUNT(*) OVER w AS n FROM imp_ord o "
    "JOIN imp_ref r ON r.reference_id = o.reference_id "
    "WHERE NOT o.has_errors AND o.invoice IS NOT NULL "
    "WINDOW w AS (PARTITION BY COALESCE(r.account_id, -r.reference_id), o.date, o.invoice, "
    "COALESCE(o.product, ''), o.amount ORDER BY o.row_no "
    "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
)


def find_duplicates(run: Run) -> None:
    """A line of an invoice is a duplicate only as many times as the database holds it
    (same account, date, invoice, product and amount): the file's identical lines are
    numbered, and the first n of them are the n stored ones. Identical lines that are kept
    get a warning that counts them."""
    st = run.staging
    st.create(
        "imp_lines",
        "row_no integer PRIMARY KEY, account_id bigint, date date, invoice text, "
        "product text, amount numeric(16, 2), rn integer, n integer",
    )
    st.execute(f"INSERT INTO imp_lines {_FILE_LINES}")  # nosec B608
    # How many times each distinct line of the file is stored: one look-up per distinct
    # line, through the (account, date) index.
    st.execute(
        "INSERT INTO imp_dup (row_no) SELECT f.row_no FROM imp_lines f JOIN ("  # nosec B608
        "SELECT k.account_id, k.date, k.invoice, k.product, k.amount, "
        f"(SELECT COUNT(*) FROM {Order._meta.db_table} x WHERE x.account_id = k.account_id "
        "AND x.date = k.date AND x.invoice_number = k.invoice AND x.product = k.product "
        "AND x.amount = k.amount) AS stored FROM (SELECT DISTINCT account_id, date, invoice, "
        "product, amount FROM imp_lines WHERE account_id IS NOT NULL) k) d "
        "ON d.account_id = f.account_id AND d.date = f.date AND d.invoice = f.invoice "
        "AND d.product = f.product AND d.amount = f.amount WHERE f.rn <= d.stored"
    )
    st.execute(
        "INSERT INTO imp_warn (row_no, col, code, value) SELECT f.row_no, %s, "
        "'lines_repeated', f.invoice || ' × ' || f.n FROM imp_lines f WHERE f.n > 1 "
        "AND NOT EXISTS (SELECT 1 FROM imp_dup d WHERE d.row_no = f.row_no)",
        [run.header("invoice_number")],
    )
    if run.batch.mode == "create":
        st.execute(
            "INSERT INTO imp_err (row_no, col, code, value) SELECT o.row_no, %s, "
            "'duplicate_line', o.invoice FROM imp_ord o JOIN imp_dup d ON d.row_no = o.row_no",
            [run.header("invoice_number")],
        )


def counts(run: Run) -> dict[str, int]:
    st = run.staging
    # The good lines of the references that resolve, less their duplicates: from the
    # per-reference counts kept while reading, without a pass over every line.
    writable = f"(r.account_id IS NOT NULL OR r.action = {CREATE})"
    lines = st.fetchone(
        f"SELECT COALESCE(SUM(r.good_lines), 0) FROM imp_ref r WHERE {writable}"  # nosec B608
    )[0]
    repeated = st.fetchone(
        "SELECT COUNT(*) FROM imp_dup d JOIN imp_ord o ON o.row_no = d.row_no "  # nosec B608
        f"JOIN imp_ref r ON r.reference_id = o.reference_id WHERE {writable}"
    )[0]
    duplicates = st.fetchone("SELECT COUNT(*) FROM imp_dup")[0]
    accounts, to_enrich = st.fetchone(
        "SELECT COUNT(DISTINCT name_key), COUNT(DISTINCT name_key) FILTER (WHERE placeholder) "  # nosec B608
        f"FROM imp_ref WHERE action IN ({CREATE}, {CREATED})"
    )
    kept_repeats = st.fetchone("SELECT COUNT(*) FROM imp_warn WHERE code = 'lines_repeated'")[0]
    return {
        "rows": run.rows_read,
        "orders_create": lines - repeated,
        "orders_skip": duplicates if run.batch.mode != "create" else 0,
        "orders_repeated": kept_repeats,
        "accounts_create": accounts,
        "accounts_to_enrich": to_enrich,
    }


class PreviewRow(NamedTuple):
    row_no: int
    account_id: int | None
    reference_action: str | None
    account: str | None
    date: object
    amount: object
    quantity: object
    unit_price: object
    invoice: str | None
    product: str | None
    profit: object
    is_duplicate: bool


def _text(value) -> str:
    return "" if value is None else str(value)


def preview(run: Run, limit: int) -> list[dict]:
    rows = [
        PreviewRow._make(r)
        for r in run.staging.fetchall(
            "SELECT o.row_no, r.account_id, r.action, COALESCE(a.name, r.name), o.date, "  # nosec B608
            "o.amount, o.quantity, o.unit_price, o.invoice, o.product, o.profit, "
            "EXISTS (SELECT 1 FROM imp_dup d WHERE d.row_no = o.row_no) "
            "FROM imp_ord o LEFT JOIN imp_ref r ON r.reference_id = o.reference_id "
            f"LEFT JOIN {Account._meta.db_table} a ON a.id = r.account_id "
            "ORDER BY o.row_no LIMIT %s",
            [limit],
        )
    ]
    errors = row_errors(run.staging, [r.row_no for r in rows])
    warnings = row_warnings(run.staging, [r.row_no for r in rows])
    return [
        {
            "row": r.row_no,
            "action": _line_action(r, errors),
            "account": r.account or "",
            "account_id": r.account_id,
            "new_account": r.reference_action in (ReferenceAction.CREATE, ReferenceAction.CREATED),
            "date": _text(r.date),
            "amount": _text(r.amount),
            "quantity": _text(r.quantity),
            "unit_price": _text(r.unit_price),
            "invoice_number": r.invoice or "",
            "product": r.product or "",
            "profit": _text(r.profit),
            "errors": errors.get(r.row_no, []),
            "warnings": warnings.get(r.row_no, []),
        }
        for r in rows
    ]


def _line_action(row: PreviewRow, errors: dict) -> str:
    if row.row_no in errors:
        return "error"
    return "skip" if row.is_duplicate else "create"
