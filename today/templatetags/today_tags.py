from django import template

from visits.models import Reminder
from visits.selectors import reminder_text

register = template.Library()


@register.simple_tag
def reminder_line(reminder: Reminder) -> str:
    """The reminder's one line, as the reminders page words it."""
    return reminder_text(reminder)
