"""Sections of deals in lower apps' pages, which load these tags by name (accounts and visits
are below opportunities: no Python import goes upwards).

`{% load opportunities_tags %}{% opportunities_card account %}`: the customer card's open deals
with "New deal"; `{% opportunities_checklist account in_book %}`: the pre-visit checklist's
"chances listed" item, the account's open deals beside it."""

from django import template
from django.utils import timezone

from opportunities.selectors import account_open_opportunities, opportunity_totals

register = template.Library()

CARD_ROWS = 20


def _open_deals(context, account) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return {"deals": [], "totals": None, "more": 0}
    deals = account_open_opportunities(user, account.pk)
    totals = opportunity_totals(deals)
    rows = list(deals[:CARD_ROWS])
    return {"deals": rows, "totals": totals, "more": max(totals.count - len(rows), 0)}


@register.inclusion_tag("opportunities/_card_section.html", takes_context=True)
def opportunities_card(context, account):
    request = context.get("request")
    return {
        "account": account,
        "request": request,
        "today": timezone.localdate(),
        "next": request.get_full_path() if request is not None else "",
        **_open_deals(context, account),
    }


@register.inclusion_tag("opportunities/_checklist_deals.html", takes_context=True)
def opportunities_checklist(context, account, in_book=True):
    return {
        "account": account,
        "in_book": in_book,
        "today": timezone.localdate(),
        **_open_deals(context, account),
    }
