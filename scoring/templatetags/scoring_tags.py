"""Formatting of scoring figures in templates."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def pct(value, places: int = 1) -> str:
    """A fraction (0.8) as a percentage ("80.0%"); empty for no value."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)) * 100
    except InvalidOperation:
        return ""
    return f"{number_format(round(number, int(places)), int(places))}%"


@register.filter
def movement_label(value: int) -> str:
    return {1: "▲", -1: "▼"}.get(value, "")
