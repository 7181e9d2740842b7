"""Undo of a batch, set-based: what the batch created is deleted and what it updated is put
back from its before-images, with a few SQL statements per chunk of rows and no row ever
loaded into Python, so time grows with the rows and memory does not.

Deleting a row deletes (or nulls) what points at it exactly as Django's `on_delete` says:
the statements are derived from the models (`delete_statements`), children first, so that
an account added to since the import goes with its visits, plans, worksheets and reminders,
as the ORM's delete did. Relations that Django cannot follow in SQL (a PROTECT or RESTRICT
that has rows, delete signals, generic relations) stop the undo with an error rather than
leave something behind.

The caller holds the transaction (one for the whole undo: killed at any point, nothing of
it is kept) and the import locks. The foreign-key checks that PostgreSQL makes for every
deleted row are most of the undo's time; they run at the end of each statement (SET
CONSTRAINTS ALL IMMEDIATE, about a quarter faster than all at commit, and the server keeps no
queue of them), and an error names the step that caused it.
"""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

import contextlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import cast

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import signals
from django.db.models.deletion import get_candidate_relations_to_delete
from django.db.models.fields.reverse_related import ForeignObjectRel

from accounts.models import Account, Contact, Order
from imports.engine.staging import Progress, Staging
from imports.models import ImportBatch, ImportBeforeImage
from imports.registry import import_kind

# Columns an import never writes, kept by other services: the undo leaves them as they are
# now, not as they were before the import (a visit logged since then stays the last visit).
NOT_RESTORED = {(Account, "last_visit_date")}

# Rows per chunk: each chunk is a handful of statements whose foreign-key checks run before
# the next; 20k keeps a chunk to a few seconds (the progress bar moves) and the number of
# statements small.
CHUNK_ROWS = 20_000
MAX_DEPTH = 6  # relations followed from a deleted row (a cycle would never end)
KEY_DETAIL = re.compile(r"^Key \((?P<column>\w+)\)=\((?P<value>.*)\) ")


class UndoRefused(Exception):
    """Rows that may not be deleted (a PROTECT or RESTRICT relation) point at the batch's
    rows: nothing is undone."""

    def __init__(self, model: type[models.Model], related: type[models.Model]):
        super().__init__(f"{related._meta.label} protects {model._meta.label}")
        self.model = model
        self.related = related


class UndoConflict(Exception):
    """A row the batch updated cannot be put back as it was: another row now holds one of
    its unique values, or a row it pointed at is gone. Nothing is undone."""

    def __init__(self, model: type[models.Model], object_id: int, name: str, field, value: str):
        super().__init__(f"{model._meta.label} #{object_id}: {field.name} {value}")
        self.model = model
        self.object_id = object_id
        self.name = name
        self.field = field
        self.value = value

    @property
    def unique(self) -> bool:
        return not self.field.is_relation


@dataclass(frozen=True)
class Statement:
    """One statement of a set-based delete. `sql` has one `{ids}` placeholder: a SELECT of
    the ids being deleted, all between the parameters `%(lo)s` and `%(hi)s` (that range on
    the key and on the columns that point at it lets each chunk read an index range instead
    of the whole table). `table` and `kind` ("delete", "null", "refuse") name what it does; a
    "refuse" statement is a SELECT that finds a row which may not go."""

    kind: str
    table: str
    sql: str
    model: type[models.Model]
    related: type[models.Model] | None = None


def delete_statements(model: type[models.Model]) -> list[Statement]:
    """The statements that delete rows of `model` (by id) as `Model.delete()` would, with
    every row its relations' `on_delete` deletes or nulls, children first."""
    return _statements(model, _in_range(_column(model._meta.pk)), "{ids}", depth=0)


def _relations_to_delete(model: type[models.Model]) -> Iterable[ForeignObjectRel]:
    # Django yields the reverse relations; django-stubs type them as plain fields.
    return cast(Iterable[ForeignObjectRel], get_candidate_relations_to_delete(model._meta))


def _column(field: models.Field) -> str:
    """The column of a field the undo follows (each has one; ForeignObject may have none)."""
    if field.column is None:
        raise ImproperlyConfigured(f"{field}: a relation without a column cannot be undone")
    return field.column


def _in_range(column: str) -> str:
    return f"{column} BETWEEN %(lo)s AND %(hi)s AND {column} IN ({{ids}})"


def _statements(model: type[models.Model], where: str, ids: str, *, depth: int) -> list[Statement]:
    """Statements deleting the rows of `model` that match `where`, whose ids `ids` selects
    ("{ids}" itself for the rows asked for, whose key lies between lo and hi)."""
    if depth > MAX_DEPTH:
        raise ImproperlyConfigured(f"{model._meta.label}: relations nested too deep to undo")
    _check_plain(model)
    table = model._meta.db_table
    out: list[Statement] = []
    for rel in _relations_to_delete(model):
        related = rel.related_model
        column = _column(rel.field)
        related_table = related._meta.db_table
        related_pk = related._meta.pk.column
        on_delete = rel.on_delete
        child_where = _in_range(column) if ids == "{ids}" else f"{column} IN ({ids})"
        if on_delete is models.CASCADE:
            child_ids = f"SELECT {related_pk} FROM {related_table} WHERE {child_where}"  # nosec B608
            out += _statements(related, child_where, child_ids, depth=depth + 1)
        elif on_delete is models.SET_NULL:
            sql = f"UPDATE {related_table} SET {column} = NULL WHERE {child_where}"  # nosec B608
            out.append(Statement("null", related_table, sql, related))
        elif on_delete in (models.PROTECT, models.RESTRICT):
            sql = f"SELECT 1 FROM {related_table} WHERE {child_where} LIMIT 1"  # nosec B608
            out.append(Statement("refuse", related_table, sql, model, related))
        elif on_delete is not models.DO_NOTHING:
            raise ImproperlyConfigured(
                f"{related._meta.label}.{rel.field.name}: on_delete "
                f"{getattr(on_delete, '__name__', on_delete)} is not supported by the undo"
            )
    sql = f"DELETE FROM {table} WHERE {where}"  # nosec B608
    out.append(Statement("delete", table, sql, model))
    return out


def _check_plain(model: type[models.Model]) -> None:
    """The ORM would run code for these rows that SQL cannot: refuse to skip it."""
    for signal in (signals.pre_delete, signals.post_delete):
        if signal.has_listeners(model):
            raise ImproperlyConfigured(
                f"{model._meta.label} has delete signal receivers: the undo cannot delete it in SQL"
            )
    if any(isinstance(f, GenericRelation) for f in model._meta.private_fields):
        raise ImproperlyConfigured(
            f"{model._meta.label} has a generic relation: the undo cannot delete it in SQL"
        )


@dataclass
class UndoResult:
    deleted: Counter = field(default_factory=Counter)  # table -> rows deleted
    restored: Counter = field(default_factory=Counter)  # "account"/"contact" -> rows put back

    @property
    def summary(self) -> dict[str, int]:
        return {
            "deleted": sum(self.deleted.values()),
            "accounts_deleted": self.deleted[Account._meta.db_table],
            "contacts_deleted": self.deleted[Contact._meta.db_table],
            "orders_deleted": self.deleted[Order._meta.db_table],
            "restored": sum(self.restored.values()),
            "accounts_restored": self.restored["account"],
            "contacts_restored": self.restored["contact"],
        }


# Phases of an undo, in order, as the batch's `phase` shows them.
PHASE_WAITING = "undo_waiting"  # for the import locks (another import or undo runs)
PHASE_ORDERS = "undo_orders"
PHASE_CONTACTS = "undo_contacts"
PHASE_RESTORE = "undo_restore"
PHASE_ACCOUNTS = "undo_accounts"


def _cost(model: type[models.Model]) -> int:
    """Relative cost of deleting a row, for the progress bar: the server's foreign-key checks
    (two lookups for each constraint that points at the row) are most of it."""
    checked = sum(
        1 for rel in _relations_to_delete(model) if getattr(rel.field, "db_constraint", False)
    )
    return 1 + 2 * checked


@dataclass
class Step:
    """One step of an undo: `rows` numbered rows, done in chunks by `work(first, last)`."""

    phase: str
    rows: int
    weight: int  # relative cost of a row, for the progress bar
    work: Callable[[int, int], None]  # (first n, last n) of a chunk


_Step = Step
cost = _cost


class Undo:
    """One undo run over `batch` on the current connection (see the module's docstring)."""

    def __init__(self, batch: ImportBatch, *, progress: Progress, rows_read: int = 0):
        self.batch = batch
        self.progress = progress
        self.rows_read = rows_read
        self.staging = Staging()
        self.result = UndoResult()
        self._done = 0
        self._total = 0

    def run(self) -> UndoResult:
        st = self.staging
        try:
            st.prepare()
            st.tune()
            # Children are deleted before their parents, so every statement leaves the
            # foreign keys satisfied. Django's constraints are all DEFERRABLE INITIALLY
            # DEFERRED: the finally clause puts that back for the rest of the transaction.
            st.execute("SET CONSTRAINTS ALL IMMEDIATE")
            steps = self._plan()
            self._total = sum(s.rows * s.weight for s in steps) or 1
            for step in steps:
                self._report(step.phase, force=True)
                for first in range(1, step.rows + 1, CHUNK_ROWS):
                    last = min(first + CHUNK_ROWS - 1, step.rows)
                    step.work(first, last)
                    self._done += (last - first + 1) * step.weight
                    self._report(step.phase)
            return self.result
        finally:
            # After a failed statement the transaction only rolls back, and that undoes both.
            with contextlib.suppress(DatabaseError):
                st.execute("SET CONSTRAINTS ALL DEFERRED")
                st.drop()

    def _report(self, phase: str, *, force: bool = False) -> None:
        # 99 at most: the batch says 100 (undone) when the transaction has committed.
        percent = min(99, 100 * self._done // self._total)
        self.progress.report(phase, percent, self.rows_read, force=force)

    def _plan(self) -> list[_Step]:
        """Number the rows of each step (temp tables of ids, so that a chunk is a range of
        numbers and the batch's rows are found once)."""
        batch_id = self.batch.pk
        in_batch = "import_batch_id = %s"
        orders = self._number("undo_ord", Order._meta.db_table, in_batch, [batch_id])
        contacts = self._number("undo_con", Contact._meta.db_table, in_batch, [batch_id])
        accounts = self._number("undo_acc", Account._meta.db_table, in_batch, [batch_id])
        images = {}
        for model in ("contact", "account"):
            images[model] = self._number(
                f"undo_img_{model}",
                ImportBeforeImage._meta.db_table,
                "batch_id = %s AND model = %s",
                [batch_id, model],
                column="object_id",
            )
        registered = import_kind(self.batch.kind)
        extra = registered.undo_steps(self) if registered is not None else []
        self.staging.build_indexes()
        self.staging.analyze()
        return [
            *extra,
            _Step(PHASE_ORDERS, orders, _cost(Order), self._deleter(Order, "undo_ord")),
            _Step(PHASE_CONTACTS, contacts, _cost(Contact), self._deleter(Contact, "undo_con")),
            _Step(PHASE_RESTORE, images["contact"], 5, self._restorer(Contact, "contact")),
            _Step(PHASE_RESTORE, images["account"], 5, self._restorer(Account, "account")),
            _Step(PHASE_ACCOUNTS, accounts, _cost(Account), self._deleter(Account, "undo_acc")),
        ]

    # For the undo steps of registered kinds (imports.registry): number the rows of a
    # table, delete them as Django would, put them back from the batch's before-images.
    def number(self, name: str, table: str, where: str, params: list, *, column: str = "id") -> int:
        return self._number(name, table, where, params, column=column)

    def deleter(self, model: type[models.Model], numbered: str) -> Callable[[int, int], None]:
        return self._deleter(model, numbered)

    def restorer(self, model: type[models.Model], name: str) -> Callable[[int, int], None]:
        return self._restorer(model, name)

    def _number(
        self, name: str, table: str, where: str, params: list, *, column: str = "id"
    ) -> int:
        st = self.staging
        st.create(name, "n bigint NOT NULL, id bigint NOT NULL", unique="n", after_load=True)
        return st.execute(
            f"INSERT INTO {name} (n, id) SELECT row_number() OVER (ORDER BY {column}), "  # nosec B608
            f"{column} FROM {table} WHERE {where}",
            params,
        )

    def _range(self, numbered: str, first: int, last: int) -> dict[str, int]:
        """A chunk: rows `first` to `last` of a numbered table, and their lowest and highest
        ids (numbered in id order, so chunks never overlap)."""
        lo, hi = self.staging.fetchone(
            f"SELECT min(id), max(id) FROM {numbered} WHERE n BETWEEN %s AND %s",  # nosec B608
            [first, last],
        )
        return {"first": first, "last": last, "lo": lo, "hi": hi}

    def _deleter(self, model: type[models.Model], numbered: str) -> Callable[[int, int], None]:
        statements = delete_statements(model)
        ids = f"SELECT id FROM {numbered} WHERE n BETWEEN %(first)s AND %(last)s"  # nosec B608

        def work(first: int, last: int) -> None:
            params = self._range(numbered, first, last)
            for statement in statements:
                sql = statement.sql.format(ids=ids)
                if statement.kind == "refuse":
                    if self.staging.fetchone(sql, params):
                        # A "refuse" statement always names the related model.
                        related = cast(type[models.Model], statement.related)
                        raise UndoRefused(statement.model, related)
                    continue
                count = self.staging.execute(sql, params)
                if statement.kind == "delete":
                    self.result.deleted[statement.table] += count

        return work

    def _restorer(self, model: type[models.Model], name: str) -> Callable[[int, int], None]:
        """Put the rows back exactly as their before-images hold them (every column)."""
        table = model._meta.db_table
        columns = [
            _column(f)
            for f in model._meta.concrete_fields
            if f.column != "id" and (model, f.name) not in NOT_RESTORED
        ]
        sets = ", ".join(columns)
        values = ", ".join(f"r.{c}" for c in columns)
        sql = (
            f"UPDATE {table} SET ({sets}) = ({values}) "  # nosec B608
            f"FROM undo_img_{name} u JOIN {ImportBeforeImage._meta.db_table} b "
            "ON b.batch_id = %(batch)s AND b.model = %(model)s AND b.object_id = u.id, "
            f"jsonb_populate_record(NULL::{table}, b.data) r "
            f"WHERE u.n BETWEEN %(first)s AND %(last)s AND {table}.id = u.id "
            f"AND {table}.id BETWEEN %(lo)s AND %(hi)s"
        )

        def work(first: int, last: int) -> None:
            params = {"batch": self.batch.pk, "model": name}
            params.update(self._range(f"undo_img_{name}", first, last))
            try:
                with transaction.atomic():  # a row that cannot go back: find out which
                    self.result.restored[name] += self.staging.execute(sql, params)
            except IntegrityError as exc:
                conflict = self._conflict(model, name, exc)
                if conflict is None:
                    raise
                raise conflict from exc

        return work

    def _conflict(
        self, model: type[models.Model], name: str, exc: IntegrityError
    ) -> UndoConflict | None:
        """Which row cannot be put back and why, from the server's "Key (column)=(value)"
        detail; None when it says nothing usable."""
        detail = getattr(getattr(exc.__cause__, "diag", None), "message_detail", "") or ""
        found = KEY_DETAIL.search(detail)
        by_column = {f.column: f for f in model._meta.concrete_fields}
        if not found or found["column"] not in by_column:
            return None
        column, value = found["column"], found["value"]
        row = self.staging.fetchone(
            f"SELECT object_id, data->>'name' FROM {ImportBeforeImage._meta.db_table} "  # nosec B608
            "WHERE batch_id = %s AND model = %s AND data->>%s = %s ORDER BY object_id LIMIT 1",
            [self.batch.pk, name, column, value],
        )
        if row is None:
            return None
        return UndoConflict(model, row[0], row[1] or "", by_column[column], value)
