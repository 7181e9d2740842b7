"""Order lines: account reference, date, amount (or quantity × unit price), invoice, product.

Each distinct account reference of the file (credit code, customer code, name) is resolved
once, in SQL, against the accounts the importer can see: by credit code, then customer code,
then normalized name (a name that fits several accounts is an error). Unknown references are
errors, or become new accounts (one per normalized name) with --create-missing-accounts.
A line with an invoice number that repeats an earlier line of the file or a line already in
the database (same account, date, invoice, product and amount) is a duplicate: skipped, or
an error in mode "create only". Returns are negative amounts or negative quantities.
"""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

from functools import lru_cache

from accounts.imports import cleaning as c
from accounts.imports.engine.common import (
    CHECK_SHARE,
    ERR_COLUMNS,
    READ_SHARE,
    ErrorSink,
    ImportAborted,
    Run,
    stream,
)
from accounts.imports.engine.customers import _compatible
from accounts.models import Account
from accounts.normalize import normalize_account_name
from core.queue import enqueue

ORD_COLUMNS = (
    "row_no",
    "ref_id",
    "bad",
    "date",
    "amount",
    "quantity",
    "unit_price",
    "invoice",
    "product",
    "profit",
)
REF_COLUMNS = ("ref_id", "uscc", "xcode", "nname", "name", "first_row", "lines")
_normalize = lru_cache(maxsize=200_000)(normalize_account_name)


def _iso_date(value: str) -> str:
    return c.parse_date(value).isoformat()


def _number(places: int, max_digits: int):
    return lambda value: c.decimal(value, places=places, max_digits=max_digits)


class OrderRows:
    """Cleans order lines: each column's index is looked up once, repeated values (dates,
    quantities, prices, account references) are cleaned once per distinct value, and each
    line goes straight into the COPY of imp_ord that is open while a chunk is read."""

    TABLE, COLUMNS = "imp_ord", ORD_COLUMNS

    def __init__(self, run: Run):
        self.run = run
        self.cols = cols = run.columns
        self.errors = ErrorSink(run)
        self.write_row = None  # set by stream() for each chunk
        self.refs: dict[tuple, int] = {}
        self.ref_rows: list[tuple] = []
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
        self.ref_target = next(
            (t for t in ("account_name", "account_code", "account_uscc") if t in cols),
            "account_name",
        )
        # References repeat across many lines (one per customer): keep up to 200k cleaned.
        self.references = c.Memo(self._reference, limit=200_000)
        self.dates = c.Memo(_iso_date)
        self.amounts = c.Memo(_number(2, 16))
        self.quantities = c.Memo(_number(3, 14))
        self.prices = c.Memo(_number(4, 16))
        self.profits = c.Memo(_number(2, 16))

    def _reference(self, raw: tuple[str, str, str]):
        """(key, errors, name) of an account reference (credit code, customer code, name)."""
        raw_uscc, xcode, name = raw
        errors = []
        uscc = None
        if self.has_uscc and raw_uscc:
            try:
                uscc = c.uscc(raw_uscc)
            except c.CellError as exc:
                errors.append(("account_uscc", exc.code, raw_uscc))
        if xcode and len(xcode) > 64:
            errors.append(("account_code", "too_long", xcode))
        if len(name) > 255:
            errors.append(("account_name", "too_long", name))
        nname = _normalize(name) if name else ""
        if not (uscc or xcode or nname) and not errors:
            errors.append((self.ref_target, "required", ""))
        return (uscc, xcode or None, nname), tuple(errors), name

    def _failed(self, row_no: int, target: str, failed: c.Failed, raw: str) -> None:
        self.errors.add(row_no, target, failed.code, raw)

    def add(self, row_no: int, cells: list[str]) -> None:
        if len(cells) < self.need:
            cells.extend([""] * (self.need - len(cells)))
        cells.append("")
        err = self.errors
        before = len(err.rows)
        key, ref_errors, name = self.references[
            (cells[self.i_uscc], cells[self.i_code], cells[self.i_name])
        ]
        for target, code, value in ref_errors:
            err.add(row_no, target, code, value)
        raw = cells[self.i_date]
        date = None
        if raw:
            date = self.dates[raw]
            if date.__class__ is c.Failed:
                err.add(row_no, "date", date.code, raw)
                date = None
        else:
            err.add(row_no, "date", "required", "")
        amount = quantity = unit_price = profit = None
        raw = cells[self.i_amount]
        if raw:
            amount = self.amounts[raw]
            if amount.__class__ is c.Failed:
                amount = self._failed(row_no, "amount", amount, raw)
        raw = cells[self.i_quantity]
        if raw:
            quantity = self.quantities[raw]
            if quantity.__class__ is c.Failed:
                quantity = self._failed(row_no, "quantity", quantity, raw)
        raw = cells[self.i_price]
        if raw:
            unit_price = self.prices[raw]
            if unit_price.__class__ is c.Failed:
                unit_price = self._failed(row_no, "unit_price", unit_price, raw)
        raw = cells[self.i_profit]
        if raw:
            profit = self.profits[raw]
            if profit.__class__ is c.Failed:
                profit = self._failed(row_no, "profit", profit, raw)
        if amount is None and len(err.rows) == before:
            if quantity is not None and unit_price is not None:
                product = str(quantity * unit_price)
                try:
                    amount = c.decimal(product, places=2, max_digits=16)
                except c.CellError as exc:
                    err.add(row_no, "amount", exc.code, product)
            else:
                err.add(row_no, "amount", "amount_missing", "")
        if amount is not None and quantity is not None and quantity < 0 < amount:
            amount = -amount  # a return given as a negative quantity
        invoice = cells[self.i_invoice]
        product = cells[self.i_product]
        if len(invoice) > 64:
            err.add(row_no, "invoice_number", "too_long", invoice)
        if len(product) > 200:
            err.add(row_no, "product", "too_long", product)
        bad = len(err.rows) > before
        ref_id = None
        if not bad:
            ref_id = self.refs.get(key)
            if ref_id is None:
                ref_id = self.refs[key] = len(self.refs) + 1
                uscc, xcode, nname = key
                self.ref_rows.append([ref_id, uscc, xcode, nname or None, name or None, row_no, 0])
            self.ref_rows[ref_id - 1][6] += 1  # the good lines of each reference, for counts
        # Numbers as text: psycopg formats str in C, Decimal in Python.
        self.write_row(
            (
                row_no,
                ref_id,
                int(bad),
                date,
                None if amount is None else str(amount),
                None if quantity is None else str(quantity),
                None if unit_price is None else str(unit_price),
                invoice or None,
                product or None,
                None if profit is None else str(profit),
            )
        )

    def flush(self) -> None:
        self.run.staging.load("imp_err", ERR_COLUMNS, self.errors.rows)
        self.errors.rows = []

    def finish(self) -> None:
        self.run.staging.load("imp_ref", REF_COLUMNS, self.ref_rows)
        self.ref_rows = []


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
        "row_no integer NOT NULL, ref_id integer, bad integer NOT NULL, date date, "
        "amount numeric(16, 2), quantity numeric(14, 3), unit_price numeric(16, 4), "
        "invoice text, product text, profit numeric(16, 2)",
        unique="row_no",
        after_load=True,
    )
    st.create(
        "imp_ref",
        "ref_id integer NOT NULL, uscc text, xcode text, nname text, name text, "
        "first_row integer, lines integer NOT NULL, account_id bigint, matches integer, "
        "action text",
        unique="ref_id",
        after_load=True,
    )
    st.create("imp_dup", "row_no integer PRIMARY KEY")
    st.create(
        "imp_err",
        "row_no integer NOT NULL, col text, code text, value text",
        indexes=["row_no"],
        after_load=True,
    )


def read(run: Run) -> OrderRows:
    rows = OrderRows(run)
    stream(run, rows)
    rows.finish()
    return rows


def check(run: Run, rows: OrderRows) -> None:
    st = run.staging
    st.build_indexes()
    st.tune(["accounts_account", "accounts_order"])
    st.analyze({"imp_ord": "row_no, ref_id, bad, date, invoice"})
    if not run.dry_run:
        st.lock("orders")
        if run.batch.create_missing_accounts:
            st.lock("accounts")
    visible = run.visible_accounts_sql()
    vis_sql, vis_params = (
        ("", []) if visible is None else (f" AND a.id IN ({visible[0]})", visible[1])
    )
    st.execute(
        "UPDATE imp_ref SET account_id = a.id FROM accounts_account a "  # nosec B608
        f"WHERE imp_ref.uscc IS NOT NULL AND a.uscc = imp_ref.uscc{vis_sql}",
        vis_params,
    )
    # Customer codes are unique among accounts: one match at most.
    st.execute(
        "UPDATE imp_ref SET account_id = a.id FROM accounts_account a "  # nosec B608
        "WHERE imp_ref.account_id IS NULL AND a.external_code = imp_ref.xcode "
        f"AND {_compatible('imp_ref', 'a')}{vis_sql}",
        vis_params,
    )
    st.execute(
        "UPDATE imp_ref SET account_id = CASE WHEN m.n = 1 THEN m.id END, matches = m.n "  # nosec B608
        "FROM (SELECT r.ref_id, MIN(a.id) AS id, COUNT(*) AS n FROM imp_ref r "
        "JOIN accounts_account a ON a.normalized_name = r.nname "
        f"WHERE r.account_id IS NULL AND {_compatible('r', 'a')}{vis_sql} GROUP BY r.ref_id) m "
        "WHERE imp_ref.ref_id = m.ref_id",
        vis_params,
    )
    st.execute(
        "UPDATE imp_ref SET action = '!account_ambiguous' WHERE account_id IS NULL AND matches > 1"
    )
    run.report("checking", READ_SHARE + CHECK_SHARE * 0.5)
    unresolved = "account_id IS NULL AND action IS NULL"
    if run.batch.create_missing_accounts:
        # A code of an unknown reference that another account (one the importer cannot see,
        # or with a different name) holds cannot be given to a new account.
        for column, account_column in (("uscc", "uscc"), ("xcode", "external_code")):
            st.execute(
                "UPDATE imp_ref SET action = '!code_taken' WHERE "  # nosec B608
                f"{unresolved} AND {column} IS NOT NULL AND EXISTS (SELECT 1 FROM "
                f"accounts_account a WHERE a.{account_column} = imp_ref.{column})"
            )
        st.execute(f"UPDATE imp_ref SET action = 'create' WHERE {unresolved} AND nname IS NOT NULL")  # nosec B608
    st.execute(f"UPDATE imp_ref SET action = '!account_unknown' WHERE {unresolved}")  # nosec B608
    ref_header = run.header(
        next(t for t in ("account_name", "account_code", "account_uscc") if t in run.columns)
    )
    st.execute(
        "INSERT INTO imp_err (row_no, col, code, value) SELECT o.row_no, %s, "
        "substr(r.action, 2), COALESCE(r.name, r.xcode, r.uscc) FROM imp_ord o "
        "JOIN imp_ref r ON r.ref_id = o.ref_id WHERE o.bad = 0 AND r.action LIKE '!%%'",
        [ref_header],
    )
    # Duplicates: lines with an invoice number repeated in the file or already stored.
    st.execute(
        "INSERT INTO imp_dup (row_no) SELECT row_no FROM (SELECT row_no, ROW_NUMBER() OVER "
        "(PARTITION BY ref_id, date, invoice, product, amount ORDER BY row_no) AS rn "
        "FROM imp_ord WHERE bad = 0 AND invoice IS NOT NULL) x WHERE rn > 1"
    )
    st.execute(
        "INSERT INTO imp_dup (row_no) SELECT o.row_no FROM imp_ord o "
        "JOIN imp_ref r ON r.ref_id = o.ref_id WHERE o.bad = 0 AND o.invoice IS NOT NULL "
        "AND r.account_id IS NOT NULL AND EXISTS (SELECT 1 FROM accounts_order x "
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
    run.report("checking", READ_SHARE + CHECK_SHARE, force=True)


def counts(run: Run) -> dict[str, int]:
    st = run.staging
    # The good lines of the references that resolve, less their duplicates: from the
    # per-reference counts kept while reading, without a pass over every line.
    writable = "(r.account_id IS NOT NULL OR r.action = 'create')"
    lines = st.fetchone(f"SELECT COALESCE(SUM(r.lines), 0) FROM imp_ref r WHERE {writable}")[0]  # nosec B608
    repeated = st.fetchone(
        "SELECT COUNT(*) FROM imp_dup d JOIN imp_ord o ON o.row_no = d.row_no "  # nosec B608
        f"JOIN imp_ref r ON r.ref_id = o.ref_id WHERE {writable}"
    )[0]
    orders = lines - repeated
    duplicates = st.fetchone("SELECT COUNT(*) FROM imp_dup")[0]
    accounts = st.fetchone(
        "SELECT COUNT(DISTINCT nname) FROM imp_ref WHERE action IN ('create', 'created')"
    )[0]
    return {
        "rows": run.rows_read,
        "orders_create": orders,
        "orders_skip": duplicates if run.batch.mode != "create" else 0,
        "accounts_create": accounts,
    }


def preview(run: Run, limit: int) -> list[dict]:
    st = run.staging
    rows = st.fetchall(
        "SELECT o.row_no, o.bad, r.account_id, r.action, COALESCE(a.name, r.name), o.date, "
        "o.amount, o.quantity, o.unit_price, o.invoice, o.product, o.profit, "
        "(SELECT 1 FROM imp_dup d WHERE d.row_no = o.row_no) "
        "FROM imp_ord o LEFT JOIN imp_ref r ON r.ref_id = o.ref_id "
        "LEFT JOIN accounts_account a ON a.id = r.account_id ORDER BY o.row_no LIMIT %s",
        [limit],
    )
    numbers = [r[0] for r in rows]
    errors: dict[int, list[list[str]]] = {}
    if numbers:
        marks = ", ".join(["%s"] * len(numbers))
        for row_no, col, code, value in st.fetchall(
            f"SELECT row_no, col, code, value FROM imp_err WHERE row_no IN ({marks}) "  # nosec B608
            "ORDER BY row_no",
            numbers,
        ):
            errors.setdefault(row_no, []).append([col or "", code, value or ""])
    out = []
    for r in rows:
        if r[0] in errors:
            action = "error"
        elif r[12]:
            action = "skip"
        else:
            action = "create"
        out.append(
            {
                "row": r[0],
                "action": action,
                "account": r[4] or "",
                "account_id": r[2],
                "new_account": r[3] in ("create", "created"),
                "date": str(r[5] or ""),
                "amount": str(r[6] if r[6] is not None else ""),
                "quantity": str(r[7] if r[7] is not None else ""),
                "unit_price": str(r[8] if r[8] is not None else ""),
                "invoice_number": r[9] or "",
                "product": r[10] or "",
                "profit": str(r[11] if r[11] is not None else ""),
                "errors": errors.get(r[0], []),
            }
        )
    return out


def write(run: Run) -> None:
    st = run.staging
    batch_id = run.batch.pk
    now = run.now_db
    if run.batch.create_missing_accounts:
        st.create(
            "imp_new",
            "nname text PRIMARY KEY, name text, uscc text, xcode text, id bigint",
        )
        st.execute(
            "INSERT INTO imp_new (nname, name, uscc, xcode) SELECT nname, MIN(name), "
            "CASE WHEN COUNT(DISTINCT uscc) = 1 THEN MIN(uscc) END, "
            "CASE WHEN COUNT(DISTINCT xcode) = 1 THEN MIN(xcode) END "
            "FROM imp_ref WHERE action = 'create' GROUP BY nname"
        )
        expected = st.fetchone("SELECT COUNT(*) FROM imp_new")[0]
        st.assign_ids("imp_new", "id", "1 = 1", "accounts_account")
        inserted = st.execute(
            "INSERT INTO accounts_account (id, name, normalized_name, uscc, external_code, "
            "industry, channel, lifecycle, lifecycle_changed_at, source, owner_id, address, "
            "phone, website, notes, tier, import_batch_id, created_at, updated_at) "
            "SELECT g.id, g.name, g.nname, g.uscc, g.xcode, '', %s, %s, %s, %s, %s, '', '', "
            "'', '', '', %s, %s, %s FROM imp_new g WHERE 1 = 1 ON CONFLICT DO NOTHING",
            [
                Account.Channel.DIRECT,
                Account.Lifecycle.EXISTING,
                now,
                Account.Source.LEGACY_LIST,
                run.owner_id,
                batch_id,
                now,
                now,
            ],
        )
        if inserted != expected:
            raise ImportAborted("changed_meanwhile")
        st.execute(
            "UPDATE imp_ref SET account_id = g.id, action = 'created' FROM imp_new g "
            "WHERE imp_ref.action = 'create' AND g.nname = imp_ref.nname"
        )
    run.report("writing", 90)
    # In (account, date) order: the (account, date) index then grows at its end, or at least
    # in order, instead of at a random place for each line, and the foreign-key checks at
    # commit visit the accounts in order; that is worth more than the sort.
    st.execute(
        "INSERT INTO accounts_order (account_id, date, amount, invoice_number, product, quantity, "
        "unit_price, profit, import_batch_id, created_at) "
        "SELECT r.account_id, o.date, o.amount, COALESCE(o.invoice, ''), COALESCE(o.product, ''), "
        "o.quantity, o.unit_price, o.profit, %s, %s FROM imp_ord o "
        "JOIN imp_ref r ON r.ref_id = o.ref_id WHERE o.bad = 0 AND r.account_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM imp_dup d WHERE d.row_no = o.row_no) "
        "ORDER BY r.account_id, o.date, o.row_no",
        [batch_id, now],
    )
    enqueue("scoring.tasks.recompute_tiers_task", trigger="import", actor_id=run.actor.pk)
