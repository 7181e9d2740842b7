"""A small SQL expression the ORM lacks: date + n days."""

from django.db.models import DateField, Func, IntegerField, Value


class AddDays(Func):
    """`expression + days` as a date (days: an int or an integer expression)."""

    template = "(%(expressions)s)::date"
    arg_joiner = " + "
    output_field = DateField()

    def __init__(self, expression, days, **extra):
        if isinstance(days, int):
            days = Value(days, output_field=IntegerField())
        super().__init__(expression, days, **extra)
