"""Temporary staging tables and the session settings of an import run.

Rows are cleaned in Python while the file streams and copied into TEMP tables as they come
(COPY); everything after that is set-based SQL. Temp tables belong to the connection and are
dropped at the end of the run.
"""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

import contextlib
import os
import queue
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

PROFILE = bool(os.environ.get("CRM_IMPORT_PROFILE"))
STAGING_STATISTICS = 20  # default_statistics_target of ANALYZE on staging tables
TEMP_BUFFERS = "256MB"  # an upper bound: a session takes only what its temp tables use


class Staging:
    """Creates, fills and drops the run's temp tables on the current connection."""

    def __init__(self):
        self.tables: list[str] = []
        self._after_load: list[str] = []

    def execute(self, sql: str, params: Sequence | dict | None = None) -> int:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if PROFILE:
                print(f"{time.perf_counter() - started:8.3f}s {sql[:150]}", file=sys.stderr)
            return cursor.rowcount

    def fetchall(self, sql: str, params: Sequence | dict | None = None) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def fetchone(self, sql: str, params: Sequence | dict | None = None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def create(
        self,
        name: str,
        columns: str,
        *,
        unique: str = "",
        indexes: Iterable[str] = (),
        after_load: bool = False,
    ) -> None:
        """A temp table with a unique index on `unique` and plain ones on `indexes`; with
        after_load, the indexes are built by build_indexes() once the table is filled (one
        sort each instead of an index insertion per copied row)."""
        self.execute(f"DROP TABLE IF EXISTS {name}")
        self.execute(f"CREATE TEMP TABLE {name} ({columns})")
        ddl = [f"CREATE UNIQUE INDEX {name}_key ON {name} ({unique})"] if unique else []
        ddl += [f"CREATE INDEX {name}_i{i} ON {name} ({index})" for i, index in enumerate(indexes)]
        if after_load:
            self._after_load += ddl
        else:
            for statement in ddl:
                self.execute(statement)
        self.tables.append(name)

    def build_indexes(self) -> None:
        for statement in self._after_load:
            self.execute(statement)
        self._after_load = []

    @contextlib.contextmanager
    def writer(self, name: str, columns: Sequence[str]) -> Iterator["RowWriter"]:
        """A RowWriter that streams rows into a staging table with one COPY while the caller
        is still producing them."""
        # A savepoint, so that an error raised while the COPY is open (the file turns out
        # unreadable halfway) leaves the transaction usable and the error itself reaches the
        # caller.
        with transaction.atomic(), connection.cursor() as cursor:
            sql = f"COPY {name} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                yield RowWriter(copy)

    def load(self, name: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        if not rows:
            return
        with self.writer(name, columns) as writer:
            writer.write_rows(rows)

    def analyze(self, columns: dict[str, str] | None = None) -> None:
        """Statistics for the staging tables (autovacuum never analyses temp tables, and
        without them the planner guesses); `columns` limits a table to the columns that
        joins and filters use, which is about half the work."""
        # A small sample is enough for the joins on keys and the filters on a few flags that
        # the checks run, and takes a fifth of the default's time (0.1 s per 100k staged
        # rows); the statistics of other tables are not touched.
        self.execute(f"SET LOCAL default_statistics_target = {STAGING_STATISTICS}")
        for name in self.tables:
            listed = (columns or {}).get(name)
            self.execute(f"ANALYZE {name} ({listed})" if listed else f"ANALYZE {name}")
        self.execute("SET LOCAL default_statistics_target TO DEFAULT")

    def drop(self) -> None:
        for name in reversed(self.tables):
            self.execute(f"DROP TABLE IF EXISTS {name}")
        self.tables = []

    def lock(self, key: str) -> None:
        """Serialise imports of one kind: each waits for the other to commit, then matches
        against what it wrote, so two imports of one file never create duplicates."""
        self.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"crm.imports.{key}"])

    def prepare(self) -> None:
        """Session settings for a run, before its first temp table: with PostgreSQL's
        default 8 MB of temp_buffers, staging tables of a big file do not fit and every
        statement over them writes and reads them back through the kernel. The buffers are
        taken only as needed (about 150 MB for a million order lines) and kept until the
        connection closes; the setting can change only before the session's first temp table
        (an error otherwise, hence the savepoint: the run then goes on as it is)."""
        try:
            with transaction.atomic():
                self.execute("SET LOCAL temp_buffers = %s", [TEMP_BUFFERS])
        except DatabaseError:
            pass

    def tune(self, tables: Sequence[str] = ()) -> None:
        # Sorts and hashes over a million staged rows stay in memory; JIT compilation costs
        # more than it saves on statements that each run once.
        self.execute("SET LOCAL work_mem = '256MB'")
        self.execute("SET LOCAL jit = off")
        # A table never analysed (e.g. right after a big load, before autovacuum came by)
        # makes the planner pick nested loops over a million rows: analyse it first.
        for table in tables:
            never = self.fetchone(
                "SELECT reltuples < 0 FROM pg_class WHERE oid = %s::regclass", [table]
            )
            if never and never[0]:
                self.execute(f"ANALYZE {table}")

    def assign_ids(self, staging_table: str, id_column: str, where: str, target: str) -> None:
        """Give the rows to be inserted into `target` their ids now (so that no join back
        is needed to find them), from the table's sequence."""
        self.execute(
            f"UPDATE {staging_table} SET {id_column} = "  # nosec B608
            f"nextval(pg_get_serial_sequence('{target}', 'id')) WHERE {where}"
        )

    def number_rows(self, name: str, rows_sql: str, target: str) -> int:
        """A narrow table `name` (row_no, id) giving each staged row of `rows_sql` (a SELECT
        of row_no) the id it will have in `target`, in row order, from the table's sequence.
        Returns the number of rows."""
        self.create(name, "row_no integer PRIMARY KEY, id bigint NOT NULL")
        sequence = self.fetchone("SELECT pg_get_serial_sequence(%s, 'id')", [target])[0]
        return self.execute(
            f"INSERT INTO {name} (row_no, id) SELECT row_no, nextval(%s::regclass) "  # nosec B608
            f"FROM ({rows_sql}) r ORDER BY row_no",
            [sequence],
        )

    @staticmethod
    def phone_key_sql(column: str) -> str:
        """SQL for cleaning.phone_key on a stored phone (without its minimum length: the keys
        it is compared with are at least that long). A chain of replace() calls: most phones
        hold none of these characters, and a replace() that finds nothing costs less than one
        translate() (which looks up every character of the phone in a multibyte list)."""
        x = column
        for ch in (" ", "-", "(", ")", "+", ".", "\u3000", "（", "）"):
            x = f"replace({x}, '{ch}', '')"
        return (
            f"(CASE WHEN length({x}) = 13 AND substr({x}, 1, 2) = '86' "
            f"THEN substr({x}, 3) ELSE {x} END)"
        )


class RowWriter:
    """`write_row(values)`: into psycopg's COPY, which formats str, int and None in C (the
    callers pass dates and numbers as text where they can: adapting those objects costs more
    than cleaning them)."""

    def __init__(self, copy):
        self.write_row = copy.write_row

    def write_rows(self, rows: Iterable[Sequence]) -> None:
        for row in rows:
            self.write_row(row)


class Progress:
    """Writes a batch's progress from a helper thread, on that thread's own connection, so
    other sessions see it while the import's transaction is still open. The thread also
    writes a heartbeat every few seconds while the process lives, reports or not: a run silent
    for CRM_IMPORT_STALE_SECONDS has died (ImportBatch.objects.stale())."""

    def __init__(self, batch_id: int, *, enabled: bool):
        self.batch_id = batch_id
        self.enabled = enabled
        self.beat_every = max(0.2, min(60.0, settings.CRM_IMPORT_STALE_SECONDS / 5))
        self._queue: queue.Queue = queue.Queue()
        self._last = 0.0
        self._thread = None
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="import-progress", daemon=True)
            self._thread.start()

    def report(self, phase: str, percent: int, rows_read: int, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if force or now - self._last >= 0.3:
            self._last = now
            self._queue.put((phase, max(0, min(int(percent), 100)), rows_read))

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        from imports.models import ImportBatch

        try:
            stop = False
            while not stop:
                try:
                    latest = self._queue.get(timeout=self.beat_every)
                except queue.Empty:
                    latest = ()  # nothing new to show: a heartbeat only
                stop = latest is None
                while not self._queue.empty():  # only the newest report matters
                    item = self._queue.get()
                    if item is None:
                        stop = True
                    else:
                        latest = item
                if latest:
                    phase, percent, rows_read = latest
                    ImportBatch.objects.filter(pk=self.batch_id).update(
                        phase=phase,
                        progress=percent,
                        rows_read=rows_read,
                        heartbeat_at=timezone.now(),
                    )
                elif latest is not None:
                    ImportBatch.objects.filter(pk=self.batch_id).update(heartbeat_at=timezone.now())
        finally:
            connection.close()
            close_old_connections()
