"""INSERT … SELECT … ON CONFLICT DO NOTHING from an ORM queryset.

The queryset selects only annotations, named and ordered like the target columns; the
database does the work in one statement, rows already there are skipped by their unique
constraint, and the number of rows inserted is returned.
"""

from django.db import connection, models
from django.db.models import QuerySet


def insert_select(model: type[models.Model], columns: list[str], queryset: QuerySet) -> int:
    aliases = [f"x_{c}" for c in columns]
    qs = queryset.order_by().values(*aliases)
    sql, params = qs.query.sql_with_params()
    table = model._meta.db_table
    # Table and column names come from our models; values travel as parameters.
    statement = f"INSERT INTO {table} ({', '.join(columns)}) {sql} ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)
