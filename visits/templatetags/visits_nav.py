"""`{% load visits_nav %}{% visits_nav %}`: the visits links and the reminder bell."""

from django import template

from visits.selectors import reminder_count

register = template.Library()


@register.inclusion_tag("visits/_nav_links.html", takes_context=True)
def visits_nav(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"reminder_count": reminder_count(user), "user": user}
