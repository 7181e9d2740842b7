"""Reads of visits, plans, touches and reminders.

Interface used by scoring (keep the name and shape): `visit_inputs_by_account`.
"""

import datetime

from django.db.models import F, IntegerField, QuerySet, Value
from django.db.models.functions import Cast

from accounts.models import Account


def visit_inputs_by_account(*, date_from: datetime.date, date_to: datetime.date) -> QuerySet:
    """One row per account with logged effort in [date_from, date_to]: dicts with
    `account_id`, `visit_count` (int), `hours` (decimal), `expenses` (decimal).

    Until the visit log exists this is empty (every account's input is zero).
    """
    return (
        Account.objects.none()
        .annotate(
            account_id=F("id"),
            visit_count=Value(0, output_field=IntegerField()),
            hours=Cast(Value(0), IntegerField()),
            expenses=Cast(Value(0), IntegerField()),
        )
        .values("account_id", "visit_count", "hours", "expenses")
    )
