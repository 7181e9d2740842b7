"""The audit section of the customer card, and helpers to show audit entries."""

from django import template

from accounts.audit_selectors import account_audit_history
from core.audit_display import action_label, audit_rows, model_label

register = template.Library()

# The card shows the latest CARD_SHOWN entries; the rest, up to CARD_MAX, fold under "Show all".
CARD_SHOWN = 10
CARD_MAX = 100


@register.inclusion_tag("crm/_audit_card.html", takes_context=True)
def audit_card(context, account):
    user = context["request"].user
    history = account_audit_history(user, account.pk, limit=CARD_MAX)
    rows = audit_rows(history.entries) if history is not None else []
    return {
        "account": account,
        "rows": rows[:CARD_SHOWN],
        "more": rows[CARD_SHOWN:],
        "total": history.total if history is not None else 0,
        "capped": history is not None and history.total > CARD_MAX,
        "card_max": CARD_MAX,
        "user": user,
    }


@register.filter
def audit_model_name(label: str) -> str:
    """The model's verbose name for a label such as "accounts.Contact"."""
    return model_label(label)


@register.filter
def audit_action_name(action: str) -> str:
    """The label of an audit action code ("update" → "Changed")."""
    return action_label(action)
