"""Template tags that show the playbook on pages of other apps without those apps importing it
(accounts is below playbook):

- `{% load playbook_tags %}{% playbook_plan account in_book %}` on the visit plan page: the talk
  tracks for the account's industry by situation, and the outline with a form for its answers
  (only when the account is in the user's book; otherwise nothing, so no answer leaks to the
  author of a visit whose account moved on).
- `{% playbook_card account %}` on the customer card: the answers, with who last answered.
"""

from django import template

from playbook.forms import OutlineAnswersForm
from playbook.selectors import account_outline, last_answer, talk_tracks_for_industry

register = template.Library()


@register.inclusion_tag("playbook/_plan_section.html", takes_context=True)
def playbook_plan(context, account, in_book=True):
    request = context.get("request")
    if not in_book:
        return {"show": False}
    rows = account_outline(account)
    return {
        "show": True,
        "request": request,
        "account": account,
        "groups": talk_tracks_for_industry(account.industry),
        "rows": rows,
        "form": OutlineAnswersForm(rows=rows),
        "answered": sum(1 for row in rows if row.answer is not None),
        "last": last_answer(rows),
        "next": request.get_full_path() if request is not None else "",
    }


@register.inclusion_tag("playbook/_card_section.html", takes_context=True)
def playbook_card(context, account):
    rows = account_outline(account)
    request = context.get("request")
    return {
        "request": request,
        "account": account,
        "rows": rows,
        "answered": sum(1 for row in rows if row.answer is not None),
        "last": last_answer(rows),
        "next": request.get_full_path() if request is not None else "",
    }
