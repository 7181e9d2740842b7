"""Customers: accounts with their contacts.

Python cleans each row while the file streams and decides which rows of the file are the
same company (same credit code, else same customer code, else same normalized name; a row
with a credit code joins a same-named company that has none). Everything that depends on
the database is set-based SQL over the staging tables:

1. blanks of a company's first row are filled from its repeated rows;
2. each company is matched against existing accounts by credit code, customer code,
   normalized name, company phone, then a contact's email or phone (never across
   conflicting codes), under a lock so that concurrent imports see each other's rows;
3. each company gets its action from the mode (create / update / skip) and visibility;
   codes that already belong to another account are errors;
4. contacts are de-duplicated within the company and matched to existing contacts;
5. unless it is a dry run, the before-images of updated rows are kept, then accounts are
   updated and inserted (a code that someone outside the imports wrote meanwhile trips the
   unique constraints and stops the run: common.insert_or_abort), and contacts written.
"""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

from accounts.models import Account
from accounts.normalize import normalize_account_name
from crm.models import Territory
from crm.selectors import users_assignable_by
from imports import cleaning as c
from imports.engine.common import (
    CHECK_SHARE,
    ERR_COLUMNS,
    READ_SHARE,
    ErrorSink,
    Run,
    insert_or_abort,
    stream,
)

ACC_COLUMNS = (
    "row_no",
    "rep",
    "entity",
    "bad",
    "action",
    "name",
    "nname",
    "uscc",
    "xcode",
    "industry",
    "territory_id",
    "channel",
    "lifecycle",
    "address",
    "phone",
    "phone_key",
    "website",
    "notes",
    "potential",
    "owner_id",
)
CON_COLUMNS = (
    "row_no",
    "seq",
    "entity",
    "name",
    "title",
    "role",
    "phone",
    "phone_key",
    "email",
    "chat",
    "bmonth",
    "bday",
    "byear",
    "interests",
)
# Account columns an update may change: staging column -> account column. uscc and the
# customer code are only filled in where the account has none.
UPDATABLE = [
    ("name", "name"),
    ("nname", "normalized_name"),
    ("industry", "industry"),
    ("territory_id", "territory_id"),
    ("channel", "channel"),
    ("lifecycle", "lifecycle"),
    ("address", "address"),
    ("phone", "phone"),
    ("website", "website"),
    ("notes", "notes"),
    ("potential", "revenue_potential"),
]
FILL_ONLY = [("uscc", "uscc"), ("xcode", "external_code")]
CONTACT_UPDATABLE = [
    ("title", "title"),
    ("role", "role"),
    ("phone", "phone"),
    ("email", "email"),
    ("chat", "chat_handle"),
    ("interests", "interests"),
]


NAME_MAX = Account._meta.get_field("name").max_length


class _Slot:
    """Column indices of one contact slot (contact_, contact2_, contact3_)."""

    FIELDS = (
        "name",
        "first_name",
        "last_name",
        "phone",
        "email",
        "title",
        "role",
        "chat",
        "interests",
        "birthday",
    )

    def __init__(self, prefix: str, index):
        self.prefix = prefix
        for field in self.FIELDS:
            setattr(self, field, index(prefix + field))


def _text(max_length: int):
    return lambda value: c.text(value, max_length)


def _choice(table: dict[str, str], code: str):
    return lambda value: c.choice(value, table, code)


def _potential(value: str):
    return c.decimal(value, places=2, max_digits=16, allow_negative=False)


_POS = {name: i for i, name in enumerate(ACC_COLUMNS)}
_POTENTIAL, _TERRITORY_ID, _OWNER_ID = _POS["potential"], _POS["territory_id"], _POS["owner_id"]
_XCODE, _PHONE, _PHONE_KEY = _POS["xcode"], _POS["phone"], _POS["phone_key"]


class CustomerRows:
    """Cleans rows and assigns each to a company of the file (its entity).

    The work per row is kept small: each column's index is looked up once (an unmapped
    column reads the empty cell appended to every row), values that repeat (industries,
    channels, birthdays, titles) are cleaned once per distinct value (cleaning.Memo), and
    each row goes straight into the COPY of imp_acc that is open while a chunk is read."""

    TABLE, COLUMNS = "imp_acc", ACC_COLUMNS

    def __init__(self, run: Run):
        self.run = run
        self.cols = cols = run.columns
        self.errors = ErrorSink(run)
        self.write_row = None  # set by stream() for each chunk
        self.con: list[tuple] = []
        self.by_uscc: dict[str, int] = {}
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.entity_uscc: dict[int, str] = {}
        self.entity_code: dict[int, str] = {}
        self.repeated = 0
        # Rows are padded to `need` cells, then one empty cell is appended: index -1 stands
        # for every column that is not mapped.
        self.need = max(cols.values(), default=-1) + 1

        def index(target: str) -> int:
            return cols.get(target, -1)

        self.has_uscc = "uscc" in cols
        # (column index, position in ACC_COLUMNS, target, cleaner) of the plain fields, in
        # the order their errors are reported; a Memo where values repeat.
        fields = [
            ("external_code", "xcode", _text(64), False),
            ("industry", "industry", _text(100), True),
            ("address", "address", _text(255), False),
            ("phone", "phone", _text(40), False),
            ("notes", "notes", _text(100_000), False),
            ("website", "website", c.website, True),
            ("channel", "channel", _choice(c.CHANNELS, "channel_unknown"), True),
            ("lifecycle", "lifecycle", _choice(c.LIFECYCLES, "lifecycle_unknown"), True),
        ]
        self.fields = [
            (cols[target], _POS[column], target, c.Memo(clean) if memo else clean)
            for target, column, clean, memo in fields
            if target in cols
        ]
        self.i_name = index("name")
        self.i_uscc = index("uscc")
        self.i_potential = index("revenue_potential")
        self.potentials = c.Memo(_potential)
        self.i_territory = index("territory")
        self.i_owner = index("owner")
        self.territories = self._territories() if "territory" in cols else {}
        self.owners = self._owners() if "owner" in cols else {}
        self.slots = [
            _Slot(slot, index)
            for slot in ("contact_", "contact2_", "contact3_")
            if any(k.startswith(slot) for k in cols)
        ]
        self.titles = c.Memo(_text(120))
        self.roles = c.Memo(_choice(c.ROLES, "role_unknown"))
        self.birthdays = c.Memo(c.birthday)
        self.template = [None] * len(ACC_COLUMNS)

    def _territories(self) -> dict[str, int]:
        out = {}
        for pk, name, code in Territory.objects.values_list("id", "name", "code"):
            out.setdefault(name.strip().lower(), pk)
            if code:
                out.setdefault(code.strip().lower(), pk)
        return out

    def _owners(self) -> dict[str, int]:
        out: dict[str, int] = {}
        users = users_assignable_by(self.run.actor).values_list(
            "id", "username", "email", "first_name", "last_name"
        )
        for pk, username, email, first, last in users:
            keys = [username, email, f"{first} {last}", f"{last}{first}", f"{last} {first}"]
            for key in keys:
                key = key.strip().lower()
                if key:
                    out.setdefault(key, pk)
        return out

    def add(self, row_no: int, cells: list[str]) -> None:
        if len(cells) < self.need:
            cells.extend([""] * (self.need - len(cells)))
        cells.append("")
        err = self.errors
        before = len(err.rows)
        out = self.template.copy()

        raw = cells[self.i_name]
        name = nname = None
        try:
            name = c.required_text(raw, NAME_MAX)
        except c.CellError as exc:
            err.add(row_no, "name", exc.code, raw)
        if name:
            nname = normalize_account_name(name)
            if not nname:
                err.add(row_no, "name", "name_empty", name)
        uscc = None
        if self.has_uscc and cells[self.i_uscc]:
            try:
                uscc = c.uscc(cells[self.i_uscc])
            except c.CellError as exc:
                err.add(row_no, "uscc", exc.code, cells[self.i_uscc])
        for i, pos, target, clean in self.fields:
            raw = cells[i]
            if not raw:
                continue
            if clean.__class__ is c.Memo:
                value = clean[raw]
                if value.__class__ is c.Failed:
                    err.add(row_no, target, value.code, raw)
                    continue
            else:
                try:
                    value = clean(raw)
                except c.CellError as exc:
                    err.add(row_no, target, exc.code, raw)
                    continue
            if value:
                out[pos] = value
        raw = cells[self.i_potential]
        if raw:
            value = self.potentials[raw]
            if value.__class__ is c.Failed:
                err.add(row_no, "revenue_potential", value.code, raw)
            else:
                out[_POTENTIAL] = value
        raw = cells[self.i_territory]
        if raw:
            found = out[_TERRITORY_ID] = self.territories.get(raw.strip().lower())
            if found is None:
                err.add(row_no, "territory", "territory_unknown", raw)
        raw = cells[self.i_owner]
        if raw:
            found = out[_OWNER_ID] = self.owners.get(raw.strip().lower())
            if found is None:
                err.add(row_no, "owner", "owner_unknown", raw)
        contacts = self._contacts(row_no, cells) if self.slots else ()

        bad = len(err.rows) > before
        xcode = out[_XCODE]
        entity, rep = (row_no, 0) if bad else self._entity(row_no, uscc, xcode, nname or "")
        # The default action; the checks in SQL change it where the database says otherwise.
        action = "error" if bad else ("create" if rep else "merge")
        out[0:8] = (row_no, rep, entity, int(bad), action, name, nname or None, uscc)
        phone = out[_PHONE]
        if phone:
            out[_PHONE_KEY] = c.phone_key(phone)
        self.write_row(out)
        if not bad:
            for seq, contact in enumerate(contacts, 1):
                self.con.append((row_no, seq, entity, *contact))

    def _entity(self, row_no, uscc, xcode, nname) -> tuple[int, int]:
        """(entity, 1 if this row starts a new company of the file)."""
        entity = None
        if uscc:
            entity = self.by_uscc.get(uscc)
            if entity is None and xcode:
                other = self.by_code.get(xcode)
                if other is not None and self.entity_uscc.get(other) in (None, uscc):
                    entity = other
            if entity is None:
                other = self.by_name.get(nname)
                if (
                    other is not None
                    and other not in self.entity_uscc
                    and (not xcode or self.entity_code.get(other) in (None, xcode))
                ):
                    entity = other
        elif xcode:
            entity = self.by_code.get(xcode)
            if entity is None:
                other = self.by_name.get(nname)
                if other is not None and other not in self.entity_code:
                    entity = other
        else:
            entity = self.by_name.get(nname)
        new = entity is None
        if new:
            entity = row_no
        else:
            self.repeated += 1
        if uscc:
            self.by_uscc.setdefault(uscc, entity)
            self.entity_uscc.setdefault(entity, uscc)
        if xcode:
            self.by_code.setdefault(xcode, entity)
            self.entity_code.setdefault(entity, xcode)
        self.by_name.setdefault(nname, entity)
        return entity, int(new)

    def _contacts(self, row_no: int, cells: list[str]) -> list[tuple]:
        out = []
        err = self.errors
        for slot in self.slots:
            raw_name = cells[slot.name]
            if not raw_name:
                first, last = cells[slot.first_name], cells[slot.last_name]
                if first or last:
                    cjk = any(ord(ch) > 0x2E80 for ch in first + last)
                    raw_name = f"{last}{first}" if cjk else f"{first} {last}".strip()
            names = c.split_multi(raw_name)
            phones = c.split_multi(cells[slot.phone])
            emails = c.split_multi(cells[slot.email])
            count = max(len(names), len(phones), len(emails))
            if count == 0:
                continue
            prefix = slot.prefix
            title = role = chat = interests = None
            birthday = (None, None, None)
            raw = cells[slot.title]
            if raw:
                title = self.titles[raw]
                if title.__class__ is c.Failed:
                    err.add(row_no, prefix + "title", title.code, raw)
                    title = None
            raw = cells[slot.role]
            if raw:
                role = self.roles[raw]
                if role.__class__ is c.Failed:
                    err.add(row_no, prefix + "role", role.code, raw)
                    role = None
            raw = cells[slot.chat]
            if raw:
                try:
                    chat = c.text(raw, 100)
                except c.CellError as exc:
                    err.add(row_no, prefix + "chat", exc.code, raw)
            raw = cells[slot.interests]
            if raw:
                try:
                    interests = c.text(raw, 10_000)
                except c.CellError as exc:
                    err.add(row_no, prefix + "interests", exc.code, raw)
            raw = cells[slot.birthday]
            if raw:
                birthday = self.birthdays[raw]
                if birthday.__class__ is c.Failed:
                    err.add(row_no, prefix + "birthday", birthday.code, raw)
                    birthday = (None, None, None)
            for i in range(count):
                phone = mail = None
                raw = phones[i] if i < len(phones) else ""
                if raw:
                    try:
                        phone = c.text(raw, 40)
                    except c.CellError as exc:
                        err.add(row_no, prefix + "phone", exc.code, raw)
                raw = emails[i] if i < len(emails) else ""
                if raw:
                    try:
                        mail = c.email(raw)
                    except c.CellError as exc:
                        err.add(row_no, prefix + "email", exc.code, raw)
                raw = (names[i] if i < len(names) else "") or mail or phone or ""
                try:
                    name = c.text(raw, 120)
                except c.CellError as exc:
                    err.add(row_no, prefix + "name", exc.code, raw)
                    continue
                if not name:
                    continue
                if i == 0:
                    out.append(
                        (
                            name,
                            title or None,
                            role or None,
                            phone or None,
                            c.phone_key(phone) if phone else None,
                            mail or None,
                            chat or None,
                            *birthday,
                            interests or None,
                        )
                    )
                else:
                    out.append(
                        (
                            name,
                            None,
                            None,
                            phone or None,
                            c.phone_key(phone) if phone else None,
                            mail or None,
                            None,
                            None,
                            None,
                            None,
                            None,
                        )
                    )
        return out

    def flush(self) -> None:
        """Write the chunk's contacts and errors (imp_acc was streamed while reading)."""
        st = self.run.staging
        st.load("imp_con", CON_COLUMNS, self.con)
        st.load("imp_err", ERR_COLUMNS, self.errors.rows)
        self.con, self.errors.rows = [], []


def create_tables(run: Run) -> None:
    st = run.staging
    st.create(
        "imp_acc",
        "row_no integer NOT NULL, rep integer NOT NULL, entity integer NOT NULL, "
        "bad integer NOT NULL, action text, name text, nname text, uscc text, xcode text, "
        "industry text, territory_id bigint, channel text, lifecycle text, address text, "
        "phone text, phone_key text, website text, notes text, potential numeric(16, 2), "
        "owner_id bigint, match_id bigint",
        unique="row_no",
        indexes=["entity"],
        after_load=True,
    )
    st.create(
        "imp_con",
        "row_no integer NOT NULL, seq integer NOT NULL, entity integer NOT NULL, name text, "
        "title text, role text, phone text, phone_key text, email text, chat text, "
        "bmonth integer, bday integer, byear integer, interests text, match_id bigint, "
        "action text NOT NULL DEFAULT 'create'",
        unique="row_no, seq",
        indexes=["entity"],
        after_load=True,
    )
    st.create(
        "imp_err",
        "row_no integer NOT NULL, col text, code text, value text",
        indexes=["row_no"],
        after_load=True,
    )


def read(run: Run) -> CustomerRows:
    rows = CustomerRows(run)
    stream(run, rows)
    return rows


def _compatible(s: str, a: str) -> str:
    """Never match across conflicting credit codes or customer codes."""
    return (
        f"({a}.uscc IS NULL OR {s}.uscc IS NULL OR {a}.uscc = {s}.uscc) "
        f"AND ({a}.external_code IS NULL OR {s}.xcode IS NULL OR {a}.external_code = {s}.xcode)"
    )


def check(run: Run, rows: CustomerRows) -> None:
    """Steps 1–4: everything but the writes. Leaves each row's action in imp_acc/imp_con."""
    st = run.staging
    st.build_indexes()
    st.tune(["accounts_account", "accounts_contact"])
    st.analyze(
        {
            "imp_acc": "row_no, rep, entity, bad, action, nname, uscc, xcode, phone_key",
            "imp_con": "row_no, seq, entity, action, name, phone_key, email",
        }
    )
    if not run.dry_run:
        st.lock("accounts")
    if rows.repeated:
        _fill_from_repeated_rows(st)
    run.report("checking", READ_SHARE + CHECK_SHARE * 0.2)
    _match_existing(run)
    run.report("checking", READ_SHARE + CHECK_SHARE * 0.6)
    _classify(run)
    _classify_contacts(run)
    run.report("checking", READ_SHARE + CHECK_SHARE, force=True)


def _fill_from_repeated_rows(st) -> None:
    fields = [
        "name",
        "nname",
        "uscc",
        "xcode",
        "industry",
        "territory_id",
        "channel",
        "lifecycle",
        "address",
        "phone",
        "phone_key",
        "website",
        "notes",
        "potential",
        "owner_id",
    ]
    sets = ", ".join(f"{f} = COALESCE(imp_acc.{f}, g.{f})" for f in fields)
    aggregates = ", ".join(f"MIN(b.{f}) AS {f}" for f in fields)
    # Only the first rows that gain a value are rewritten.
    gains = " OR ".join(f"(imp_acc.{f} IS NULL AND g.{f} IS NOT NULL)" for f in fields)
    st.execute(
        f"UPDATE imp_acc SET {sets} FROM (SELECT b.entity, {aggregates} FROM imp_acc b "  # nosec B608
        "WHERE b.bad = 0 AND b.rep = 0 GROUP BY b.entity) g "
        f"WHERE imp_acc.row_no = g.entity AND imp_acc.rep = 1 AND ({gains})"
    )


def _match_existing(run: Run) -> None:
    """Find each company's existing account; give the matched ones their action.

    Each matcher adds what it finds, for the companies no earlier matcher found, to the
    narrow table imp_match; imp_acc is then updated once (every UPDATE of a wide staging
    row writes a new version of it, and versions pile up until the transaction ends)."""
    st = run.staging
    st.create("imp_match", "row_no integer PRIMARY KEY, id bigint NOT NULL")
    rep = "s.rep = 1 AND NOT EXISTS (SELECT 1 FROM imp_match m WHERE m.row_no = s.row_no)"
    matchers = [
        # credit code and customer code: unique in accounts, so one account at most
        "SELECT s.row_no, a.id FROM imp_acc s JOIN accounts_account a ON a.uscc = s.uscc "
        "WHERE s.rep = 1",
        f"SELECT s.row_no, a.id FROM imp_acc s JOIN accounts_account a "  # nosec B608
        f"ON a.external_code = s.xcode WHERE {rep} AND {_compatible('s', 'a')}",
        # normalized name
        f"SELECT s.row_no, MIN(a.id) AS id FROM imp_acc s JOIN accounts_account a "  # nosec B608
        f"ON a.normalized_name = s.nname WHERE {rep} AND {_compatible('s', 'a')} "
        "GROUP BY s.row_no",
        # company phone
        f"SELECT s.row_no, MIN(a.id) AS id FROM imp_acc s JOIN accounts_account a "  # nosec B608
        f"ON {st.phone_key_sql('a.phone')} = s.phone_key WHERE {rep} "
        f"AND s.phone_key IS NOT NULL AND a.phone <> '' AND {_compatible('s', 'a')} "
        "GROUP BY s.row_no",
        # a contact's email
        f"SELECT s.row_no, MIN(a.id) AS id FROM imp_acc s JOIN imp_con k ON k.entity = s.row_no "  # nosec B608
        "JOIN accounts_contact ct ON ct.email = k.email JOIN accounts_account a "
        f"ON a.id = ct.account_id WHERE {rep} AND k.email IS NOT NULL "
        f"AND {_compatible('s', 'a')} GROUP BY s.row_no",
        # a contact's phone
        f"SELECT s.row_no, MIN(a.id) AS id FROM imp_acc s JOIN imp_con k ON k.entity = s.row_no "  # nosec B608
        f"JOIN accounts_contact ct ON {st.phone_key_sql('ct.phone')} = k.phone_key "
        f"JOIN accounts_account a ON a.id = ct.account_id WHERE {rep} "
        f"AND k.phone_key IS NOT NULL AND ct.phone <> '' AND {_compatible('s', 'a')} "
        "GROUP BY s.row_no",
    ]
    for matcher in matchers:
        st.execute(f"INSERT INTO imp_match (row_no, id) {matcher}")
    # The action of a matched company: per the mode, or an error where the account is in a
    # book the importer cannot see. Rows were written as 'create' (a company's first row)
    # or 'merge' (its repeats): only the matched ones are touched.
    mode = run.batch.mode
    visible = run.visible_accounts_sql()
    if visible is None:
        invisible_sql, params = "0 = 1", []
    else:
        invisible_sql, params = f"m.id NOT IN ({visible[0]})", visible[1]
    matched_action = {"create": "'!exists'", "skip": "'skip'", "update": "'update'"}[mode]
    elsewhere = "'skip'" if mode == "skip" else "'!exists_elsewhere'"
    st.execute(
        f"UPDATE imp_acc SET match_id = m.id, action = CASE WHEN {invisible_sql} "  # nosec B608
        f"THEN {elsewhere} ELSE {matched_action} END FROM imp_match m "
        "WHERE imp_acc.row_no = m.row_no",
        params,
    )
    # Two companies of the file that found the same account are one company.
    merged = st.fetchall(
        "SELECT m.row_no, f.first FROM imp_match m JOIN (SELECT id, MIN(row_no) AS first "
        "FROM imp_match GROUP BY id HAVING COUNT(*) > 1) f ON f.id = m.id "
        "WHERE m.row_no <> f.first"
    )
    if merged:
        st.create("imp_remap", "old integer PRIMARY KEY, new integer NOT NULL")
        st.load("imp_remap", ("old", "new"), merged)
        for table in ("imp_acc", "imp_con"):
            st.execute(
                f"UPDATE {table} SET entity = r.new FROM imp_remap r WHERE {table}.entity = r.old"  # nosec B608
            )
        st.execute(
            "UPDATE imp_acc SET rep = 0, action = 'merge' "
            "WHERE row_no IN (SELECT old FROM imp_remap)"
        )


def _classify(run: Run) -> None:
    st = run.staging
    mode = run.batch.mode
    name_col = run.header("name")
    # Codes that already belong to another account than the one matched (or any, for a
    # new account): writing them would break the unique constraints.
    writes_matched = "1 = 1" if mode == "update" else "0 = 1"
    for column, account_column, target in (
        ("xcode", "external_code", "external_code"),
        ("uscc", "uscc", "uscc"),
    ):
        st.execute(
            "INSERT INTO imp_err (row_no, col, code, value) "  # nosec B608
            f"SELECT s.row_no, %s, 'code_taken', s.{column} FROM imp_acc s "
            f"JOIN accounts_account a ON a.{account_column} = s.{column} "
            f"LEFT JOIN accounts_account m ON m.id = s.match_id "
            f"WHERE s.rep = 1 AND (s.match_id IS NULL OR ({writes_matched} "
            f"AND a.id <> s.match_id AND m.{account_column} IS NULL))",
            [run.header(target)],
        )
    st.execute(
        "INSERT INTO imp_err (row_no, col, code, value) SELECT row_no, %s, substr(action, 2), "
        "name FROM imp_acc WHERE rep = 1 AND action LIKE '!%%'",
        [name_col],
    )
    st.execute(
        "UPDATE imp_acc SET action = 'error' WHERE rep = 1 AND (action LIKE '!%%' "
        "OR row_no IN (SELECT row_no FROM imp_err))"
    )
    # The repeated rows of a company follow its first row.
    st.execute(
        "INSERT INTO imp_err (row_no, col, code, value) SELECT s.row_no, '', 'see_row', "
        "CAST(s.entity AS text) FROM imp_acc s JOIN imp_acc r ON r.row_no = s.entity "
        "WHERE s.rep = 0 AND s.bad = 0 AND r.action = 'error'"
    )
    st.execute(
        "UPDATE imp_acc SET action = "
        "(SELECT r.action FROM imp_acc r WHERE r.row_no = imp_acc.entity) "
        "WHERE rep = 0 AND bad = 0 AND entity IN (SELECT row_no FROM imp_acc "
        "WHERE rep = 1 AND action IN ('error', 'skip'))"
    )
    if mode == "update":
        changed = " OR ".join(
            [
                f"(s.{col} IS NOT NULL AND s.{col} IS DISTINCT FROM a.{acol})"
                for col, acol in UPDATABLE
            ]
            + [f"(a.{acol} IS NULL AND s.{col} IS NOT NULL)" for col, acol in FILL_ONLY]
        )
        st.execute(
            "UPDATE imp_acc SET action = 'same' WHERE action = 'update' AND row_no IN ("  # nosec B608
            "SELECT s.row_no FROM imp_acc s JOIN accounts_account a ON a.id = s.match_id "
            f"WHERE s.action = 'update' AND NOT ({changed}))"
        )


def _classify_contacts(run: Run) -> None:
    """Contacts are staged as 'create'; the statements below turn the ones that must not be
    created into 'drop' (their company is not written), 'dup', 'same' or 'update'."""
    st = run.staging
    live = "('create', 'update', 'same')"
    st.execute(
        "UPDATE imp_con SET action = 'drop' WHERE entity NOT IN "  # nosec B608
        f"(SELECT row_no FROM imp_acc WHERE rep = 1 AND action IN {live})"
    )
    # The same person repeated on several rows of one company is one contact.
    st.execute(
        "UPDATE imp_con SET action = 'dup' WHERE action = 'create' AND EXISTS (SELECT 1 FROM "
        "imp_con o WHERE o.entity = imp_con.entity AND o.action = 'create' "
        "AND o.name = imp_con.name AND o.phone_key IS NOT DISTINCT FROM imp_con.phone_key "
        "AND o.email IS NOT DISTINCT FROM imp_con.email "
        "AND (o.row_no < imp_con.row_no OR (o.row_no = imp_con.row_no AND o.seq < imp_con.seq)))"
    )
    # Only the contacts of companies written onto an existing account can match stored ones.
    if not st.fetchone(
        "SELECT COUNT(*) FROM imp_acc WHERE rep = 1 AND action IN ('update', 'same')"
    )[0]:
        return
    update_mode = run.batch.mode == "update"
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
            "UPDATE imp_con SET match_id = m.id FROM (SELECT k.row_no, k.seq, MIN(ct.id) AS id "  # nosec B608
            "FROM imp_con k JOIN imp_acc r ON r.row_no = k.entity "
            f"JOIN accounts_contact ct ON ct.account_id = r.match_id AND {join} "
            f"WHERE k.action = 'create' AND k.match_id IS NULL AND {condition} "
            "GROUP BY k.row_no, k.seq) m WHERE imp_con.row_no = m.row_no AND imp_con.seq = m.seq"
        )
    # Two people of the file that found the same contact: the later is a repeat.
    st.execute(
        "UPDATE imp_con SET action = 'dup' WHERE action = 'create' AND match_id IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM imp_con o WHERE o.match_id = imp_con.match_id "
        "AND o.action = 'create' AND (o.row_no < imp_con.row_no "
        "OR (o.row_no = imp_con.row_no AND o.seq < imp_con.seq)))"
    )
    if update_mode:
        changed = " OR ".join(
            f"(k.{col} IS NOT NULL AND k.{col} IS DISTINCT FROM ct.{ccol})"
            for col, ccol in CONTACT_UPDATABLE
        )
        changed += " OR (k.bmonth IS NOT NULL AND (k.bmonth IS DISTINCT FROM ct.birthday_month "
        changed += "OR k.bday IS DISTINCT FROM ct.birthday_day "
        changed += "OR k.byear IS DISTINCT FROM ct.birthday_year))"
        st.execute(
            "UPDATE imp_con SET action = CASE WHEN EXISTS (SELECT 1 FROM accounts_contact ct "  # nosec B608
            f"WHERE ct.id = imp_con.match_id AND ({changed.replace('k.', 'imp_con.')})) "
            "THEN 'update' ELSE 'same' END WHERE action = 'create' AND match_id IS NOT NULL"
        )
    else:
        st.execute(
            "UPDATE imp_con SET action = 'same' WHERE action = 'create' AND match_id IS NOT NULL"
        )


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
    keys = {
        "create": "accounts_create",
        "update": "accounts_update",
        "same": "accounts_same",
        "skip": "accounts_skip",
    }
    for action, rep, n in st.fetchall(
        "SELECT action, rep, COUNT(*) FROM imp_acc WHERE bad = 0 GROUP BY action, rep"
    ):
        key = keys.get(action) if rep else ("rows_merged" if action != "error" else None)
        if key:
            out[key] += n
    for action, n in st.fetchall("SELECT action, COUNT(*) FROM imp_con GROUP BY action"):
        if action in ("create", "update"):
            out[f"contacts_{action}"] = n
    return out


def preview(run: Run, limit: int) -> list[dict]:
    st = run.staging
    rows = st.fetchall(
        "SELECT s.row_no, s.action, s.entity, s.name, s.uscc, s.xcode, s.industry, t.name, "
        "COALESCE(u.username, d.username), s.channel, s.lifecycle, s.phone, s.address, s.match_id "
        "FROM imp_acc s LEFT JOIN imp_acc r ON r.row_no = s.entity "
        "LEFT JOIN crm_territory t ON t.id = COALESCE(s.territory_id, r.territory_id) "
        "LEFT JOIN crm_user u ON u.id = COALESCE(s.owner_id, r.owner_id) "
        "LEFT JOIN crm_user d ON d.id = %s ORDER BY s.row_no LIMIT %s",
        [run.owner_id, limit],
    )
    numbers = [r[0] for r in rows]
    contacts: dict[int, list[str]] = {}
    errors: dict[int, list[list[str]]] = {}
    if numbers:
        marks = ", ".join(["%s"] * len(numbers))
        for row_no, name, phone, email in st.fetchall(
            f"SELECT row_no, name, phone, email FROM imp_con WHERE row_no IN ({marks}) "  # nosec B608
            "ORDER BY row_no, seq",
            numbers,
        ):
            contacts.setdefault(row_no, []).append(" ".join(x for x in (name, phone, email) if x))
        for row_no, col, code, value in st.fetchall(
            f"SELECT row_no, col, code, value FROM imp_err WHERE row_no IN ({marks}) "  # nosec B608
            "ORDER BY row_no",
            numbers,
        ):
            errors.setdefault(row_no, []).append([col or "", code, value or ""])
    out = []
    for r in rows:
        out.append(
            {
                "row": r[0],
                "action": r[1],
                "same_as_row": r[2] if r[1] == "merge" else None,
                "name": r[3] or "",
                "uscc": r[4] or "",
                "external_code": r[5] or "",
                "industry": r[6] or "",
                "territory": r[7] or "",
                "owner": r[8] or "",
                "channel": r[9] or "",
                "lifecycle": r[10] or "",
                "phone": r[11] or "",
                "address": r[12] or "",
                "account_id": r[13],
                "contacts": contacts.get(r[0], []),
                "errors": errors.get(r[0], []),
            }
        )
    return out


def write(run: Run) -> None:
    """Step 5: keep before-images, update, insert, then contacts."""
    st = run.staging
    batch_id = run.batch.pk
    now = run.now_db
    _before_images(
        run, "account", "accounts_account", "SELECT match_id FROM imp_acc WHERE action = 'update'"
    )
    _before_images(
        run, "contact", "accounts_contact", "SELECT match_id FROM imp_con WHERE action = 'update'"
    )
    sets = ", ".join(
        f"{acol} = COALESCE(s.{col}, accounts_account.{acol})" for col, acol in UPDATABLE
    )
    sets += ", " + ", ".join(
        f"{acol} = COALESCE(accounts_account.{acol}, s.{col})" for col, acol in FILL_ONLY
    )
    st.execute(
        f"UPDATE accounts_account SET {sets}, "  # nosec B608
        "lifecycle_changed_at = CASE WHEN s.lifecycle IS NOT NULL AND "
        "s.lifecycle <> accounts_account.lifecycle THEN %s "
        "ELSE accounts_account.lifecycle_changed_at END, updated_at = %s "
        "FROM imp_acc s WHERE s.action = 'update' AND accounts_account.id = s.match_id",
        [now, now],
    )
    st.number_rows(
        "imp_new", "SELECT row_no FROM imp_acc WHERE action = 'create'", "accounts_account"
    )
    insert_or_abort(
        st,
        "INSERT INTO accounts_account (id, name, normalized_name, uscc, external_code, industry, "
        "territory_id, channel, lifecycle, lifecycle_changed_at, source, owner_id, address, "
        "phone, website, notes, revenue_potential, tier, import_batch_id, created_at, "
        "updated_at) "
        "SELECT n.id, s.name, s.nname, s.uscc, s.xcode, COALESCE(s.industry, ''), "
        "s.territory_id, COALESCE(s.channel, %s), COALESCE(s.lifecycle, %s), "
        "CASE WHEN s.lifecycle = %s THEN %s END, %s, COALESCE(s.owner_id, %s), "
        "COALESCE(s.address, ''), COALESCE(s.phone, ''), COALESCE(s.website, ''), "
        "COALESCE(s.notes, ''), s.potential, '', %s, %s, %s "
        "FROM imp_acc s JOIN imp_new n ON n.row_no = s.row_no",
        [
            Account.Channel.DIRECT,
            Account.Lifecycle.POTENTIAL,
            Account.Lifecycle.EXISTING,
            now,
            Account.Source.LEGACY_LIST,
            run.owner_id,
            batch_id,
            now,
            now,
        ],
    )
    run.report("writing", 92)
    csets = ", ".join(
        f"{ccol} = COALESCE(k.{col}, accounts_contact.{ccol})" for col, ccol in CONTACT_UPDATABLE
    )
    st.execute(
        f"UPDATE accounts_contact SET {csets}, "  # nosec B608
        "birthday_month = COALESCE(k.bmonth, accounts_contact.birthday_month), "
        "birthday_day = CASE WHEN k.bmonth IS NOT NULL THEN k.bday "
        "ELSE accounts_contact.birthday_day END, "
        "birthday_year = CASE WHEN k.bmonth IS NOT NULL THEN k.byear "
        "ELSE accounts_contact.birthday_year END, updated_at = %s "
        "FROM imp_con k WHERE k.action = 'update' AND accounts_contact.id = k.match_id",
        [now],
    )
    st.execute(
        "INSERT INTO accounts_contact (account_id, name, title, role, phone, email, chat_handle, "
        "birthday_month, birthday_day, birthday_year, interests, notes, import_batch_id, "
        "created_at, updated_at) "
        "SELECT COALESCE(n.id, r.match_id), k.name, COALESCE(k.title, ''), "
        "COALESCE(k.role, ''), COALESCE(k.phone, ''), COALESCE(k.email, ''), "
        "COALESCE(k.chat, ''), k.bmonth, k.bday, k.byear, COALESCE(k.interests, ''), '', "
        "%s, %s, %s FROM imp_con k JOIN imp_acc r ON r.row_no = k.entity "
        "LEFT JOIN imp_new n ON n.row_no = k.entity WHERE k.action = 'create'",
        [batch_id, now, now],
    )


def _before_images(run: Run, model: str, table: str, ids_sql: str) -> None:
    run.staging.execute(
        "INSERT INTO imports_importbeforeimage (batch_id, model, object_id, data) "  # nosec B608
        f"SELECT %s, %s, t.id, to_jsonb(t) FROM {table} t WHERE t.id IN ({ids_sql})",
        [run.batch.pk, model],
    )
