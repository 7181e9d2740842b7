"""Customers, steps 3–4: each company's action (from the mode, visibility and the codes the
database already holds), then its contacts' (de-duplicated within the company and matched
to the stored contacts of its account); what a run counts and what its preview shows."""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

from typing import NamedTuple

from accounts.models import Account, Contact
from crm.models import Territory, User
from imports.engine.customers.rows import CompanyAction, ContactAction
from imports.engine.run import Run, literal, row_errors, row_warnings, rows_of
from imports.engine.staging import Staging

# Account columns an update may change: staging column -> account column. uscc and the
# customer code are only filled in where the account has none.
UPDATABLE = [
    ("name", "name"),
    ("name_key", "normalized_name"),
    ("industry", "industry"),
    ("territory_id", "territory_id"),
    ("channel", "channel"),
    ("lifecycle", "lifecycle"),
    ("address", "address"),
    ("phone", "phone"),
    ("website", "website"),
    ("notes", "notes"),
    ("revenue_potential", "revenue_potential"),
    ("latitude", "latitude"),
    ("longitude", "longitude"),
]
FILL_ONLY = [("uscc", "uscc"), ("customer_code", "external_code")]
CONTACT_UPDATABLE = [
    ("title", "title"),
    ("role", "role"),
    ("phone", "phone"),
    ("email", "email"),
    ("chat_handle", "chat_handle"),
    ("interests", "interests"),
]
ERROR, SKIP = literal(CompanyAction.ERROR), literal(CompanyAction.SKIP)
UPDATE, SAME = literal(CompanyAction.UPDATE), literal(CompanyAction.SAME)
CREATE_CONTACT = literal(ContactAction.CREATE)


def classify_companies(run: Run) -> None:
    st = run.staging
    _codes_taken(run)
    # The companies the matching found in error (error_code): one error each.
    st.execute(
        "INSERT INTO imp_err (row_no, col, code, value) SELECT row_no, %s, error_code, name "
        "FROM imp_acc WHERE is_first_row AND error_code IS NOT NULL",
        [run.header("name")],
    )
    st.execute(
        f"UPDATE imp_acc SET action = {ERROR} WHERE is_first_row AND action <> {ERROR} "  # nosec B608
        "AND row_no IN (SELECT row_no FROM imp_err)"
    )
    # The repeated rows of a company follow its first row.
    st.execute(
        "INSERT INTO imp_err (row_no, col, code, value) SELECT s.row_no, '', 'see_row', "  # nosec B608
        "CAST(s.company_row AS text) FROM imp_acc s JOIN imp_acc r ON r.row_no = s.company_row "
        f"WHERE NOT s.is_first_row AND NOT s.has_errors AND r.action = {ERROR}"
    )
    st.execute(
        "UPDATE imp_acc SET action = "  # nosec B608
        "(SELECT r.action FROM imp_acc r WHERE r.row_no = imp_acc.company_row) "
        "WHERE NOT is_first_row AND NOT has_errors AND company_row IN (SELECT row_no "
        f"FROM imp_acc WHERE is_first_row AND action IN ({ERROR}, {SKIP}))"
    )
    if run.batch.mode == "update":
        _unchanged_are_same(st)


def _codes_taken(run: Run) -> None:
    """Codes that already belong to another account than the one matched (or any, for a
    new account): writing them would break the unique constraints."""
    accounts = Account._meta.db_table
    writes_matched = "1 = 1" if run.batch.mode == "update" else "0 = 1"
    for column, account_column, target in (
        ("customer_code", "external_code", "external_code"),
        ("uscc", "uscc", "uscc"),
    ):
        run.staging.execute(
            "INSERT INTO imp_err (row_no, col, code, value) "  # nosec B608
            f"SELECT s.row_no, %s, 'code_taken', s.{column} FROM imp_acc s "
            f"JOIN {accounts} a ON a.{account_column} = s.{column} "
            f"LEFT JOIN {accounts} m ON m.id = s.account_id "
            f"WHERE s.is_first_row AND (s.account_id IS NULL OR ({writes_matched} "
            f"AND a.id <> s.account_id AND m.{account_column} IS NULL))",
            [run.header(target)],
        )


def note_appended(new: str, old: str) -> str:
    """SQL: the note `old` with the line(s) `new` appended, unless it holds them already (an
    import run twice adds them once); `old` when `new` is NULL."""
    return (
        f"CASE WHEN {new} IS NULL OR strpos({old}, {new}) > 0 THEN {old} "
        f"ELSE concat_ws(chr(10), NULLIF({old}, ''), {new}) END"
    )


def _unchanged_are_same(st: Staging) -> None:
    changed = " OR ".join(
        [f"(s.{col} IS NOT NULL AND s.{col} IS DISTINCT FROM a.{acol})" for col, acol in UPDATABLE]
        + [f"(a.{acol} IS NULL AND s.{col} IS NOT NULL)" for col, acol in FILL_ONLY]
        + ["(s.note_extra IS NOT NULL AND strpos(COALESCE(s.notes, a.notes), s.note_extra) = 0)"]
        + ["(a.external_id IS NULL AND s.source_id IS NOT NULL)"]
    )
    st.execute(
        f"UPDATE imp_acc SET action = {SAME} WHERE action = {UPDATE} AND row_no IN ("  # nosec B608
        f"SELECT s.row_no FROM imp_acc s JOIN {Account._meta.db_table} a ON a.id = s.account_id "
        f"WHERE s.action = {UPDATE} AND NOT ({changed}))"
    )


def classify_contacts(run: Run) -> None:
    """Contacts are staged as 'create'; the statements below turn the ones that must not be
    created into 'drop' (their company is not written), 'dup', 'same' or 'update'."""
    st = run.staging
    live = ", ".join(literal(a) for a in (CompanyAction.CREATE, CompanyAction.UPDATE))
    st.execute(
        f"UPDATE imp_con SET action = {literal(ContactAction.DROP)} "  # nosec B608
        "WHERE company_row NOT IN (SELECT row_no FROM imp_acc WHERE is_first_row "
        f"AND action IN ({live}, {SAME}))"
    )
    # The same person repeated on several rows of one company is one contact.
    st.execute(
        f"UPDATE imp_con SET action = {literal(ContactAction.DUPLICATE)} "  # nosec B608
        f"WHERE action = {CREATE_CONTACT} AND EXISTS (SELECT 1 FROM imp_con o "
        f"WHERE o.company_row = imp_con.company_row AND o.action = {CREATE_CONTACT} "
        "AND o.name = imp_con.name AND o.phone_key IS NOT DISTINCT FROM imp_con.phone_key "
        "AND o.email IS NOT DISTINCT FROM imp_con.email "
        "AND (o.row_no < imp_con.row_no OR (o.row_no = imp_con.row_no AND o.seq < imp_con.seq)))"
    )
    # Only the contacts of companies written onto an existing account can match stored ones.
    if st.fetchone(
        "SELECT COUNT(*) FROM imp_acc WHERE is_first_row "  # nosec B608
        f"AND action IN ({UPDATE}, {SAME})"
    )[0]:
        _match_stored_contacts(run)


def _match_stored_contacts(run: Run) -> None:
    st = run.staging
    contacts = Contact._meta.db_table
    matchers = [
        ("ct.email = k.email", "k.email IS NOT NULL"),
        (
            f"{st.phone_key_sql('ct.phone')} = k.phone_key",
            "k.phone_key IS NOT NULL AND ct.phone <> ''",
        ),
        ("ct.name = k.name", "1 = 1"),
    ]
    for join, condition in matchers:
        st.execute(
            "UPDATE imp_con SET contact_id = m.id FROM (SELECT k.row_no, k.seq, "  # nosec B608
            "MIN(ct.id) AS id FROM imp_con k JOIN imp_acc r ON r.row_no = k.company_row "
            f"JOIN {contacts} ct ON ct.account_id = r.account_id AND {join} "
            f"WHERE k.action = {CREATE_CONTACT} AND k.contact_id IS NULL AND {condition} "
            "GROUP BY k.row_no, k.seq) m WHERE imp_con.row_no = m.row_no AND imp_con.seq = m.seq"
        )
    # Two people of the file that found the same contact: the later is a repeat.
    st.execute(
        f"UPDATE imp_con SET action = {literal(ContactAction.DUPLICATE)} "  # nosec B608
        f"WHERE action = {CREATE_CONTACT} AND contact_id IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM imp_con o WHERE o.contact_id = imp_con.contact_id "
        f"AND o.action = {CREATE_CONTACT} AND (o.row_no < imp_con.row_no "
        "OR (o.row_no = imp_con.row_no AND o.seq < imp_con.seq)))"
    )
    if run.batch.mode == "update":
        changed = " OR ".join(
            f"(imp_con.{col} IS NOT NULL AND imp_con.{col} IS DISTINCT FROM ct.{ccol})"
            for col, ccol in CONTACT_UPDATABLE
        )
        changed += (
            " OR (imp_con.notes IS NOT NULL AND strpos(ct.notes, imp_con.notes) = 0)"
            " OR (imp_con.birthday_month IS NOT NULL AND "
            "(imp_con.birthday_month IS DISTINCT FROM ct.birthday_month "
            "OR imp_con.birthday_day IS DISTINCT FROM ct.birthday_day "
            "OR imp_con.birthday_year IS DISTINCT FROM ct.birthday_year))"
        )
        outcome = (
            f"CASE WHEN EXISTS (SELECT 1 FROM {contacts} ct WHERE ct.id = imp_con.contact_id "  # nosec B608
            f"AND ({changed})) THEN {literal(ContactAction.UPDATE)} "
            f"ELSE {literal(ContactAction.SAME)} END"
        )
    else:
        outcome = literal(ContactAction.SAME)
    st.execute(
        f"UPDATE imp_con SET action = {outcome} "  # nosec B608
        f"WHERE action = {CREATE_CONTACT} AND contact_id IS NOT NULL"
    )


COUNTED_COMPANY_ACTIONS = {
    CompanyAction.CREATE.value: "accounts_create",
    CompanyAction.UPDATE.value: "accounts_update",
    CompanyAction.SAME.value: "accounts_same",
    CompanyAction.SKIP.value: "accounts_skip",
}


def counts(run: Run) -> dict[str, int]:
    st = run.staging
    out = {
        "rows": run.rows_read,
        "accounts_create": 0,
        "accounts_update": 0,
        "accounts_same": 0,
        "accounts_skip": 0,
        "rows_merged": 0,
        "contacts_create": 0,
        "contacts_update": 0,
    }
    for action, is_first_row, n in st.fetchall(
        "SELECT action, is_first_row, COUNT(*) FROM imp_acc WHERE NOT has_errors "
        "GROUP BY action, is_first_row"
    ):
        if is_first_row:
            key = COUNTED_COMPANY_ACTIONS.get(action)
        else:
            key = "rows_merged" if action != CompanyAction.ERROR else None
        if key:
            out[key] += n
    for action, n in st.fetchall("SELECT action, COUNT(*) FROM imp_con GROUP BY action"):
        if action in (ContactAction.CREATE, ContactAction.UPDATE):
            out[f"contacts_{action}"] = n
    return out


class PreviewRow(NamedTuple):
    row_no: int
    action: str
    company_row: int
    name: str | None
    uscc: str | None
    customer_code: str | None
    source_id: str | None
    industry: str | None
    territory: str | None
    owner: str | None
    channel: str | None
    lifecycle: str | None
    phone: str | None
    address: str | None
    account_id: int | None


def preview(run: Run, limit: int) -> list[dict]:
    st = run.staging
    users = User._meta.db_table
    rows = [
        PreviewRow._make(r)
        for r in st.fetchall(
            "SELECT s.row_no, s.action, s.company_row, s.name, s.uscc, s.customer_code, "  # nosec B608
            "s.source_id, "
            "s.industry, t.name, COALESCE(u.username, d.username), s.channel, s.lifecycle, "
            "s.phone, s.address, s.account_id "
            "FROM imp_acc s LEFT JOIN imp_acc r ON r.row_no = s.company_row "
            f"LEFT JOIN {Territory._meta.db_table} t "
            "ON t.id = COALESCE(s.territory_id, r.territory_id) "
            f"LEFT JOIN {users} u ON u.id = COALESCE(s.owner_id, r.owner_id) "
            f"LEFT JOIN {users} d ON d.id = %s ORDER BY s.row_no LIMIT %s",
            [run.owner_id, limit],
        )
    ]
    numbers = [r.row_no for r in rows]
    contacts: dict[int, list[str]] = {}
    for row_no, name, phone, email in rows_of(
        st, "SELECT row_no, name, phone, email FROM imp_con", "row_no, seq", numbers
    ):
        contacts.setdefault(row_no, []).append(" ".join(x for x in (name, phone, email) if x))
    errors = row_errors(st, numbers)
    warnings = row_warnings(st, numbers)
    return [
        {
            "row": r.row_no,
            "action": r.action,
            "same_as_row": r.company_row if r.action == CompanyAction.MERGE else None,
            "name": r.name or "",
            "uscc": r.uscc or "",
            "external_code": r.customer_code or "",
            "source_id": r.source_id or "",
            "industry": r.industry or "",
            "territory": r.territory or "",
            "owner": r.owner or "",
            "channel": r.channel or "",
            "lifecycle": r.lifecycle or "",
            "phone": r.phone or "",
            "address": r.address or "",
            "account_id": r.account_id,
            "contacts": contacts.get(r.row_no, []),
            "errors": errors.get(r.row_no, []),
            "warnings": warnings.get(r.row_no, []),
        }
        for r in rows
    ]
