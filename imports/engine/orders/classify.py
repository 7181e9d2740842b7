"""Orders, step 2: unknown references are errors, or new accounts (one per normalized name)
with --create-missing-accounts. A line with an invoice number that repeats an earlier line
of the file or a line already in the database (same account, date, invoice, product and
amount) is a duplicate: skipped, or an error in mode "create only". What a run counts and
what its preview shows."""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

from typing import NamedTuple

from accounts.models import Account, Order
from imports.engine.orders.rows import REFERENCE_TARGETS, ReferenceAction
from imports.engine.run import Run, literal, row_errors

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
        st.execute(
            f"UPDATE imp_ref SET action = {CREATE} WHERE {UNRESOLVED} AND name_key IS NOT NULL"  # nosec B608
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


def find_duplicates(run: Run) -> None:
    """Lines with an invoice number repeated in the file or already stored."""
    st = run.staging
    st.execute(
        "INSERT INTO imp_dup (row_no) SELECT row_no FROM (SELECT row_no, ROW_NUMBER() OVER "
        "(PARTITION BY reference_id, date, invoice, product, amount ORDER BY row_no) AS rn "
        "FROM imp_ord WHERE NOT has_errors AND invoice IS NOT NULL) x WHERE rn > 1"
    )
    st.execute(
        "INSERT INTO imp_dup (row_no) SELECT o.row_no FROM imp_ord o "  # nosec B608
        "JOIN imp_ref r ON r.reference_id = o.reference_id "
        "WHERE NOT o.has_errors AND o.invoice IS NOT NULL "
        f"AND r.account_id IS NOT NULL AND EXISTS (SELECT 1 FROM {Order._meta.db_table} x "
        "WHERE x.account_id = r.account_id AND x.date = o.date AND x.invoice_number = o.invoice "
        "AND x.product = COALESCE(o.product, '') AND x.amount = o.amount) "
        "ON CONFLICT DO NOTHING"
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
    accounts = st.fetchone(
        f"SELECT COUNT(DISTINCT name_key) FROM imp_ref WHERE action IN ({CREATE}, {CREATED})"  # nosec B608
    )[0]
    return {
        "rows": run.rows_read,
        "orders_create": lines - repeated,
        "orders_skip": duplicates if run.batch.mode != "create" else 0,
        "accounts_create": accounts,
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
        }
        for r in rows
    ]


def _line_action(row: PreviewRow, errors: dict) -> str:
    if row.row_no in errors:
        return "error"
    return "skip" if row.is_duplicate else "create"
