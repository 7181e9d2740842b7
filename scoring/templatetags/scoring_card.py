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


@register.inclusion_tag("scoring/group_section.html", takes_context=True)
def scoring_group_card(context, account):
    """The group (集团) section: the tree of the account's group as the user may see it."""
    request = context.get("request")
    user = request.user if request is not None else context.get("user")
    return {"account": account, "group": selectors.account_group_tree(user=user, account=account)}
