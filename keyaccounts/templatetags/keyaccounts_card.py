"""`{% load keyaccounts_card %}{% keyaccounts_card account %}`: the customer card's link to the
account's key-account plans (the card's view is in accounts, below keyaccounts: the card's
template loads this tag, so no Python import goes upwards). The card has already checked that
the account is visible."""

from django import template

from keyaccounts.selectors import plans_of_account
from keyaccounts.services import PLAN_TIERS

register = template.Library()


@register.inclusion_tag("keyaccounts/_card_section.html")
def keyaccounts_card(account):
    return {
        "account": account,
        "plans": list(plans_of_account(account)),
        "can_create": account.tier in PLAN_TIERS,
    }
