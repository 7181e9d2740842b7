"""How contacts' dates and codes read: a birthday as "Feb 28" / "2月28日" (with the year when
it is known), any month and day likewise, buying roles by their labels."""

import datetime

from django import template
from django.utils import dateformat
from django.utils.translation import pgettext

from accounts.models import Contact

register = template.Library()

# A year in which Feb 29 exists, for birthdays recorded without their year.
LEAP_YEAR = 2000


def birthday_text(month: int | None, day: int | None, year: int | None = None) -> str:
    """The birthday in the active language ("" when the month or day is missing)."""
    if month is None or day is None:
        return ""
    try:
        when = datetime.date(year or LEAP_YEAR, month, day)
    except ValueError:
        return ""
    if year:
        # Translators: a date format (PHP-style letters, as Django's date filter uses).
        return dateformat.format(when, pgettext("date", "M j, Y"))
    # Translators: a date format without the year (PHP-style letters).
    return dateformat.format(when, pgettext("month and day", "M j"))


@register.filter
def birthday(contact) -> str:
    """`{{ contact|birthday }}`: the contact's birthday, or "" when none is recorded."""
    return birthday_text(contact.birthday_month, contact.birthday_day, contact.birthday_year)


@register.filter
def month_day(record) -> str:
    """`{{ occasion|month_day }}`: a yearly date given as `month` and `day` attributes."""
    return birthday_text(record.month, record.day)


@register.filter
def contact_roles(codes) -> str:
    """`{{ codes|contact_roles }}`: buying-role codes as their labels, comma-separated."""
    labels = dict(Contact.Role.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])
