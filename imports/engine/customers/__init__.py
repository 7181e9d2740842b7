"""Customers: accounts with their contacts.

rows (step 0) cleans the file's rows and groups them into companies while it streams; the
rest is set-based SQL over the staging tables: match (1–2) completes each company from its
repeated rows and finds its existing account, classify (3–4) gives companies and contacts
their actions, counts them and previews them, write (5) writes them.
"""

from accounts.models import Account, Contact
from imports.engine.customers.classify import classify_companies, classify_contacts
from imports.engine.customers.match import fill_from_repeated_rows, match_existing
from imports.engine.customers.rows import CustomerRows
from imports.engine.run import CHECK_SHARE, READ_SHARE, Run


def check(run: Run, rows: CustomerRows) -> None:
    """Steps 1–4: everything but the writes. Leaves each row's action in imp_acc/imp_con."""
    st = run.staging
    st.build_indexes()
    st.tune([Account._meta.db_table, Contact._meta.db_table])
    st.analyze(
        {
            "imp_acc": "row_no, is_first_row, company_row, has_errors, action, name_key, uscc, "
            "customer_code, phone_key",
            "imp_con": "row_no, seq, company_row, action, name, phone_key, email",
        }
    )
    if not run.dry_run:
        st.lock("accounts")
    if rows.repeated:
        fill_from_repeated_rows(st)
    run.report("checking", READ_SHARE + CHECK_SHARE * 0.2)
    match_existing(run)
    run.report("checking", READ_SHARE + CHECK_SHARE * 0.6)
    classify_companies(run)
    classify_contacts(run)
    run.report("checking", READ_SHARE + CHECK_SHARE, force=True)
