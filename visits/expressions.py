"""A small SQL expression the ORM lacks: date + n days, on PostgreSQL and SQLite."""

from django.db.models import DateField, Func, IntegerField, Value


class AddDays(Func):
    """`expression + days` as a date (days: an int or an integer expression)."""

    output_field = DateField()

    def __init__(self, expression, days, **extra):
        if isinstance(days, int):
            days = Value(days, output_field=IntegerField())
        super().__init__(expression, days, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)::date", arg_joiner=" + ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="date(%(expressions)s || ' days')",
            arg_joiner=", '+' || ",
            **extra,
        )
