"""Reads of the health app. Every function takes accounts the caller narrowed through the
one visibility rule (accounts.selectors), or narrows them itself."""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import Account
from health.models import HealthSettings, HealthSnapshot


def latest_score(account_ref: str = "account_id") -> Subquery:
    """The account's latest health score (`account_ref` names it in the outer query)."""
    return Subquery(
        HealthSnapshot.objects.filter(account_id=OuterRef(account_ref))
        .order_by("-day")
        .values("score")[:1]
    )


def account_health_history(*, account: Account, limit: int = 14) -> list[HealthSnapshot]:
    """The account's latest `limit` days of health, newest first. For the customer card,
    whose view has already checked that the user sees the account."""
    return list(HealthSnapshot.objects.filter(account_id=account.pk).order_by("-day")[:limit])


def health_settings() -> HealthSettings:
    return HealthSettings.load()


def snapshots_of_day(accounts: QuerySet[Account], day: datetime.date) -> QuerySet[HealthSnapshot]:
    return HealthSnapshot.objects.filter(day=day, account_id__in=accounts.values("pk"))
