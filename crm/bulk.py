"""Bulk writes for big loads: COPY on PostgreSQL, batched bulk_create elsewhere."""

import io
from collections.abc import Iterable, Sequence

from django.db import connection, models

_FLUSH_ROWS = 50_000


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert `rows` (tuples in `columns` order) into `model`'s table as fast as the database
    allows, streaming: memory stays flat however many rows come. When `id` is among the
    columns, the id sequence is moved past the highest id afterwards."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        with connection.cursor() as cursor:
            # Table and column names come from our own models, never from input.
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for i, row in enumerate(rows, 1):
                    buffer.write("\t".join(_copy_text(v) for v in row))
                    buffer.write("\n")
                    if i % _FLUSH_ROWS == 0:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                copy.write(buffer.getvalue())
            if "id" in columns:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec B608
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
        return
    batch = []
    for row in rows:
        batch.append(model(**dict(zip(columns, row, strict=True))))
        if len(batch) >= 5000:
            model.objects.bulk_create(batch)
            batch = []
    model.objects.bulk_create(batch)
