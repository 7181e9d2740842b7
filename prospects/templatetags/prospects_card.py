"""The prospects section of the customer card.

`{% load prospects_card %}{% prospects_card account %}`
"""

from django import template

from prospects import selectors
from prospects.models import COLOUR_SHORT, MAX_TOTAL, Colour

register = template.Library()


@register.inclusion_tag("prospects/_card_section.html", takes_context=True)
def prospects_card(context, account):
    user = context.get("user") or getattr(context.get("request"), "user", None)
    prospect = selectors.prospect_for_account(account)
    status = None
    if user is not None and account.owner_id == user.pk:
        status = selectors.rep_pipeline_status(user)
    request = context.get("request")
    return {
        "account": account,
        "prospect": prospect,
        "worksheet": selectors.current_worksheet(account),
        "max_total": MAX_TOTAL,
        "needs_decision_maker": selectors.account_needs_decision_maker(account, prospect),
        "pipeline_status": status,
        "colour_buttons": [(value, COLOUR_SHORT[value]) for value in Colour.values],
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
