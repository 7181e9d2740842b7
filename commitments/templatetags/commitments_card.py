"""`{% load commitments_card %}{% commitments_card account %}`: the customer card's
commitments section (the card's view is in accounts, below commitments: the card's template
loads this tag, so no Python import goes upwards)."""

from django import template
from django.utils import timezone

from commitments.selectors import account_open_commitments

register = template.Library()


@register.inclusion_tag("commitments/_card_section.html", takes_context=True)
def commitments_card(context, account):
    request = context.get("request")
    return {
        "account": account,
        "request": request,
        "commitments": list(account_open_commitments(account)),
        "today": timezone.localdate(),
        "next": request.get_full_path() if request is not None else "",
    }
