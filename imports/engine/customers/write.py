"""Customers, step 5 (not in a dry run): keep the before-images of the rows to update, then
update and insert accounts (a code that someone outside the imports wrote meanwhile trips
the unique constraints and stops the run: run.insert_or_abort), then contacts."""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

from accounts.models import Account, Contact
from imports.engine.customers.classify import (
    CONTACT_UPDATABLE,
    FILL_ONLY,
    UPDATABLE,
    note_appended,
)
from imports.engine.customers.rows import CompanyAction, ContactAction
from imports.engine.run import Run, insert_or_abort, literal
from imports.models import ImportBeforeImage


def write(run: Run) -> None:
    accounts, contacts = Account._meta.db_table, Contact._meta.db_table
    _before_images(
        run,
        "account",
        accounts,
        f"SELECT account_id FROM imp_acc WHERE action = {literal(CompanyAction.UPDATE)}",  # nosec B608
    )
    _before_images(
        run,
        "contact",
        contacts,
        f"SELECT contact_id FROM imp_con WHERE action = {literal(ContactAction.UPDATE)}",  # nosec B608
    )
    _update_accounts(run)
    _insert_accounts(run)
    run.report("writing", 92)
    _update_contacts(run)
    _insert_contacts(run)


def _update_accounts(run: Run) -> None:
    accounts = Account._meta.db_table
    now = run.now_db
    sets = ", ".join(
        f"{acol} = COALESCE(s.{col}, {accounts}.{acol})"
        for col, acol in UPDATABLE
        if acol != "notes"
    )
    sets += ", " + ", ".join(
        f"{acol} = COALESCE({accounts}.{acol}, s.{col})" for col, acol in FILL_ONLY
    )
    sets += f", notes = {note_appended('s.note_extra', f'COALESCE(s.notes, {accounts}.notes)')}"
    # The source's record id, like the codes, only where the account has none.
    sets += (
        f", external_source = CASE WHEN {accounts}.external_id IS NULL "
        f"AND s.source_id IS NOT NULL THEN %s ELSE {accounts}.external_source END, "
        f"external_id = COALESCE({accounts}.external_id, s.source_id)"
    )
    # A location from the file (latitude and longitude come as a pair) that moves the pin.
    moved = (
        f"s.latitude IS NOT NULL AND (s.latitude, s.longitude) IS DISTINCT FROM "
        f"({accounts}.latitude, {accounts}.longitude)"
    )
    sets += (
        f", location_source = CASE WHEN {moved} THEN %s ELSE {accounts}.location_source END"
        f", location_updated_at = CASE WHEN {moved} THEN %s "
        f"ELSE {accounts}.location_updated_at END"
    )
    run.staging.execute(
        f"UPDATE {accounts} SET {sets}, "  # nosec B608
        f"lifecycle_changed_at = CASE WHEN s.lifecycle IS NOT NULL AND "
        f"s.lifecycle <> {accounts}.lifecycle THEN %s "
        f"ELSE {accounts}.lifecycle_changed_at END, updated_at = %s "
        f"FROM imp_acc s WHERE s.action = {literal(CompanyAction.UPDATE)} "
        f"AND {accounts}.id = s.account_id",
        [run.source, Account.LocationSource.IMPORT, now, now, now],
    )


def _insert_accounts(run: Run) -> None:
    st = run.staging
    accounts = Account._meta.db_table
    now = run.now_db
    st.number_rows(
        "imp_new",
        f"SELECT row_no FROM imp_acc WHERE action = {literal(CompanyAction.CREATE)}",  # nosec B608
        accounts,
    )
    insert_or_abort(
        st,
        f"INSERT INTO {accounts} (id, name, normalized_name, uscc, external_code, "  # nosec B608
        "external_source, external_id, industry, "
        "territory_id, channel, lifecycle, lifecycle_changed_at, source, owner_id, address, "
        "phone, website, notes, revenue_potential, latitude, longitude, location_source, "
        "location_updated_at, tier, import_batch_id, created_at, updated_at) "
        "SELECT n.id, s.name, s.name_key, s.uscc, s.customer_code, "
        "CASE WHEN s.source_id IS NULL THEN '' ELSE %s END, s.source_id, "
        "COALESCE(s.industry, ''), "
        "s.territory_id, COALESCE(s.channel, %s), COALESCE(s.lifecycle, %s), "
        "CASE WHEN s.lifecycle = %s THEN %s END, %s, COALESCE(s.owner_id, %s), "
        "COALESCE(s.address, ''), COALESCE(s.phone, ''), COALESCE(s.website, ''), "
        "concat_ws(chr(10), NULLIF(s.notes, ''), s.note_extra), s.revenue_potential, "
        "s.latitude, s.longitude, CASE WHEN s.latitude IS NULL THEN '' ELSE %s END, "
        "CASE WHEN s.latitude IS NOT NULL THEN %s END, '', %s, %s, %s "
        "FROM imp_acc s JOIN imp_new n ON n.row_no = s.row_no",
        [
            run.source,
            Account.Channel.DIRECT,
            Account.Lifecycle.POTENTIAL,
            Account.Lifecycle.EXISTING,
            now,
            Account.Source.LEGACY_LIST,
            run.owner_id,
            Account.LocationSource.IMPORT,
            now,
            run.batch.pk,
            now,
            now,
        ],
    )


def _update_contacts(run: Run) -> None:
    contacts = Contact._meta.db_table
    sets = ", ".join(
        f"{ccol} = COALESCE(k.{col}, {contacts}.{ccol})" for col, ccol in CONTACT_UPDATABLE
    )
    sets += f", notes = {note_appended('k.notes', f'{contacts}.notes')}"
    run.staging.execute(
        f"UPDATE {contacts} SET {sets}, "  # nosec B608
        f"birthday_month = COALESCE(k.birthday_month, {contacts}.birthday_month), "
        "birthday_day = CASE WHEN k.birthday_month IS NOT NULL THEN k.birthday_day "
        f"ELSE {contacts}.birthday_day END, "
        "birthday_year = CASE WHEN k.birthday_month IS NOT NULL THEN k.birthday_year "
        f"ELSE {contacts}.birthday_year END, updated_at = %s "
        f"FROM imp_con k WHERE k.action = {literal(ContactAction.UPDATE)} "
        f"AND {contacts}.id = k.contact_id",
        [run.now_db],
    )


def _insert_contacts(run: Run) -> None:
    now = run.now_db
    run.staging.execute(
        f"INSERT INTO {Contact._meta.db_table} (account_id, name, title, role, phone, email, "  # nosec B608
        "chat_handle, birthday_month, birthday_day, birthday_year, interests, notes, "
        "import_batch_id, created_at, updated_at) "
        "SELECT COALESCE(n.id, r.account_id), k.name, COALESCE(k.title, ''), "
        "COALESCE(k.role, ''), COALESCE(k.phone, ''), COALESCE(k.email, ''), "
        "COALESCE(k.chat_handle, ''), k.birthday_month, k.birthday_day, k.birthday_year, "
        "COALESCE(k.interests, ''), COALESCE(k.notes, ''), %s, %s, %s FROM imp_con k "
        "JOIN imp_acc r ON r.row_no = k.company_row "
        "LEFT JOIN imp_new n ON n.row_no = k.company_row "
        f"WHERE k.action = {literal(ContactAction.CREATE)}",
        [run.batch.pk, now, now],
    )


def _before_images(run: Run, model: str, table: str, ids_sql: str) -> None:
    run.staging.execute(
        f"INSERT INTO {ImportBeforeImage._meta.db_table} (batch_id, model, object_id, data) "  # nosec B608
        f"SELECT %s, %s, t.id, to_jsonb(t) FROM {table} t WHERE t.id IN ({ids_sql})",
        [run.batch.pk, model],
    )
