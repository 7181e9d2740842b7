"""The customer card's section of contracts and receivables, loaded by name from the accounts
template (accounts is below receivables: no Python import goes upwards). The card has
checked that the account is visible."""

from django import template
from django.conf import settings
from django.utils import timezone

from receivables.selectors import account_receivables, entries_due_for

register = template.Library()


@register.inclusion_tag("receivables/_card_section.html")
def receivables_card(account):
    return {
        "account": account,
        "summary": account_receivables(account, timezone.localdate()),
        "currency": settings.CRM_CURRENCY,
    }


TODAY_ROWS = 20


@register.inclusion_tag("receivables/_today.html", takes_context=True)
def receivables_today(context, team=None):
    """Today's receivables: plan entries overdue or due within the week, of the contracts the
    user sees (a manager's chosen team: of its reps' contracts), oldest due first."""
    request = context.get("request")
    user = getattr(request, "user", None)
    today = timezone.localdate()
    if user is None or not user.is_authenticated:
        return {"entries": [], "more": 0, "today": today}
    entries = entries_due_for(user, today)
    if team is not None:
        entries = entries.filter(contract__owner__team=team)
    rows = list(entries[: TODAY_ROWS + 1])
    return {
        "entries": rows[:TODAY_ROWS],
        "more": len(rows) > TODAY_ROWS,
        "today": today,
        "currency": settings.CRM_CURRENCY,
    }
