"""The colour rule on a prospect's card and page: the rule's colour beside the colour set,
and the rep's reason when they differ.

`{% load opportunities_colour %}{% colour_rule prospect %}` inside a `<dl class="facts">`
(prospects' templates load it by name; prospects never imports opportunities).
"""

from django import template

from opportunities.colour import ColourView, colour_of_account
from prospects.models import COLOUR_SHORT

register = template.Library()


@register.inclusion_tag("opportunities/_colour_rule.html", takes_context=True)
def colour_rule(context, prospect):
    view = ColourView(
        rule=colour_of_account(prospect.account_id),
        chosen=prospect.colour,
        reason=prospect.colour_override_reason,
    )
    return {
        "prospect": prospect,
        "colour": view,
        "rule_label": COLOUR_SHORT[view.rule],
        "chosen_label": COLOUR_SHORT.get(view.chosen, view.chosen),
        "can_change": not prospect.is_abandoned,
    }
