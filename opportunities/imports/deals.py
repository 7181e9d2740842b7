"""Deals (opportunities) from a CSV or workbook, through the import pipeline.

Step 0 (read): every row is cleaned in Python while the file streams into the staging table
imp_opp (name, amount, close date, stage, probability, owner, source, type, forecast category,
next step, product lines, competitors), and the distinct account references go to imp_ref,
the same table an orders import fills, so that they are matched the same way (credit code,
customer code, normalized name, among the accounts the importer can see).
Step 1 (check, SQL): accounts resolved; a row whose record id (source_id) an existing deal of
the same source system has is an update, a skip or an error (the batch's mode); a second row
with the same id is an error; an existing deal outside the importer's book is an error.
Step 2 (write, not in a dry run): new deals inserted with their "created" history row; updated
deals' whole rows kept as before-images (with the id of the "changed" history row written for
them), then updated. An empty cell leaves an updated deal's value as it was.
"""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

import datetime
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, NamedTuple, cast

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.models import Account
from accounts.normalize import normalize_account_name
from imports.engine.orders.match import resolve_references
from imports.engine.orders.rows import REFERENCE_COLUMNS, Reference, ReferenceKey
from imports.engine.run import (
    CHECK_SHARE,
    ERR_COLUMNS,
    ERR_TABLE,
    READ_SHARE,
    ErrorSink,
    ImportAborted,
    Run,
    no_copy_open,
    row_errors,
    row_warnings,
    stream,
)
from imports.models import ImportBeforeImage
from imports.upload import cleaning as c
from imports.upload.fields import fold_header
from opportunities.imports.fields import (
    CATEGORIES,
    KINDS,
    REFERENCE_TARGETS,
    SOURCES,
    STAGE_ALIASES,
)
from opportunities.imports.people import AMBIGUOUS, People
from opportunities.models import Opportunity, OpportunityChange, Stage
from opportunities.selectors import opportunities_visible_to

_normalize = lru_cache(maxsize=200_000)(normalize_account_name)
LOCK = "opportunities"
CREATE_CHUNK = 2000
OPEN = Opportunity.Status.OPEN.value


class DealRow(NamedTuple):
    """A row of imp_opp. None: the cell was empty (an update keeps the deal's value)."""

    row_no: int
    reference_id: int | None
    has_errors: bool
    name: str | None
    source_id: str | None
    amount: str | None
    close_date: str | None
    stage_id: int | None
    status: str | None
    probability: int | None
    owner_id: int | None  # None: the batch's default owner
    lead_source: str | None
    kind: str | None
    category: str | None
    next_step: str | None
    next_step_date: str | None
    product_lines: str | None
    competitors: str | None
    description: str | None
    created_on: str | None


DEAL_COLUMNS = DealRow._fields
_TARGETS = (
    "account_uscc",
    "account_code",
    "account_name",
    "name",
    "source_id",
    "amount",
    "close_date",
    "stage",
    "probability",
    "owner",
    "source",
    "type",
    "category",
    "next_step",
    "next_step_date",
    "product_lines",
    "competitors",
    "description",
    "created_on",
)
# Columns of an update: set from the file where the cell was filled (COALESCE), always for
# the name, account, stage (and what follows from it) and close date, which every row has.
_OPTIONAL_UPDATES = {
    "amount": "amount",
    "probability": "probability",
    "owner_id": "owner_id",
    "lead_source": "source",
    "kind": "kind",
    "category": "category",
    "next_step": "next_step",
    "next_step_date": "next_step_date",
    "product_lines": "product_lines",
    "competitors": "competitors",
    "description": "description",
}


def deal_source(headers: list[str], mapping: list[str]) -> str:
    """The system a file's record ids belong to: Salesforce and HubSpot by their export's
    headers, else "file:" and the id column's header (ids are only compared within one)."""
    if "source_id" not in mapping:
        return ""
    folded = {fold_header(h) for h in headers}
    if folded & {"opportunityname", "opportunityowner", "opportunityid", "forecastcategory"}:
        return "salesforce"
    if folded & {"dealname", "dealstage", "dealowner", "pipeline"}:
        return "hubspot"
    index = mapping.index("source_id")
    header = headers[index] if index < len(headers) else ""
    return ("file:" + fold_header(header))[:40]


def create_tables(run: Run) -> None:
    st = run.staging
    st.create(
        "imp_opp",
        "row_no integer NOT NULL, reference_id integer, has_errors boolean NOT NULL, "
        "name text, source_id text, amount numeric(16, 2), close_date date, stage_id bigint, "
        "status text, probability smallint, owner_id bigint, lead_source text, kind text, "
        "category text, next_step text, next_step_date date, product_lines text, "
        "competitors text, description text, created_on date, opportunity_id bigint, "
        "action text",
        unique="row_no",
        after_load=True,
    )
    st.create(
        "imp_ref",
        "reference_id integer NOT NULL, uscc text, customer_code text, name_key text, "
        "name text, first_row integer, good_lines integer NOT NULL, account_id bigint, "
        "match_count integer, action text, error_code text, "
        "placeholder boolean NOT NULL DEFAULT false",
        unique="reference_id",
        after_load=True,
    )
    st.create("imp_err", ERR_TABLE, indexes=["row_no"], after_load=True)


class Stages:
    """Stages by code, English or Chinese name (folded), then by the other systems' names."""

    def __init__(self):
        self.by_id = {s.pk: s for s in Stage.objects.all()}
        self.by_key: dict[str, Stage] = {}
        by_code = {}
        for stage in self.by_id.values():
            for label in (stage.code, stage.name_en, stage.name_zh_hans):
                if label:
                    self.by_key.setdefault(c.fold(label), stage)
            if stage.code:
                by_code[stage.code] = stage
        for code, aliases in STAGE_ALIASES.items():
            if code in by_code:
                for alias in aliases:
                    self.by_key.setdefault(c.fold(alias), by_code[code])

    def find(self, raw: str) -> Stage:
        if not raw:
            raise c.CellError("required")
        stage = self.by_key.get(c.fold(raw))
        if stage is None:
            raise c.CellError("stage_unknown")
        if not stage.is_active:
            raise c.CellError("stage_inactive")
        return stage


def probability(raw: str) -> int | None:
    """0–100 from "60", "60%", "60.4" or a fraction "0.6" (as HubSpot writes it)."""
    if not raw:
        return None
    text = raw.strip()
    percent = text.endswith(("%", "％"))
    text = text.rstrip("%％").strip()
    try:
        number = c.decimal(text, places=4, max_digits=12)
    except c.CellError as exc:
        raise c.CellError("probability_invalid") from exc
    if number is None:
        return None
    if not percent and "." in text and 0 < number < 1:
        number *= 100
    if not 0 <= number <= 100:
        raise c.CellError("probability_invalid")
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _list(raw: str) -> str:
    """Product lines or competitors, however separated, as "a, b, c"."""
    parts = [p.strip() for part in c.split_multi(raw) for p in part.replace("，", ",").split(",")]
    return c.text(", ".join(p for p in parts if p), 500)


class DealRows:
    """Cleans the rows of a deals file (see the module's docstring)."""

    TABLE, COLUMNS = "imp_opp", DEAL_COLUMNS

    def __init__(self, run: Run):
        self.run = run
        self.cols = cols = run.columns
        self.errors = ErrorSink(run)
        self.write_row: Callable[[Sequence[object]], None] = no_copy_open  # stream() sets it
        self.reference_ids: dict[ReferenceKey, int] = {}
        self.references: list[Reference] = []
        self.need = max(cols.values(), default=-1) + 1
        self.index = {t: cols.get(t, -1) for t in _TARGETS}
        self.reference_target = next(
            (t for t in REFERENCE_TARGETS if t in cols), REFERENCE_TARGETS[0]
        )
        self.stages = Stages()
        self.people = People(run.actor)
        self.stage_of = c.Memo(self.stages.find)
        self.dates = c.Memo(lambda v: c.parse_date(v).isoformat() if v else None)
        self.amounts = c.Memo(lambda v: c.decimal(v, places=2, max_digits=16, allow_negative=False))
        self.probabilities = c.Memo(probability)

    def _cell(self, cells: list[str], target: str) -> str:
        return cells[self.index[target]].strip()

    def _reference(self, row_no: int, cells: list[str]) -> ReferenceKey | None:
        raw_uscc = self._cell(cells, "account_uscc")
        code = self._cell(cells, "account_code")
        name = self._cell(cells, "account_name")
        uscc = None
        bad = False
        if raw_uscc:
            try:
                uscc = c.uscc(raw_uscc)
            except c.CellError as exc:
                self.errors.add(row_no, "account_uscc", exc.code, raw_uscc)
                bad = True
        if len(code) > 64:
            self.errors.add(row_no, "account_code", "too_long", code)
            bad = True
        if len(name) > 255:
            self.errors.add(row_no, "account_name", "too_long", name)
            bad = True
        key = ReferenceKey(uscc, code or None, _normalize(name) if name else "")
        if not bad and not (key.uscc or key.customer_code or key.name_key):
            self.errors.add(row_no, self.reference_target, "required", "")
            bad = True
        self._names = name
        return None if bad else key

    def _memo(self, memo: c.Memo, row_no: int, cells: list[str], target: str):
        raw = self._cell(cells, target)
        value = memo[raw]
        if value.__class__ is c.Failed:
            self.errors.add(row_no, target, value.code, raw)
            return None
        return value

    def _text(self, row_no: int, cells: list[str], target: str, limit: int, *, required=False):
        raw = self._cell(cells, target)
        try:
            value = (c.required_text if required else c.text)(raw, limit)
        except c.CellError as exc:
            self.errors.add(row_no, target, exc.code, raw)
            return None
        return value or None

    def _choice(self, row_no, cells, target: str, table: dict[str, str], fallback, code: str):
        raw = self._cell(cells, target)
        if not raw:
            return None
        value = table.get(c.fold(raw))
        if value is None:
            self.errors.warn(row_no, target, code, raw)
            return str(fallback)
        return value

    def _owner(self, row_no: int, cells: list[str]) -> int | None:
        if "owner" not in self.cols:
            return None
        raw = self._cell(cells, "owner")
        found = self.people.user(raw) if raw else None
        if found is None or found == AMBIGUOUS:
            self.errors.warn(row_no, "owner", "owner_defaulted", raw)
            return None
        if found not in self.people.assignable:
            self.errors.add(row_no, "owner", "owner_out_of_scope", raw)
            return None
        return found

    def _list(self, row_no: int, cells: list[str], target: str) -> str | None:
        raw = self._cell(cells, target)
        try:
            return _list(raw) or None
        except c.CellError as exc:
            self.errors.add(row_no, target, exc.code, raw)
            return None

    def add(self, row_no: int, cells: list[str]) -> None:
        if len(cells) < self.need:
            cells.extend([""] * (self.need - len(cells)))
        cells.append("")  # index -1: every column that is not mapped
        err = self.errors
        before = len(err.rows)
        key = self._reference(row_no, cells)
        name = self._text(row_no, cells, "name", 255, required=True)
        source_id = self._text(row_no, cells, "source_id", 100)
        amount = self._memo(self.amounts, row_no, cells, "amount")
        close_raw = self._cell(cells, "close_date")
        close_date = self._memo(self.dates, row_no, cells, "close_date")
        if close_date is None and not close_raw:
            err.add(row_no, "close_date", "required", "")
        stage = self._memo(self.stage_of, row_no, cells, "stage")
        chance = self._memo(self.probabilities, row_no, cells, "probability")
        owner_id = self._owner(row_no, cells)
        next_step = self._text(row_no, cells, "next_step", 500)
        next_step_date = self._memo(self.dates, row_no, cells, "next_step_date")
        product_lines = self._list(row_no, cells, "product_lines")
        competitors = self._list(row_no, cells, "competitors")
        description = self._text(row_no, cells, "description", 10_000)
        created_raw = self._cell(cells, "created_on")
        created_on = self.dates[created_raw]
        if created_on.__class__ is c.Failed:
            err.warn(row_no, "created_on", "created_on_ignored", created_raw)
            created_on = None
        lead_source = self._choice(
            row_no, cells, "source", SOURCES, Opportunity.Source.OTHER.value, "source_other"
        )
        kind = self._choice(row_no, cells, "type", KINDS, Opportunity.Kind.NEW.value, "type_new")
        category = self._choice(
            row_no,
            cells,
            "category",
            CATEGORIES,
            Opportunity.Category.PIPELINE.value,
            "category_pipeline",
        )
        has_errors = len(err.rows) > before
        reference_id = None
        if not has_errors and key is not None:
            reference_id = self.reference_ids.get(key) or self._new_reference(key, row_no)
            self.references[reference_id - 1].good_lines += 1
        self.write_row(
            DealRow(
                row_no,
                reference_id,
                has_errors,
                name,
                source_id,
                None if amount is None else str(amount),
                close_date,
                stage.pk if stage is not None else None,
                stage.status if stage is not None else None,
                chance,
                owner_id,
                lead_source,
                kind,
                category,
                next_step,
                next_step_date,
                product_lines,
                competitors,
                description,
                created_on,
            )
        )

    def _new_reference(self, key: ReferenceKey, row_no: int) -> int:
        reference_id = self.reference_ids[key] = len(self.references) + 1
        name = self._names
        self.references.append(
            Reference(
                reference_id=reference_id,
                uscc=key.uscc,
                customer_code=key.customer_code,
                name_key=key.name_key or None,
                name=name or None,
                first_row=row_no,
            )
        )
        return reference_id

    def flush(self) -> None:
        self.run.staging.load("imp_err", ERR_COLUMNS, self.errors.rows)
        self.errors.rows = []

    def finish(self) -> None:
        self.run.staging.load(
            "imp_ref", REFERENCE_COLUMNS, [reference.as_row() for reference in self.references]
        )
        self.references = []


def _reject(run: Run, select: str, params: list) -> None:
    """Errors for the rows `select` gives (row_no, col, code, value); those rows go no further."""
    st = run.staging
    st.execute(f"INSERT INTO imp_err (row_no, col, code, value) {select}", params)
    st.execute(
        "UPDATE imp_opp SET has_errors = true, action = NULL WHERE NOT has_errors "
        "AND row_no IN (SELECT row_no FROM imp_err)"
    )


def check(run: Run) -> tuple[dict, list[dict]]:
    create_tables(run)
    rows = DealRows(run)
    stream(run, rows)
    rows.finish()
    st = run.staging
    st.build_indexes()
    st.tune()
    st.analyze()
    if not run.dry_run:
        st.lock(LOCK)
    resolve_references(run)
    st.execute(
        "UPDATE imp_ref SET action = 'error', error_code = 'account_unknown' "
        "WHERE account_id IS NULL AND action IS NULL"
    )
    reference_header = run.header(rows.reference_target)
    _reject(
        run,
        "SELECT o.row_no, %s, r.error_code, COALESCE(r.name, r.customer_code, r.uscc) "
        "FROM imp_opp o JOIN imp_ref r ON r.reference_id = o.reference_id "
        "WHERE NOT o.has_errors AND r.action = 'error'",
        [reference_header],
    )
    run.report("checking", READ_SHARE + CHECK_SHARE * 0.5)
    _match_existing(run)
    st.execute(
        "UPDATE imp_opp SET action = 'create' WHERE NOT has_errors AND opportunity_id IS NULL"
    )
    run.report("checking", READ_SHARE + CHECK_SHARE, force=True)
    return _counts(run), _preview(run, rows)


def _match_existing(run: Run) -> None:
    """Rows whose record id an existing deal of the same source has: updates or skips (or
    errors in mode "create only", or when the deal is outside the importer's book)."""
    if "source_id" not in run.columns:
        return
    st = run.staging
    header = run.header("source_id")
    _reject(
        run,
        "SELECT row_no, %s, 'deal_repeated', source_id FROM (SELECT row_no, source_id, "
        "row_number() OVER (PARTITION BY source_id ORDER BY row_no) AS n FROM imp_opp "
        "WHERE NOT has_errors AND source_id IS NOT NULL) d WHERE n > 1",
        [header],
    )
    source = deal_source(run.table.headers, run.batch.mapping)
    st.execute(
        f"UPDATE imp_opp SET opportunity_id = o.id FROM {Opportunity._meta.db_table} o "  # nosec B608
        "WHERE NOT imp_opp.has_errors AND imp_opp.source_id IS NOT NULL "
        "AND o.external_source = %s AND o.external_id = imp_opp.source_id",
        [source],
    )
    if not run.actor.is_admin:
        visible, params = opportunities_visible_to(run.actor).values("id").query.sql_with_params()
        _reject(
            run,
            "SELECT row_no, %s, 'deal_out_of_scope', source_id FROM imp_opp "  # nosec B608
            "WHERE NOT has_errors AND opportunity_id IS NOT NULL "
            f"AND opportunity_id NOT IN ({visible})",
            [header, *params],
        )
    mode = run.batch.mode
    if mode == "create":
        _reject(
            run,
            "SELECT row_no, %s, 'deal_exists', source_id FROM imp_opp "
            "WHERE NOT has_errors AND opportunity_id IS NOT NULL",
            [header],
        )
    else:
        st.execute(
            "UPDATE imp_opp SET action = %s WHERE NOT has_errors AND opportunity_id IS NOT NULL",
            ["update" if mode == "update" else "skip"],
        )


def _counts(run: Run) -> dict[str, int]:
    created, updated, skipped = run.staging.fetchone(
        "SELECT COUNT(*) FILTER (WHERE action = 'create'), "
        "COUNT(*) FILTER (WHERE action = 'update'), COUNT(*) FILTER (WHERE action = 'skip') "
        "FROM imp_opp WHERE NOT has_errors"
    )
    return {
        "rows": run.rows_read,
        "opportunities_create": created,
        "opportunities_update": updated,
        "opportunities_skip": skipped,
    }


PREVIEW_ROWS = 20


def _preview(run: Run, rows: DealRows) -> list[dict]:
    st = run.staging
    found = st.fetchall(
        "SELECT o.row_no, o.action, COALESCE(a.name, r.name), o.name, o.amount, o.close_date, "  # nosec B608
        "o.stage_id, o.owner_id FROM imp_opp o "
        "LEFT JOIN imp_ref r ON r.reference_id = o.reference_id "
        f"LEFT JOIN {Account._meta.db_table} a ON a.id = r.account_id "
        "ORDER BY o.row_no LIMIT %s",
        [PREVIEW_ROWS],
    )
    numbers = [r[0] for r in found]
    errors = row_errors(st, numbers)
    warnings = row_warnings(st, numbers)
    default_owner = rows.people.names.get(run.owner_id, "")
    out = []
    for row_no, action, account, name, amount, close_date, stage_id, owner_id in found:
        stage = rows.stages.by_id.get(stage_id)
        out.append(
            {
                "row": row_no,
                "action": "error" if row_no in errors else (action or "error"),
                "account": account or "",
                "name": name or "",
                "amount": "" if amount is None else str(amount),
                "close_date": "" if close_date is None else str(close_date),
                "stage": stage.name if stage is not None else "",
                "owner": rows.people.names.get(owner_id, "") if owner_id else default_owner,
                "errors": errors.get(row_no, []),
                "warnings": warnings.get(row_no, []),
            }
        )
    return out


def write(run: Run) -> None:
    run.report("writing", 90)
    try:
        with transaction.atomic():
            _update(run)
            _create(run)
    except IntegrityError as exc:
        # The checks ran under the lock: someone outside the imports wrote the same record id
        # (or deleted an account) meanwhile.
        raise ImportAborted("changed_meanwhile") from exc


def _create(run: Run) -> None:
    """New deals and their "created" history rows: two INSERT … SELECT over the staging
    tables; through the ORM (bulk_create, slower) when the models have columns these
    statements do not know and the database cannot fill (a field added since)."""
    deals = _deal_columns()
    changes = _change_columns()
    if deals is None or changes is None:
        _create_orm(run)
        return
    st = run.staging
    st.number_rows("imp_opp_new", "SELECT row_no FROM imp_opp WHERE action = 'create'", _DEALS)
    st.execute(
        f"INSERT INTO {_DEALS} ({', '.join(deals)}) "  # nosec B608
        f"SELECT {', '.join(deals.values())} FROM imp_opp o "
        "JOIN imp_opp_new n ON n.row_no = o.row_no "
        "JOIN imp_ref r ON r.reference_id = o.reference_id ORDER BY o.row_no",
        _PARAMS.build(run),
    )
    st.execute(
        f"INSERT INTO {_CHANGES} ({', '.join(changes)}) "  # nosec B608
        f"SELECT {', '.join(changes.values())} FROM imp_opp o "
        "JOIN imp_opp_new n ON n.row_no = o.row_no ORDER BY o.row_no",
        _PARAMS.build(run),
    )


_DEALS = Opportunity._meta.db_table
_CHANGES = OpportunityChange._meta.db_table


class _Params:
    """The named parameters of the INSERT statements."""

    def build(self, run: Run) -> dict:
        return {
            "owner": run.owner_id,
            "batch": run.batch.pk,
            "source": deal_source(run.table.headers, run.batch.mapping),
            "actor": run.actor.pk,
            "now": run.now_db,
            "zone": timezone.get_current_timezone_name(),
            "open": OPEN,
            "new": Opportunity.Kind.NEW.value,
            "pipeline": Opportunity.Category.PIPELINE.value,
            "other": Opportunity.Source.OTHER.value,
            "created": OpportunityChange.Kind.CREATED.value,
        }


_PARAMS = _Params()


def _covered(model, exprs: dict[str, str]) -> dict[str, str] | None:
    """`exprs` (column → SQL) when every other column of the model has a database default."""
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in exprs:
            continue
        if field.db_default is models.NOT_PROVIDED:
            return None
    return exprs


def _deal_columns() -> dict[str, str] | None:
    return _covered(
        Opportunity,
        {
            "id": "n.id",
            "account_id": "r.account_id",
            "name": "o.name",
            "kind": "COALESCE(o.kind, %(new)s)",
            "amount": "COALESCE(o.amount, 0)",
            "close_date": "o.close_date",
            "stage_id": "o.stage_id",
            "probability": "o.probability",
            "category": "COALESCE(o.category, %(pipeline)s)",
            "status": "o.status",
            "owner_id": "COALESCE(o.owner_id, %(owner)s)",
            "source": "COALESCE(o.lead_source, %(other)s)",
            "product_lines": "COALESCE(o.product_lines, '')",
            "competitors": "COALESCE(o.competitors, '')",
            "next_step": "COALESCE(o.next_step, '')",
            "next_step_date": "o.next_step_date",
            "next_step_commitment_id": "NULL",
            "loss_reason_id": "NULL",
            "close_note": "''",
            "closed_on": "CASE WHEN o.status = %(open)s THEN NULL ELSE o.close_date END",
            "description": "COALESCE(o.description, '')",
            "import_batch_id": "%(batch)s",
            "external_source": "CASE WHEN o.source_id IS NULL THEN '' ELSE %(source)s END",
            "external_id": "COALESCE(o.source_id, '')",
            "created_by_id": "%(actor)s",
            "created_at": "%(now)s",
            "updated_at": "%(now)s",
        },
    )


def _change_columns() -> dict[str, str] | None:
    return _covered(
        OpportunityChange,
        {
            "opportunity_id": "n.id",
            "kind": "%(created)s",
            # The file's "Create Date" at noon in the site's time zone (it stays on its day
            # wherever the team is), else the import's time.
            "changed_at": "COALESCE((o.created_on + TIME '12:00') AT TIME ZONE %(zone)s, %(now)s)",
            "changed_by_id": "%(actor)s",
            "stage_before_id": "NULL",
            "stage_after_id": "o.stage_id",
            "status_before": "''",
            "status_after": "o.status",
            "amount_before": "NULL",
            "amount_after": "COALESCE(o.amount, 0)",
            "close_date_before": "NULL",
            "close_date_after": "o.close_date",
        },
    )


def _create_orm(run: Run) -> None:
    source = deal_source(run.table.headers, run.batch.mapping)
    fields = ", ".join(f"o.{f}" for f in DEAL_COLUMNS)
    rows = run.staging.fetchall(
        f"SELECT r.account_id, {fields} FROM imp_opp o "  # nosec B608
        "JOIN imp_ref r ON r.reference_id = o.reference_id "
        "WHERE o.action = 'create' ORDER BY o.row_no"
    )
    now = run.now
    for start in range(0, len(rows), CREATE_CHUNK):
        chunk = rows[start : start + CREATE_CHUNK]
        deals = []
        created_at = []
        for account_id, *values in chunk:
            # A row to create has every required value (a missing one is an error).
            row = cast(Any, DealRow(*values))
            status = row.status or OPEN
            deals.append(
                Opportunity(
                    account_id=account_id,
                    name=row.name,
                    kind=row.kind or Opportunity.Kind.NEW,
                    amount=row.amount if row.amount is not None else Decimal(0),
                    close_date=row.close_date,
                    stage_id=row.stage_id,
                    probability=row.probability,
                    category=row.category or Opportunity.Category.PIPELINE,
                    status=status,
                    owner_id=row.owner_id or run.owner_id,
                    source=row.lead_source or Opportunity.Source.OTHER,
                    product_lines=row.product_lines or "",
                    competitors=row.competitors or "",
                    next_step=row.next_step or "",
                    next_step_date=row.next_step_date,
                    closed_on=None if status == OPEN else row.close_date,
                    description=row.description or "",
                    import_batch_id=run.batch.pk,
                    external_source=source if row.source_id else "",
                    external_id=row.source_id or "",
                    created_by=run.actor,
                )
            )
            created_at.append(_moment(row.created_on, now))
        Opportunity.objects.bulk_create(deals)
        OpportunityChange.objects.bulk_create(
            OpportunityChange(
                opportunity_id=deal.pk,
                kind=OpportunityChange.Kind.CREATED,
                changed_at=moment,
                changed_by=run.actor,
                stage_after_id=deal.stage_id,
                status_after=deal.status,
                amount_after=deal.amount,
                close_date_after=deal.close_date,
            )
            for deal, moment in zip(deals, created_at, strict=True)
        )


def _moment(day: datetime.date | str | None, now: datetime.datetime) -> datetime.datetime:
    """When an imported deal was created: its "Create Date" (noon, so that it stays on its
    day in every time zone of the team), else now."""
    if not day:
        return now
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _update(run: Run) -> None:
    st = run.staging
    deals = Opportunity._meta.db_table
    changes = OpportunityChange._meta.db_table
    images = ImportBeforeImage._meta.db_table
    batch_id = run.batch.pk
    st.execute(
        f"INSERT INTO {images} (batch_id, model, object_id, data) "  # nosec B608
        f"SELECT %s, %s, d.id, to_jsonb(d) FROM {deals} d "
        "JOIN imp_opp i ON i.opportunity_id = d.id WHERE i.action = 'update'",
        [batch_id, ImportBeforeImage.Model.OPPORTUNITY.value],
    )
    # The history row of each deal whose stage, amount or close date the file changes; its
    # id goes with the before-image, so that an undo deletes it with the change.
    st.execute(
        f"WITH c AS (INSERT INTO {changes} (opportunity_id, kind, changed_at, changed_by_id, "  # nosec B608
        "stage_before_id, stage_after_id, status_before, status_after, amount_before, "
        "amount_after, close_date_before, close_date_after) "
        "SELECT d.id, %s, %s, %s, d.stage_id, i.stage_id, d.status, i.status, d.amount, "
        "COALESCE(i.amount, d.amount), d.close_date, i.close_date "
        f"FROM {deals} d JOIN imp_opp i ON i.opportunity_id = d.id WHERE i.action = 'update' "
        "AND (d.stage_id <> i.stage_id OR d.amount <> COALESCE(i.amount, d.amount) "
        "OR d.close_date <> i.close_date) RETURNING id, opportunity_id) "
        f"UPDATE {images} b SET data = b.data || jsonb_build_object('import_change_id', c.id) "
        "FROM c WHERE b.batch_id = %s AND b.model = %s AND b.object_id = c.opportunity_id",
        [
            OpportunityChange.Kind.CHANGED.value,
            run.now_db,
            run.actor.pk,
            batch_id,
            ImportBeforeImage.Model.OPPORTUNITY.value,
        ],
    )
    optional = ", ".join(
        f"{column} = COALESCE(i.{staged}, d.{column})"
        for staged, column in _OPTIONAL_UPDATES.items()
    )
    st.execute(
        f"UPDATE {deals} d SET account_id = r.account_id, name = i.name, stage_id = i.stage_id, "  # nosec B608
        "status = i.status, close_date = i.close_date, "
        "closed_on = CASE WHEN i.status = %s THEN NULL WHEN d.status = i.status "
        "THEN COALESCE(d.closed_on, i.close_date) ELSE i.close_date END, "
        "loss_reason_id = CASE WHEN i.status = %s THEN d.loss_reason_id END, "
        f"{optional}, updated_at = %s "
        "FROM imp_opp i JOIN imp_ref r ON r.reference_id = i.reference_id "
        "WHERE i.action = 'update' AND d.id = i.opportunity_id",
        [OPEN, Opportunity.Status.LOST.value, run.now_db],
    )
