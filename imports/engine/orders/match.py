"""Orders, step 1: each distinct account reference of the file is resolved once, in SQL,
against the accounts the importer can see: by credit code, then customer code, then
normalized name (a name that fits several accounts is an error)."""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

from accounts.models import Account
from imports.engine.orders.rows import ReferenceAction
from imports.engine.run import Run, codes_compatible


def resolve_references(run: Run) -> None:
    st = run.staging
    accounts = Account._meta.db_table
    visible = run.visible_accounts_sql()
    vis_sql, vis_params = (
        ("", []) if visible is None else (f" AND a.id IN ({visible[0]})", visible[1])
    )
    st.execute(
        f"UPDATE imp_ref SET account_id = a.id FROM {accounts} a "  # nosec B608
        f"WHERE imp_ref.uscc IS NOT NULL AND a.uscc = imp_ref.uscc{vis_sql}",
        vis_params,
    )
    # Customer codes are unique among accounts: one match at most.
    st.execute(
        f"UPDATE imp_ref SET account_id = a.id FROM {accounts} a "  # nosec B608
        "WHERE imp_ref.account_id IS NULL AND a.external_code = imp_ref.customer_code "
        f"AND {codes_compatible('imp_ref', 'a')}{vis_sql}",
        vis_params,
    )
    st.execute(
        "UPDATE imp_ref SET account_id = CASE WHEN m.n = 1 THEN m.id END, match_count = m.n "  # nosec B608
        "FROM (SELECT r.reference_id, MIN(a.id) AS id, COUNT(*) AS n FROM imp_ref r "
        f"JOIN {accounts} a ON a.normalized_name = r.name_key "
        f"WHERE r.account_id IS NULL AND {codes_compatible('r', 'a')}{vis_sql} "
        "GROUP BY r.reference_id) m WHERE imp_ref.reference_id = m.reference_id",
        vis_params,
    )
    st.execute(
        "UPDATE imp_ref SET action = %s, error_code = 'account_ambiguous' "
        "WHERE account_id IS NULL AND match_count > 1",
        [ReferenceAction.ERROR.value],
    )
