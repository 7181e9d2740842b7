"""Order lines: account reference, date, amount (or quantity × unit price), invoice, product.

rows (step 0) cleans the lines and collects the distinct account references while the file
streams; the rest is set-based SQL over the staging tables: match (1) resolves each
reference to an account, classify (2) handles the unresolved ones and the duplicate lines,
counts and previews, write (3) writes. Returns are negative amounts or negative quantities.
"""

from accounts.models import Account, Order
from imports.engine.orders.classify import classify_references, find_duplicates
from imports.engine.orders.match import resolve_references
from imports.engine.run import CHECK_SHARE, READ_SHARE, Run


def check(run: Run) -> None:
    """Steps 1–2: everything but the writes."""
    st = run.staging
    st.build_indexes()
    st.tune([Account._meta.db_table, Order._meta.db_table])
    st.analyze({"imp_ord": "row_no, reference_id, has_errors, date, invoice"})
    if not run.dry_run:
        st.lock("orders")
        if run.batch.create_missing_accounts:
            st.lock("accounts")
    resolve_references(run)
    run.report("checking", READ_SHARE + CHECK_SHARE * 0.5)
    classify_references(run)
    find_duplicates(run)
    run.report("checking", READ_SHARE + CHECK_SHARE, force=True)
