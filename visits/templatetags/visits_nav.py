"""`{% load visits_nav %}{% visits_nav %}`: the visits links and the reminder bell."""

from django import template

from crm.models import User
from visits.selectors import reminder_count

register = template.Library()


@register.inclusion_tag("visits/_nav_links.html", takes_context=True)
def visits_nav(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    # Signed out (or no request): no reminders, as the visibility rule answers.
    count = reminder_count(user) if isinstance(user, User) else 0
    return {"reminder_count": count, "user": user}
