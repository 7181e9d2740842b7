"""The audit section of the customer card, and helpers to show audit entries."""

from django import template
from django.apps import apps

from accounts.audit_selectors import account_audit_entries

register = template.Library()


@register.inclusion_tag("crm/_audit_card.html", takes_context=True)
def audit_card(context, account):
    user = context["request"].user
    return {
        "account": account,
        "entries": account_audit_entries(user, account.pk) or [],
        "user": user,
    }


@register.filter
def audit_changes(entry) -> list[tuple[str, object, object]]:
    """(field, old, new) for each changed field, in the order they were recorded."""
    rows = []
    for field, values in (entry.changes or {}).items():
        if field == "_extra" or not isinstance(values, list) or len(values) != 2:
            continue
        rows.append((field, values[0], values[1]))
    return rows


@register.filter
def audit_model_name(label: str) -> str:
    """The model's verbose name for a label such as "accounts.Contact"."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label
