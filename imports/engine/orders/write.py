"""Orders, step 3 (not in a dry run): create the missing accounts, insert the order lines,
and announce them (signals.orders_imported)."""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

from accounts.models import Account, Order
from imports.engine.orders.classify import CREATE
from imports.engine.orders.rows import ReferenceAction
from imports.engine.run import ImportAborted, Run, literal
from imports.models import ImportBatch
from imports.signals import orders_imported


def write(run: Run) -> None:
    if run.batch.create_missing_accounts:
        _create_missing_accounts(run)
    run.report("writing", 90)
    # In (account, date) order: the (account, date) index then grows at its end, or at least
    # in order, instead of at a random place for each line, and the foreign-key checks at
    # commit visit the accounts in order; that is worth more than the sort.
    run.staging.execute(
        f"INSERT INTO {Order._meta.db_table} (account_id, date, amount, invoice_number, "  # nosec B608
        "product, quantity, unit_price, profit, import_batch_id, created_at) "
        "SELECT r.account_id, o.date, o.amount, COALESCE(o.invoice, ''), COALESCE(o.product, ''), "
        "o.quantity, o.unit_price, o.profit, %s, %s FROM imp_ord o "
        "JOIN imp_ref r ON r.reference_id = o.reference_id "
        "WHERE NOT o.has_errors AND r.account_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM imp_dup d WHERE d.row_no = o.row_no) "
        "ORDER BY r.account_id, o.date, o.row_no",
        [run.batch.pk, run.now_db],
    )
    orders_imported.send(sender=ImportBatch, batch_id=run.batch.pk, actor_id=run.actor.pk)


def _create_missing_accounts(run: Run) -> None:
    """One account per normalized name of the references to create; its codes where all
    the references of that name agree."""
    st = run.staging
    accounts = Account._meta.db_table
    now = run.now_db
    st.create(
        "imp_new",
        "name_key text PRIMARY KEY, name text, uscc text, customer_code text, "
        "to_enrich boolean, id bigint",
    )
    st.execute(
        "INSERT INTO imp_new (name_key, name, uscc, customer_code, to_enrich) "  # nosec B608
        "SELECT name_key, MIN(name), "
        "CASE WHEN COUNT(DISTINCT uscc) = 1 THEN MIN(uscc) END, "
        "CASE WHEN COUNT(DISTINCT customer_code) = 1 THEN MIN(customer_code) END, "
        "bool_and(placeholder) "
        f"FROM imp_ref WHERE action = {CREATE} GROUP BY name_key"
    )
    expected = st.fetchone("SELECT COUNT(*) FROM imp_new")[0]
    st.assign_ids("imp_new", "id", "1 = 1", accounts)
    inserted = st.execute(
        f"INSERT INTO {accounts} (id, name, normalized_name, uscc, external_code, "  # nosec B608
        "industry, channel, lifecycle, lifecycle_changed_at, source, owner_id, address, "
        "phone, website, notes, tier, to_enrich, import_batch_id, created_at, updated_at) "
        "SELECT g.id, g.name, g.name_key, g.uscc, g.customer_code, '', %s, %s, %s, %s, %s, "
        "'', '', '', '', '', g.to_enrich, %s, %s, %s FROM imp_new g WHERE 1 = 1 "
        "ON CONFLICT DO NOTHING",
        [
            Account.Channel.DIRECT,
            Account.Lifecycle.EXISTING,
            now,
            Account.Source.LEGACY_LIST,
            run.owner_id,
            run.batch.pk,
            now,
            now,
        ],
    )
    if inserted != expected:
        raise ImportAborted("changed_meanwhile")
    st.execute(
        f"UPDATE imp_ref SET account_id = g.id, action = {literal(ReferenceAction.CREATED)} "  # nosec B608
        f"FROM imp_new g WHERE imp_ref.action = {CREATE} AND g.name_key = imp_ref.name_key"
    )
