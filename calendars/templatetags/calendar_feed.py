"""The calendar feed's section of the profile page: `{% load calendar_feed %}` then
`{% calendar_feed_section %}` (crm's profile template loads it; crm never imports calendars)."""

from django import template
from django.urls import reverse

from calendars.selectors import feed_for_user
from calendars.views import public_base_url

register = template.Library()


@register.inclusion_tag("calendars/_profile_section.html", takes_context=True)
def calendar_feed_section(context) -> dict:
    request = context["request"]
    feed = feed_for_user(request.user)
    url = ""
    if feed is not None:
        url = public_base_url(request) + reverse("calendars:feed", args=[feed.token])
    return {
        "feed": feed,
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1] if url else "",
    }
