"""`{% load health_card %}{% health_card account %}`: the health panel of the customer card
(the card's view is in accounts, below health: the card's template loads this tag, so no
Python import goes upwards). The card has already checked that the account is visible."""

from django import template

from health.selectors import account_health_history, health_settings

register = template.Library()


@register.inclusion_tag("health/_card_section.html")
def health_card(account):
    history = account_health_history(account=account, limit=14)
    return {
        "account": account,
        "current": history[0] if history else None,
        "history": history,
        "settings": health_settings(),
    }
