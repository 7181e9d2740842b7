"""`{% load visits_card %}{% visits_card account %}`: the visits section of the customer card."""

from django import template
from django.utils import timezone

from visits.selectors import (
    account_future_plans,
    account_timeline,
    plan_checklist_completion,
)

register = template.Library()


@register.inclusion_tag("visits/_card_section.html", takes_context=True)
def visits_card(context, account):
    # The open plans from today on (they moved with the account to its owner); the first is
    # the next visit. Done work is in the timeline, each visit with who logged it.
    plans = list(account_future_plans(account, today=timezone.localdate()))
    plan = plans[0] if plans else None
    done, total = plan_checklist_completion(plan) if plan else (0, 0)
    return {
        "account": account,
        "request": context.get("request"),
        "next_plan": plan,
        "later_plans": plans[1:],
        "checklist_done": done,
        "checklist_total": total,
        "timeline": account_timeline(account, limit=30),
    }
