"""The links of Today's rows, reversed once per page instead of once per row.

A record's URL is its pattern's prefix, the record's id and the pattern's suffix: the pattern
is reversed once with a stand-in id (`_pattern`), and each row's URLs are built by joining
strings (`attach_links`). The page's other links (log a visit, plan one, the lists behind
"and N more") do not depend on a row: `page_links` reverses each of them once.
"""

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from today.selectors import TodayBoard

# An id no record has; only its digits matter (they are cut out of the reversed URL).
_STAND_IN = 2147483647

PLAN_SECTIONS = ("plans", "overdue", "slipped_plans")
COMMITMENT_SECTIONS = ("commitments", "slipped_commitments")
ACCOUNT_SECTIONS = ("due", "prospects")


def _pattern(name: str) -> Callable[[int], str]:
    """The URL of `name` for a given id, from one reverse()."""
    prefix, _, suffix = reverse(name, args=[_STAND_IN]).rpartition(str(_STAND_IN))
    return lambda pk: f"{prefix}{pk}{suffix}"


def page_links() -> dict[str, str]:
    """The links Today shows whatever its rows: reversed once per page."""
    names = {
        "log": "visits:log",
        "plan_create": "visits:plan_create",
        "touch_create": "visits:touch_create",
        "calendar": "visits:calendar",
        "due": "visits:due",
        "reminders": "visits:reminders",
        "commitments": "commitments:list",
        "prospects": "prospects:list",
    }
    return {key: reverse(name) for key, name in names.items()}


def attach_links(board: TodayBoard) -> None:
    """Set on each row of `board` the URLs it links to (`today_account_url`,
    `today_detail_url`, `today_done_url`, `today_snooze_url`) and the phone its "Call"
    button dials (`today_phone`, "" for none), as the row templates read them."""
    account = _pattern("accounts:detail")
    plan = _pattern("visits:plan_detail")
    commitment_done = _pattern("commitments:done")
    reminder_done = _pattern("visits:reminder_done")
    reminder_snooze = _pattern("visits:reminder_snooze")
    prospect = _pattern("prospects:detail")
    for rep_day in board.reps:
        for key, section in rep_day.sections.items():
            for row in section.rows:
                _attach(
                    key,
                    row,
                    account,
                    plan,
                    commitment_done,
                    reminder_done,
                    reminder_snooze,
                    prospect,
                )


def _attach(
    key: str,
    row: Any,
    account: Callable[[int], str],
    plan: Callable[[int], str],
    commitment_done: Callable[[int], str],
    reminder_done: Callable[[int], str],
    reminder_snooze: Callable[[int], str],
    prospect: Callable[[int], str],
) -> None:
    if key in PLAN_SECTIONS:
        row.today_account_url = account(row.account_id)
        row.today_detail_url = plan(row.pk)
        row.today_phone = row.contact_phone or row.account.phone
    elif key in COMMITMENT_SECTIONS:
        row.today_account_url = account(row.account_id)
        row.today_done_url = commitment_done(row.pk)
        contact_phone = row.contact.phone if row.contact is not None else ""
        row.today_phone = contact_phone or row.contact_phone or row.account.phone
    elif key == "health":
        row.today_account_url = account(row.account_id)
        row.today_done_url = reminder_done(row.pk)
        row.today_snooze_url = reminder_snooze(row.pk)
    elif key == "touches":
        row.today_account_url = account(row.account_id)
        row.today_done_url = reminder_done(row.pk)
        row.today_snooze_url = reminder_snooze(row.pk)
        row.today_phone = row.contact.phone if row.contact is not None else ""
    elif key in ACCOUNT_SECTIONS:
        row.today_account_url = account(row.pk)
        row.today_detail_url = prospect(row.prospect_id) if row.prospect_id else ""
        row.today_phone = row.contact_phone or row.phone
