"""Reads of the audit trail, through the visibility rule.

Entries about an account (`account_id` set) are visible to whoever may see that account; entries
about no account (settings, users, imports as a whole) only to admins.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import QuerySet

from accounts.filters import AuditEntryFilter, audit_page_filter
from accounts.selectors import account_get_visible, accounts_visible_to
from core.models import AuditEntry


def audit_entries_visible_to(user) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.select_related("actor")
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_admin:
        return qs
    return qs.filter(account_id__in=accounts_visible_to(user).values("pk"))


def audit_entry_list(user, *, filters=None) -> AuditEntryFilter:
    """The admin's full audit page: every entry, filtered (django-filter; the account through
    its type-ahead picker) and newest first."""
    return audit_page_filter(user, filters, queryset=audit_entries_visible_to(user))


def account_audit_entries(user, account_id: int, *, limit: int = 10) -> list[AuditEntry] | None:
    """The latest entries about one account, for its card (None if `user` may not see it)."""
    history = account_audit_history(user, account_id, limit=limit)
    return history.entries if history is not None else None


@dataclass(frozen=True)
class AccountAuditHistory:
    entries: list[AuditEntry]  # the latest `limit`, newest first
    total: int  # how many there are in all


def account_audit_history(user, account_id: int, *, limit: int) -> AccountAuditHistory | None:
    """The latest `limit` entries about one account and their total (None if `user` may not
    see the account); the total is counted only when there are more than `limit`."""
    account = account_get_visible(user, account_id)
    if account is None:
        return None
    about = audit_entries_visible_to(user).filter(account_id=account.pk)
    entries = list(about.order_by("-created_at", "-id")[: limit + 1])
    if len(entries) <= limit:
        return AccountAuditHistory(entries=entries, total=len(entries))
    return AccountAuditHistory(entries=entries[:limit], total=about.count())


PROJECT_APPS = {"core", "crm", "accounts", "imports", "prospects", "visits", "scoring"}


def audit_models() -> list[str]:
    """Labels of the project's models, for the filter menu (no DISTINCT over a big trail)."""
    return sorted(
        model._meta.label for model in apps.get_models() if model._meta.app_label in PROJECT_APPS
    )
