"""The scoring section of the customer card: tier, its history, quadrant and priority."""

from django import template

from scoring import selectors

register = template.Library()


@register.inclusion_tag("scoring/card_section.html", takes_context=True)
def scoring_card(context, account):
    request = context.get("request")
    user = request.user if request is not None else context.get("user")
    history = selectors.account_tier_history(user=user, account=account, limit=12)
    latest = selectors.latest_run()
    current = history[0] if history and latest and history[0].run_id == latest.pk else None
    return {
        "account": account,
        "history": history,
        "current": current,
        "latest": latest,
        "user": user,
    }
