"""Writes of the visits app. Each re-checks the actor's scope and writes the audit trail.

`records`: visits, plans, the checklist, touches, occasions and checklist items.
`reminders`: the daily reminder job, the digest email, done / snooze.
"""

from visits.services.records import (
    accounts_last_visit_refresh,
    checklist_item_create,
    checklist_item_delete,
    checklist_item_update,
    checklist_set,
    occasion_create,
    occasion_delete,
    occasion_update,
    plan_cancel,
    plan_create,
    plan_update,
    plans_generate,
    touch_create,
    touch_delete,
    touch_update,
    visit_create,
    visit_delete,
    visit_update,
)
from visits.services.reminders import (
    digest_send,
    digests_prepare,
    reminder_mark_done,
    reminder_snooze,
    reminders_bulk_done,
    reminders_bulk_snooze,
    reminders_generate,
    reminders_run,
)

__all__ = [
    "accounts_last_visit_refresh",
    "checklist_item_create",
    "checklist_item_delete",
    "checklist_item_update",
    "checklist_set",
    "digest_send",
    "digests_prepare",
    "occasion_create",
    "occasion_delete",
    "occasion_update",
    "plan_cancel",
    "plan_create",
    "plan_update",
    "plans_generate",
    "reminder_mark_done",
    "reminder_snooze",
    "reminders_bulk_done",
    "reminders_bulk_snooze",
    "reminders_generate",
    "reminders_run",
    "touch_create",
    "touch_delete",
    "touch_update",
    "visit_create",
    "visit_delete",
    "visit_update",
]
