"""Customers, steps 1–2: complete each company from its repeated rows, then find the
account it already is.

Each company is matched against existing accounts by credit code, customer code, normalized
name, company phone, then a contact's email or phone (never across conflicting codes),
under a lock so that concurrent imports see each other's rows.
"""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

from accounts.models import Account, Contact
from imports.engine.customers.rows import CompanyAction
from imports.engine.run import Run, codes_compatible
from imports.engine.staging import Staging
from imports.models import ImportRowMatch

# The company columns a first row takes from its repeated rows where it has none.
FILLED_FROM_REPEATS = [
    "name",
    "name_key",
    "uscc",
    "customer_code",
    "source_id",
    "industry",
    "territory_id",
    "channel",
    "lifecycle",
    "address",
    "phone",
    "phone_key",
    "website",
    "notes",
    "revenue_potential",
    "latitude",
    "longitude",
    "owner_id",
    "note_extra",
]


def fill_from_repeated_rows(st: Staging) -> None:
    fields = FILLED_FROM_REPEATS
    sets = ", ".join(f"{f} = COALESCE(imp_acc.{f}, g.{f})" for f in fields)
    aggregates = ", ".join(f"MIN(b.{f}) AS {f}" for f in fields)
    # Only the first rows that gain a value are rewritten.
    gains = " OR ".join(f"(imp_acc.{f} IS NULL AND g.{f} IS NOT NULL)" for f in fields)
    st.execute(
        f"UPDATE imp_acc SET {sets} FROM (SELECT b.company_row, {aggregates} FROM imp_acc b "  # nosec B608
        "WHERE NOT b.has_errors AND NOT b.is_first_row GROUP BY b.company_row) g "
        f"WHERE imp_acc.row_no = g.company_row AND imp_acc.is_first_row AND ({gains})"
    )


def _matchers(run: Run) -> list[tuple[str, str]]:
    """(reason, SELECT of (row_no, account id)) for the first rows no earlier matcher found;
    the reason is an ImportRowMatch.Reason. Their one parameter is %(source)s, the run's
    source system."""
    st = run.staging
    accounts, contacts = Account._meta.db_table, Contact._meta.db_table
    unmatched = (
        "s.is_first_row AND NOT EXISTS (SELECT 1 FROM imp_match m WHERE m.row_no = s.row_no)"
    )
    # Never an account that is another record of the same source system.
    compatible = codes_compatible("s", "a") + (
        " AND (a.external_id IS NULL OR s.source_id IS NULL "
        "OR a.external_source <> %(source)s OR a.external_id = s.source_id)"
    )
    Reason = ImportRowMatch.Reason
    reasons = [r.value for r in Reason if r != Reason.EXTERNAL_ID]
    selects = [
        # credit code and customer code: unique in accounts, so one account at most
        f"SELECT s.row_no, a.id FROM imp_acc s JOIN {accounts} a ON a.uscc = s.uscc "  # nosec B608
        f"WHERE {unmatched}",
        f"SELECT s.row_no, a.id FROM imp_acc s JOIN {accounts} a "  # nosec B608
        f"ON a.external_code = s.customer_code WHERE {unmatched} AND {compatible}",
        # normalized name
        f"SELECT s.row_no, MIN(a.id) AS id FROM imp_acc s JOIN {accounts} a "  # nosec B608
        f"ON a.normalized_name = s.name_key WHERE {unmatched} AND {compatible} "
        "GROUP BY s.row_no",
        # company phone
        f"SELECT s.row_no, MIN(a.id) AS id FROM imp_acc s JOIN {accounts} a "  # nosec B608
        f"ON {st.phone_key_sql('a.phone')} = s.phone_key WHERE {unmatched} "
        f"AND s.phone_key IS NOT NULL AND a.phone <> '' AND {compatible} "
        "GROUP BY s.row_no",
        # a contact's email
        "SELECT s.row_no, MIN(a.id) AS id FROM imp_acc s "  # nosec B608
        f"JOIN imp_con k ON k.company_row = s.row_no "
        f"JOIN {contacts} ct ON ct.email = k.email JOIN {accounts} a "
        f"ON a.id = ct.account_id WHERE {unmatched} AND k.email IS NOT NULL "
        f"AND {compatible} GROUP BY s.row_no",
        # a contact's phone
        "SELECT s.row_no, MIN(a.id) AS id FROM imp_acc s "  # nosec B608
        f"JOIN imp_con k ON k.company_row = s.row_no "
        f"JOIN {contacts} ct ON {st.phone_key_sql('ct.phone')} = k.phone_key "
        f"JOIN {accounts} a ON a.id = ct.account_id WHERE {unmatched} "
        f"AND k.phone_key IS NOT NULL AND ct.phone <> '' AND {compatible} "
        "GROUP BY s.row_no",
    ]
    # First the record's id in the source system (a second import of the same export).
    by_reference = (
        f"SELECT s.row_no, a.id FROM imp_acc s JOIN {accounts} a "  # nosec B608
        "ON a.external_source = %(source)s AND a.external_id = s.source_id "
        "WHERE s.is_first_row AND s.source_id IS NOT NULL"
    )
    return [(Reason.EXTERNAL_ID.value, by_reference), *zip(reasons, selects, strict=True)]


def _matched_outcomes(mode: str) -> tuple[tuple[str, str | None], tuple[str, str | None]]:
    """(action, error code) of a matched company: in a book the importer can see, and not."""
    if mode == "skip":
        return (CompanyAction.SKIP.value, None), (CompanyAction.SKIP.value, None)
    elsewhere = (CompanyAction.ERROR.value, "exists_elsewhere")
    if mode == "update":
        return (CompanyAction.UPDATE.value, None), elsewhere
    return (CompanyAction.ERROR.value, "exists"), elsewhere


def match_existing(run: Run) -> None:
    """Find each company's existing account; give the matched ones their action.

    Each matcher adds what it finds, for the companies no earlier matcher found, to the
    narrow table imp_match; imp_acc is then updated once (every UPDATE of a wide staging
    row writes a new version of it, and versions pile up until the transaction ends)."""
    st = run.staging
    st.create("imp_match", "row_no integer PRIMARY KEY, id bigint NOT NULL, reason text")
    for reason, matcher in _matchers(run):
        st.execute(
            f"INSERT INTO imp_match (row_no, id, reason) SELECT f.*, %(reason)s FROM ({matcher}) f",  # nosec B608
            {"source": run.source, "reason": reason},
        )
    # The action of a matched company: per the mode, or an error where the account is in a
    # book the importer cannot see. Rows were written as 'create' (a company's first row)
    # or 'merge' (its repeats): only the matched ones are touched.
    visible = run.visible_accounts_sql()
    if visible is None:
        invisible_sql, params = "0 = 1", []
    else:
        invisible_sql, params = f"m.id NOT IN ({visible[0]})", visible[1]
    (action, code), (elsewhere_action, elsewhere_code) = _matched_outcomes(run.batch.mode)
    st.execute(
        f"UPDATE imp_acc SET account_id = m.id, action = CASE WHEN {invisible_sql} "  # nosec B608
        f"THEN %s ELSE %s END, error_code = CASE WHEN {invisible_sql} THEN %s ELSE %s END "
        "FROM imp_match m WHERE imp_acc.row_no = m.row_no",
        [*params, elsewhere_action, action, *params, elsewhere_code, code],
    )
    _merge_companies_of_one_account(st)


def store_matches(run: Run) -> int:
    """Keep which rows matched which existing account and why (ImportRowMatch), for the dry
    run's and the result's paged list; one INSERT … SELECT. The number of matched rows."""
    return run.staging.execute(
        f"INSERT INTO {ImportRowMatch._meta.db_table} "  # nosec B608
        "(batch_id, row_number, account_id, account_name, reason, action) "
        "SELECT %s, m.row_no, m.id, COALESCE(LEFT(a.name, 255), ''), m.reason, "
        "COALESCE(s.action, '') FROM imp_match m JOIN imp_acc s ON s.row_no = m.row_no "
        f"LEFT JOIN {Account._meta.db_table} a ON a.id = m.id "
        # An account in a book the importer cannot see is named nowhere.
        "WHERE s.error_code IS DISTINCT FROM %s ORDER BY m.row_no",
        [run.batch.pk, "exists_elsewhere"],
    )


def _merge_companies_of_one_account(st: Staging) -> None:
    """Two companies of the file that found the same account are one company."""
    merged = st.fetchall(
        "SELECT m.row_no, f.first FROM imp_match m JOIN (SELECT id, MIN(row_no) AS first "
        "FROM imp_match GROUP BY id HAVING COUNT(*) > 1) f ON f.id = m.id "
        "WHERE m.row_no <> f.first"
    )
    if not merged:
        return
    st.create("imp_remap", "old integer PRIMARY KEY, new integer NOT NULL")
    st.load("imp_remap", ("old", "new"), merged)
    for table in ("imp_acc", "imp_con"):
        st.execute(
            f"UPDATE {table} SET company_row = r.new FROM imp_remap r "  # nosec B608
            f"WHERE {table}.company_row = r.old"
        )
    st.execute(
        "UPDATE imp_acc SET is_first_row = false, action = %s, error_code = NULL "
        "WHERE row_no IN (SELECT old FROM imp_remap)",
        [CompanyAction.MERGE.value],
    )
