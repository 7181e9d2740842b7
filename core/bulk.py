"""Bulk writes for big loads: one COPY per call."""

from collections.abc import Iterable, Sequence

from django.db import connection, models
from psycopg.types.json import Jsonb


def _json_columns(model: type[models.Model], columns: Sequence[str]) -> list[int]:
    by_column = {f.column: f for f in model._meta.concrete_fields}
    by_column.update({f.name: f for f in model._meta.concrete_fields})
    return [
        i for i, column in enumerate(columns) if isinstance(by_column.get(column), models.JSONField)
    ]


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert `rows` (tuples in `columns` order) into `model`'s table with COPY, streaming:
    memory stays flat however many rows come.

    Values are Python values (str, int, Decimal, date, datetime, None; dicts and lists for
    JSON columns) or strings in PostgreSQL's input format (e.g. "2026-01-01 00:00:00+00").
    When `id` is among the columns, the id sequence is moved past the highest id afterwards.
    """
    table = model._meta.db_table
    json_at = _json_columns(model, columns)
    with connection.cursor() as cursor:
        # Table and column names come from our own models, never from input.
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            # write_row escapes in C (psycopg's binary build) and buffers for us.
            if not json_at:
                for row in rows:
                    copy.write_row(row)
            else:
                for row in rows:
                    row = list(row)
                    for i in json_at:
                        if row[i] is not None:
                            row[i] = Jsonb(row[i])
                    copy.write_row(row)
        if "id" in columns:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec B608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
