"""Reads of prospects and worksheets.

Interfaces used by scoring and visits (keep names and shapes):
`latest_worksheet_totals` and `abandoned_account_ids`.
"""

from django.db.models import F, IntegerField, QuerySet, Value

from accounts.models import Account


def latest_worksheet_totals() -> QuerySet:
    """Dicts `account_id`, `total` (0–7) of each account's latest worksheet.

    Until worksheets exist this is empty.
    """
    return (
        Account.objects.none()
        .annotate(account_id=F("id"), total=Value(0, output_field=IntegerField()))
        .values("account_id", "total")
    )


def abandoned_account_ids() -> QuerySet:
    """Ids of accounts whose prospect decision is "abandon" (they get no visit plans)."""
    return Account.objects.none().values_list("id", flat=True)
