"""The customer card's section of contracts and receivables, loaded by name from the accounts
template (accounts is below receivables: no Python import goes upwards). The card has
checked that the account is visible."""

from django import template
from django.conf import settings
from django.utils import timezone

from receivables.selectors import account_receivables

register = template.Library()


@register.inclusion_tag("receivables/_card_section.html")
def receivables_card(account):
    return {
        "account": account,
        "summary": account_receivables(account, timezone.localdate()),
        "currency": settings.CRM_CURRENCY,
    }
