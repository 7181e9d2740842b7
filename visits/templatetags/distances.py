"""{{ metres|distance }}: "350 m" below a kilometre, "2.4 km" above (the check-in distance,
the legs of the day's route)."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def distance(metres) -> str:
    if metres is None or metres == "":
        return "–"
    metres = float(metres)
    if metres < 1000:
        return _("%(n)s m") % {"n": number_format(round(metres))}
    return _("%(n)s km") % {"n": number_format(metres / 1000, decimal_pos=1)}
