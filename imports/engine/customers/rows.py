"""Customers, step 0: the rows of the file, cleaned and staged.

Python cleans each row while the file streams and decides which rows of the file are the
same company (same credit code, else same customer code, else same normalized name; a row
with a credit code joins a same-named company that has none). A company's first row carries
it (is_first_row); its repeated rows point at it (company_row) and only fill its blanks.
"""

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import NamedTuple, cast

from django.db import models

from accounts import geo
from accounts.models import Account
from accounts.normalize import normalize_account_name
from crm.models import Territory
from crm.selectors import users_assignable_by
from imports.engine.run import ERR_COLUMNS, ERR_TABLE, ErrorSink, Run, no_copy_open, stream
from imports.upload import cleaning as c


class CompanyAction(models.TextChoices):
    """What a staged company row becomes. The checks in SQL refine the default one."""

    CREATE = "create"  # a new account (a company's first row, no account matched)
    MERGE = "merge"  # a repeated row of a company: folded into its first row
    UPDATE = "update"
    SAME = "same"  # matched, nothing to change
    SKIP = "skip"
    ERROR = "error"  # the row, or its company, has errors (imp_err; error_code for some)


class ContactAction(models.TextChoices):
    CREATE = "create"
    UPDATE = "update"
    SAME = "same"
    DUPLICATE = "dup"  # the same person again in the file, or a second find of a contact
    DROP = "drop"  # their company is not written


class CompanyRow(NamedTuple):
    """A row of imp_acc: the file's row as a company."""

    row_no: int
    is_first_row: bool  # the first row of its company in the file
    company_row: int  # row_no of the company's first row
    has_errors: bool
    action: str
    name: str | None
    name_key: str | None  # normalize_account_name(name): what names are matched on
    uscc: str | None
    customer_code: str | None
    source_id: str | None  # the record's id in the CRM the file came from
    industry: str | None
    territory_id: int | None
    channel: str | None
    lifecycle: str | None
    address: str | None
    phone: str | None
    phone_key: str | None
    website: str | None
    notes: str | None
    revenue_potential: str | None
    # The map location (WGS-84 degrees): both or neither.
    latitude: Decimal | None
    longitude: Decimal | None
    owner_id: int | None
    # Lines added to the account's note (a phone cell that is not a phone): appended to the
    # note it has, never replacing it, and only once.
    note_extra: str | None


class ContactRow(NamedTuple):
    """A row of imp_con: one person of a contact slot of a row."""

    row_no: int
    seq: int
    company_row: int
    name: str
    title: str | None
    role: str | None
    phone: str | None
    phone_key: str | None
    email: str | None
    chat_handle: str | None = None
    birthday_month: int | None = None
    birthday_day: int | None = None
    birthday_year: int | None = None
    interests: str | None = None
    # What could not be kept as it was (a phone that is not one): appended to the note.
    notes: str | None = None


COMPANY_COLUMNS = CompanyRow._fields
CONTACT_COLUMNS = ContactRow._fields
# What the columns a row fills from the file start as.
_EMPTY_FIELDS = dict.fromkeys(COMPANY_COLUMNS[COMPANY_COLUMNS.index("customer_code") :])
# A CharField always has max_length; get_field() is typed as returning any field.
NAME_MAX = cast(int, Account._meta.get_field("name").max_length)
ADDRESS_MAX = cast(int, Account._meta.get_field("address").max_length)
SOURCE_ID_MAX = cast(int, Account._meta.get_field("external_id").max_length)
NO_BIRTHDAY = (None, None, None)
# Optional choice fields: an unknown value is left empty with this warning, never rejected.
IGNORED_CHOICES = {
    "channel": "channel_ignored",
    "lifecycle": "lifecycle_ignored",
    "account_type": "account_type_ignored",
}
# With the batch's unknown_choices "other": an unknown channel or buying role is set to
# "other", and an unknown account type sets the channel to "other" (where no channel column
# says it), with these warnings. An unknown lifecycle is still left empty (the default).
OTHER = "other"
OTHER_CHOICES = {
    "channel": "channel_other",
    "account_type": "account_type_other",
    "role": "role_other",
}


def create_tables(run: Run) -> None:
    st = run.staging
    st.create(
        "imp_acc",
        "row_no integer NOT NULL, is_first_row boolean NOT NULL, company_row integer NOT NULL, "
        "has_errors boolean NOT NULL, action text, error_code text, name text, name_key text, "
        "uscc text, customer_code text, source_id text, industry text, territory_id bigint, "
        "channel text, "
        "lifecycle text, address text, phone text, phone_key text, website text, notes text, "
        "revenue_potential numeric(16, 2), latitude numeric(8, 6), longitude numeric(9, 6), "
        "owner_id bigint, note_extra text, account_id bigint",
        unique="row_no",
        indexes=["company_row"],
        after_load=True,
    )
    st.create(
        "imp_con",
        "row_no integer NOT NULL, seq integer NOT NULL, company_row integer NOT NULL, "
        "name text, title text, role text, phone text, phone_key text, email text, "
        "chat_handle text, birthday_month integer, birthday_day integer, "
        "birthday_year integer, interests text, notes text, contact_id bigint, "
        f"action text NOT NULL DEFAULT '{ContactAction.CREATE.value}'",
        unique="row_no, seq",
        indexes=["company_row"],
        after_load=True,
    )
    st.create("imp_err", ERR_TABLE, indexes=["row_no"], after_load=True)


def read(run: Run) -> "CustomerRows":
    rows = CustomerRows(run)
    stream(run, rows)
    return rows


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

    name: int
    first_name: int
    last_name: int
    phone: int
    email: int
    title: int
    role: int
    chat: int
    interests: int
    birthday: int

    def __init__(self, prefix: str, index: Callable[[str], int]):
        self.prefix = prefix
        for field in self.FIELDS:
            setattr(self, field, index(prefix + field))


# What a contact slot says once for all its people (only its first person gets it): title,
# role, chat handle, (birthday month, day, year), interests. A plain tuple: one per row.
SlotDetails = tuple[
    str | None, str | None, str | None, tuple[int | None, int | None, int | None], str | None
]


def _text(max_length: int):
    return lambda value: c.text(value, max_length)


def _choice(table: dict[str, str], code: str):
    return lambda value: c.choice(value, table, code)


def _noted(notes: str | None, header: str, raw: str) -> str:
    """The note with the text of a cell that could not be kept where it was ("电话: 见备注")."""
    line = f"{header}: {raw.strip()}"
    return f"{notes}\n{line}" if notes else line


def _potential(value: str):
    return c.decimal(value, places=2, max_digits=16, allow_negative=False)


class CustomerRows:
    """Cleans rows and assigns each to a company of the file.

    The work per row is kept small: each column's index is looked up once (an unmapped
    column reads the empty cell appended to every row), values that repeat (industries,
    channels, birthdays, titles) are cleaned once per distinct value (cleaning.Memo), and
    each row goes straight into the COPY of imp_acc that is open while a chunk is read."""

    TABLE, COLUMNS = "imp_acc", COMPANY_COLUMNS

    def __init__(self, run: Run):
        self.run = run
        self.cols = cols = run.columns
        self.errors = ErrorSink(run)
        self.write_row: Callable[[Sequence[object]], None] = no_copy_open  # stream() sets it
        self.contacts: list[ContactRow] = []
        self.company_by_uscc: dict[str, int] = {}
        self.company_by_code: dict[str, int] = {}
        self.company_by_name_key: dict[str, int] = {}
        self.uscc_of_company: dict[int, str] = {}
        self.code_of_company: dict[int, str] = {}
        self.company_by_source: dict[str, int] = {}
        self.source_of_company: dict[int, str] = {}
        self.repeated = 0  # rows that repeat a company of the file
        # Rows are padded to `need` cells, then one empty cell is appended: index -1 stands
        # for every column that is not mapped.
        self.need = max(cols.values(), default=-1) + 1
        self.has_uscc = "uscc" in cols
        # (column index, CompanyRow field, target, cleaner) of the plain fields, in the order
        # their errors are reported; a Memo where values repeat.
        fields = [
            ("external_code", "customer_code", _text(64), False),
            ("source_id", "source_id", _text(SOURCE_ID_MAX), False),
            ("industry", "industry", _text(100), True),
            ("address", "address", _text(255), False),
            ("notes", "notes", _text(100_000), False),
            ("website", "website", c.website, True),
            ("channel", "channel", _choice(c.CHANNELS, "channel_unknown"), True),
            ("lifecycle", "lifecycle", _choice(c.LIFECYCLES, "lifecycle_unknown"), True),
        ]
        self.fields = [
            (cols[target], field, target, c.Memo(clean) if memo else clean)
            for target, field, clean, memo in fields
            if target in cols and not (target == "address" and self._has_address_parts())
        ]
        # Address parts in columns of their own, joined after the street.
        self.address_parts = [
            cols[target]
            for target in (
                "address_city",
                "address_state",
                "address_postal_code",
                "address_country",
            )
            if target in cols
        ]
        self.i_address = self._index("address")
        self.i_account_type = self._index("account_type")
        self.account_types = c.Memo(c.account_type)
        self.i_name = self._index("name")
        self.i_uscc = self._index("uscc")
        self.i_potential = self._index("revenue_potential")
        self.i_latitude = self._index("latitude")
        self.i_longitude = self._index("longitude")
        self.i_coordinates = self._index("coordinates")
        self.i_phone = self._index("phone")
        # A cell that is not a phone: a warning, its text kept in the note or left out.
        self.phone_to_note = run.batch.invalid_phones == run.batch.InvalidPhones.NOTE
        self.bad_phone_code = "phone_to_note" if self.phone_to_note else "phone_dropped"
        # An unknown channel, role or account type: left empty, or set to "other".
        self.unknown_to_other = run.batch.unknown_choices == run.batch.UnknownChoices.OTHER
        self.potentials = c.Memo(_potential)
        # (column index, field, target, lookup, error code) of the references to our rows.
        self.lookups = [
            (cols[target], field, target, lookup(), code)
            for target, field, lookup, code in (
                ("territory", "territory_id", self._territories, "territory_unknown"),
                ("owner", "owner_id", self._owners, "owner_unknown"),
            )
            if target in cols
        ]
        self.slots = [
            _Slot(slot, self._index)
            for slot in ("contact_", "contact2_", "contact3_")
            if any(k.startswith(slot) for k in cols)
        ]
        self.titles = c.Memo(_text(120))
        self.roles = c.Memo(_choice(c.ROLES, "role_unknown"))
        self.birthdays = c.Memo(c.birthday)

    def _has_address_parts(self) -> bool:
        return any(k.startswith("address_") for k in self.cols)

    def _index(self, target: str) -> int:
        return self.cols.get(target, -1)

    def _territories(self) -> dict[str, int]:
        out: dict[str, int] = {}
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

    # ---- one row ---------------------------------------------------------------------------

    def add(self, row_no: int, cells: list[str]) -> None:
        if len(cells) < self.need:
            cells.extend([""] * (self.need - len(cells)))
        cells.append("")
        err = self.errors
        before = len(err.rows)
        name, name_key = self._name(row_no, cells)
        raw_uscc = cells[self.i_uscc]
        uscc = self._uscc(row_no, raw_uscc) if self.has_uscc and raw_uscc else None
        values = self._fields(row_no, cells)
        contacts = self._contacts(row_no, cells) if self.slots else ()
        has_errors = len(err.rows) > before
        if has_errors:
            company_row, is_first_row = row_no, False
        else:
            company_row, is_first_row = self._company(
                row_no, uscc, values["customer_code"], values["source_id"], name_key or ""
            )
        # The default action; the checks in SQL change it where the database says otherwise.
        if has_errors:
            action = CompanyAction.ERROR.value
        else:
            action = (CompanyAction.CREATE if is_first_row else CompanyAction.MERGE).value
        phone = values["phone"]
        if phone:
            values["phone_key"] = c.phone_key(phone)
        # values holds the fields after uscc, in order (by keyword, the row costs three
        # times as much).
        self.write_row(
            CompanyRow(
                row_no,
                is_first_row,
                company_row,
                has_errors,
                action,
                name,
                name_key,
                uscc,
                *values.values(),
            )
        )
        if has_errors:
            pass
        elif company_row == row_no:
            self.contacts += contacts
        else:
            self.contacts += [contact._replace(company_row=company_row) for contact in contacts]

    def _name(self, row_no: int, cells: list[str]) -> tuple[str | None, str | None]:
        raw = cells[self.i_name]
        try:
            name = c.required_text(raw, NAME_MAX)
        except c.CellError as exc:
            self.errors.add(row_no, "name", exc.code, raw)
            return None, None
        if not name:
            return name, None
        name_key = normalize_account_name(name)
        if not name_key:
            self.errors.add(row_no, "name", "name_empty", name)
        return name, name_key or None

    def _uscc(self, row_no: int, raw: str) -> str | None:
        try:
            return c.uscc(raw)
        except c.CellError as exc:
            self.errors.add(row_no, "uscc", exc.code, raw)
            return None

    def _fields(self, row_no: int, cells: list[str]) -> dict:
        """The plain fields of the row (CompanyRow's fields from customer_code on)."""
        err = self.errors
        values = _EMPTY_FIELDS.copy()
        for i, field, target, clean in self.fields:
            raw = cells[i]
            if not raw:
                continue
            if isinstance(clean, c.Memo):
                value = clean[raw]
            else:
                try:
                    value = clean(raw)
                except c.CellError as exc:
                    value = c.Failed(exc.code)
            if value.__class__ is c.Failed:
                values[field] = self._failed(row_no, target, value.code, raw)
            elif value:
                values[field] = value
        self._company_phone(row_no, cells[self.i_phone], values)
        self._composite_fields(row_no, cells, values)
        for i, field, target, known, code in self.lookups:
            raw = cells[i]
            if raw:
                found = values[field] = known.get(raw.strip().lower())
                if found is None:
                    err.add(row_no, target, code, raw)
        return values

    def _company_phone(self, row_no: int, raw: str, values: dict) -> None:
        """The company phone, normalised; a cell that is not a phone is a warning (its text
        kept in the account's note, or left out, as the batch says), never an error."""
        if not raw:
            return
        try:
            values["phone"] = c.phone(raw)
        except c.CellError:
            self.errors.warn(row_no, "phone", self.bad_phone_code, raw)
            if self.phone_to_note:
                values["note_extra"] = _noted(None, self.run.header("phone"), raw)

    def _composite_fields(self, row_no: int, cells: list[str], values: dict) -> None:
        """The address from its parts, the account type, the revenue potential."""
        if self.address_parts:
            self._address(row_no, cells, values)
        raw = cells[self.i_account_type]
        if raw:
            self._account_type(row_no, raw, values)
        raw = cells[self.i_potential]
        if raw:
            value = self.potentials[raw]
            if value.__class__ is c.Failed:
                self.errors.add(row_no, "revenue_potential", value.code, raw)
            else:
                values["revenue_potential"] = value
        self._location(row_no, cells, values)

    def _location(self, row_no: int, cells: list[str], values: dict) -> None:
        """The latitude and longitude (their own columns, or one "coordinates" cell): a cell
        that is not a coordinate, or out of range, or only one of the two, is a warning on
        that cell and the row gets no location (never half of one)."""
        raw_lat, raw_lng = cells[self.i_latitude].strip(), cells[self.i_longitude].strip()
        raw_pair = cells[self.i_coordinates].strip()
        if raw_lat or raw_lng:
            try:
                lat = geo.parse_latitude(raw_lat) if raw_lat else None
            except geo.CoordinateError as exc:
                self.errors.warn(row_no, "latitude", exc.code, raw_lat)
                return
            try:
                lng = geo.parse_longitude(raw_lng) if raw_lng else None
            except geo.CoordinateError as exc:
                self.errors.warn(row_no, "longitude", exc.code, raw_lng)
                return
            if lat is None or lng is None:
                target = "longitude" if lng is None else "latitude"
                self.errors.warn(row_no, target, "coordinate_half", raw_lat or raw_lng)
                return
            values["latitude"], values["longitude"] = lat, lng
        elif raw_pair:
            try:
                values["latitude"], values["longitude"] = geo.parse_pair(raw_pair)
            except geo.CoordinateError as exc:
                self.errors.warn(row_no, "coordinates", exc.code, raw_pair)

    def _failed(self, row_no: int, target: str, code: str, raw: str) -> str | None:
        """A cell its cleaner refused: an error, or for an optional choice a warning (the
        row kept). Returns the value the cell gets: None (left empty), or "other" for a
        channel when the batch says so."""
        if self.unknown_to_other and target in OTHER_CHOICES:
            self.errors.warn(row_no, target, OTHER_CHOICES[target], raw)
            return OTHER
        ignored = IGNORED_CHOICES.get(target)
        if ignored:
            self.errors.warn(row_no, target, ignored, raw)
        else:
            self.errors.add(row_no, target, code, raw)
        return None

    def _account_type(self, row_no: int, raw: str, values: dict) -> None:
        """The lifecycle and channel an account type says, where no column of their own
        says them; an unknown type is left empty, with a warning (an optional choice), or
        (the batch's unknown_choices "other") sets the channel to "other" where no channel
        column says it, the lifecycle left empty."""
        kind = self.account_types[raw]
        if kind.__class__ is c.Failed:
            if self.unknown_to_other and values["channel"] is None:
                values["channel"] = self._failed(row_no, "account_type", kind.code, raw)
            else:
                self.errors.warn(row_no, "account_type", IGNORED_CHOICES["account_type"], raw)
            return
        lifecycle, channel = kind
        if lifecycle and values["lifecycle"] is None:
            values["lifecycle"] = lifecycle
        if channel and values["channel"] is None:
            values["channel"] = channel

    def _address(self, row_no: int, cells: list[str], values: dict) -> None:
        """The street, then the city, state, postal code and country, in one address."""
        parts = [cells[self.i_address].strip()] + [cells[i].strip() for i in self.address_parts]
        joined = ", ".join(part for part in parts if part)
        if not joined:
            return
        try:
            values["address"] = c.text(joined, ADDRESS_MAX)
        except c.CellError as exc:
            self.errors.add(row_no, "address", exc.code, joined)

    def _company(
        self, row_no: int, uscc, customer_code, source_id, name_key: str
    ) -> tuple[int, bool]:
        """(company_row, whether this row starts a new company of the file). Two records of
        the source system (different record ids) are two companies even with one name."""
        company = self.company_by_source.get(source_id) if source_id else None
        if company is not None:
            pass
        elif uscc:
            company = self._company_of_uscc(uscc, customer_code, name_key)
        elif customer_code:
            company = self.company_by_code.get(customer_code)
            if company is None:
                other = self.company_by_name_key.get(name_key)
                if other is not None and other not in self.code_of_company:
                    company = self._same_source(other, source_id)
        else:
            company = self._same_source(self.company_by_name_key.get(name_key), source_id)
        is_new = company is None
        if company is None:
            company = row_no
        else:
            self.repeated += 1
        if uscc:
            self.company_by_uscc.setdefault(uscc, company)
            self.uscc_of_company.setdefault(company, uscc)
        if customer_code:
            self.company_by_code.setdefault(customer_code, company)
            self.code_of_company.setdefault(company, customer_code)
        if source_id:
            self.company_by_source.setdefault(source_id, company)
            self.source_of_company.setdefault(company, source_id)
        self.company_by_name_key.setdefault(name_key, company)
        return company, is_new

    def _same_source(self, company: int | None, source_id) -> int | None:
        """`company`, unless it is another record of the source system than `source_id`."""
        if company is None or not source_id:
            return company
        return company if self.source_of_company.get(company, source_id) == source_id else None

    def _company_of_uscc(self, uscc: str, customer_code, name_key: str) -> int | None:
        company = self.company_by_uscc.get(uscc)
        if company is None and customer_code:
            other = self.company_by_code.get(customer_code)
            if other is not None and self.uscc_of_company.get(other) in (None, uscc):
                company = other
        if company is None:
            other = self.company_by_name_key.get(name_key)
            if (
                other is not None
                and other not in self.uscc_of_company
                and (not customer_code or self.code_of_company.get(other) in (None, customer_code))
            ):
                company = other
        return company

    # ---- the row's contacts ----------------------------------------------------------------

    def _contacts(self, row_no: int, cells: list[str]) -> list[ContactRow]:
        """The people of the row's contact slots, as rows of the row's own company (add()
        moves them to the company the row repeats). A slot may list several names, phones
        and emails (split_multi); the slot's title, role, chat, birthday and interests go to
        its first person."""
        out: list[ContactRow] = []
        for slot in self.slots:
            names = c.split_multi(cells[slot.name] or self._slot_name(slot, cells))
            phones = c.split_phones(cells[slot.phone])
            emails = c.split_multi(cells[slot.email])
            count = max(len(names), len(phones), len(emails))
            if count == 0:
                continue
            title, role, chat_handle, birthday, interests = self._slot_details(row_no, slot, cells)
            for i in range(count):
                person = self._person(row_no, slot.prefix, names, phones, emails, i)
                if person is None:
                    continue
                name, phone, email, note = person
                phone_key = c.phone_key(phone) if phone else None
                seq = len(out) + 1
                # Title, role and the personal details belong to the slot's first person only.
                first = i == 0
                out.append(
                    ContactRow(
                        row_no,
                        seq,
                        row_no,
                        name,
                        title if first else None,
                        role if first else None,
                        phone,
                        phone_key,
                        email,
                        *((chat_handle, *birthday, interests) if first else (None,) * 5),
                        note,
                    )
                )
        return out

    @staticmethod
    def _slot_name(slot: _Slot, cells: list[str]) -> str:
        """The name from the first and last name cells (the name cell is empty)."""
        first, last = cells[slot.first_name], cells[slot.last_name]
        if not (first or last):
            return ""
        cjk = any(ord(ch) > 0x2E80 for ch in first + last)
        return f"{last}{first}" if cjk else f"{first} {last}".strip()

    def _slot_details(self, row_no: int, slot: _Slot, cells: list[str]) -> SlotDetails:
        """(title, role, chat handle, (birthday month, day, year), interests) of a slot.
        The helpers are called only for cells that hold something: this runs for every row.
        Errors are reported in this order: title, role, chat, interests, birthday."""
        prefix = slot.prefix
        raw_title, raw_role = cells[slot.title], cells[slot.role]
        raw_chat, raw_interests = cells[slot.chat], cells[slot.interests]
        raw_birthday = cells[slot.birthday]
        title = (
            self._memo_cell(row_no, prefix, "title", raw_title, self.titles) if raw_title else None
        )
        role = None
        if raw_role:
            role = self.roles[raw_role]
            if role.__class__ is c.Failed:
                # An optional choice: left empty (or "other", as the batch says), with a
                # warning; the row is kept.
                if self.unknown_to_other:
                    self.errors.warn(row_no, prefix + "role", OTHER_CHOICES["role"], raw_role)
                    role = OTHER
                else:
                    self.errors.warn(row_no, prefix + "role", "role_ignored", raw_role)
                    role = None
            role = role or None
        chat = self._text_cell(row_no, prefix, "chat", raw_chat, 100) if raw_chat else None
        interests = (
            self._text_cell(row_no, prefix, "interests", raw_interests, 10_000)
            if raw_interests
            else None
        )
        birthday = self.birthdays[raw_birthday] if raw_birthday else NO_BIRTHDAY
        if birthday.__class__ is c.Failed:
            # An optional field: a warning, the cell is left empty, the row is kept.
            self.errors.warn(row_no, prefix + "birthday", "birthday_ignored", raw_birthday)
            birthday = NO_BIRTHDAY
        return title, role, chat, birthday, interests

    def _person(self, row_no: int, prefix: str, names, phones, emails, i: int):
        """(name, phone, email, note) of the slot's i-th person, or None when it has no name.
        The note keeps a phone cell that is not a phone (when the batch says so)."""
        raw_phone = phones[i] if i < len(phones) else ""
        raw_email = emails[i] if i < len(emails) else ""
        phone = note = None
        if raw_phone:
            try:
                phone = c.phone(raw_phone)
            except c.CellError:
                self.errors.warn(row_no, prefix + "phone", self.bad_phone_code, raw_phone)
                if self.phone_to_note:
                    note = _noted(None, self.run.header(prefix + "phone"), raw_phone)
        email = None
        if raw_email:
            try:
                email = c.email(raw_email) or None
            except c.CellError as exc:
                self.errors.add(row_no, prefix + "email", exc.code, raw_email)
        raw = (names[i] if i < len(names) else "") or email or phone or ""
        try:
            name = c.text(raw, 120)
        except c.CellError as exc:
            self.errors.add(row_no, prefix + "name", exc.code, raw)
            return None
        return (name, phone, email, note) if name else None

    # The target of a contact cell is its slot's prefix and the field: joined on error only.

    def _memo_cell(self, row_no: int, prefix: str, field: str, raw: str, memo: c.Memo):
        value = memo[raw]
        if value.__class__ is c.Failed:
            self.errors.add(row_no, prefix + field, value.code, raw)
            return None
        return value or None

    def _text_cell(self, row_no: int, prefix: str, field: str, raw: str, max_length: int):
        try:
            return c.text(raw, max_length) or None
        except c.CellError as exc:
            self.errors.add(row_no, prefix + field, exc.code, raw)
            return None

    def flush(self) -> None:
        """Write the chunk's contacts and errors (imp_acc was streamed while reading)."""
        st = self.run.staging
        st.load("imp_con", CONTACT_COLUMNS, self.contacts)
        st.load("imp_err", ERR_COLUMNS, self.errors.rows)
        self.contacts, self.errors.rows = [], []
