"""`{% load visits_card %}{% visits_card account %}`: the visits section of the customer card."""

from django import template
from django.utils import timezone

from visits.selectors import account_next_plan, account_timeline, plan_checklist_completion

register = template.Library()


@register.inclusion_tag("visits/_card_section.html", takes_context=True)
def visits_card(context, account):
    plan = account_next_plan(account, today=timezone.localdate())
    done, total = plan_checklist_completion(plan) if plan else (0, 0)
    return {
        "account": account,
        "request": context.get("request"),
        "next_plan": plan,
        "checklist_done": done,
        "checklist_total": total,
        "timeline": account_timeline(account, limit=30),
    }
