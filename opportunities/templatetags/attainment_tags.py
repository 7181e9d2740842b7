"""`{% load attainment_tags %}`: the attainment of targets (done / target / projected) on pages
of other apps, which load the tag by name and never import opportunities:

- `{% attainment_mine %}`: the user's own and their team's targets of the current month and
  quarter (Today, the profile page `/me/`);
- `{% attainment_book %}`: every target of the current month and quarter the user reads (the
  dashboard)."""

from django import template
from django.utils import timezone

from opportunities.attainment import attainment_of_book, attainment_of_user

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("opportunities/targets/_attainment.html", takes_context=True)
def attainment_mine(context) -> dict:
    user = _user(context)
    rows = attainment_of_user(user, timezone.localdate()) if user is not None else []
    return {"rows": rows, "section": "mine"}


@register.inclusion_tag("opportunities/targets/_attainment.html", takes_context=True)
def attainment_book(context) -> dict:
    user = _user(context)
    rows = attainment_of_book(user, timezone.localdate()) if user is not None else []
    return {"rows": rows, "section": "book"}
