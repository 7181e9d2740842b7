"""What PostgreSQL would do with a queryset: for tests that an index serves a query."""

from django.db import connection


def plan_of(queryset) -> str:
    """EXPLAIN of the queryset with sequential scans discouraged, so that a usable index shows
    up even on the few rows of a test database."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())
