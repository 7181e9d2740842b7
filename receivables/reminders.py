"""Reminders of payments due and overdue (回款提醒), as visits.Reminder rows, so that Today's
reminders, the daily digest and the group robots carry them like every other reminder.

Each unpaid plan entry of a receivable contract is at one stage of lateness on a given day
(`STAGES`: due within the week, overdue, more than 30, 60 or 90 days overdue). The reminder's
unique (recipient, subject `entry:<id>`, occasion code = the stage, date = the due date) with
ON CONFLICT DO NOTHING makes each entry's reminder exactly once per stage and recipient,
however often the job runs; an entry paid in full (or whose contract is closed or cancelled)
gets no more. The contract's owner is told at every stage (the account's owner when the
contract's owner has left); from 30 days overdue, the owner's team manager too. A day the job
did not run is not made up: the entry gets the reminder of the stage it is at when it runs.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.utils import timezone

from crm.models import User
from receivables.models import PlanEntry
from receivables.selectors import RECEIVABLE_STATUSES, entries_with_balance
from visits.models import Reminder
from visits.services.reminders import REMINDER_COLUMNS, reminder_rows
from visits.services.sql import insert_select

# (occasion code, days late from, days late to (inclusive; None: no end)); days late is the
# day minus the due date, negative before it.
STAGES = [
    ("payment_due", -6, 0),
    ("payment_overdue", 1, 30),
    ("payment_overdue_30", 31, 60),
    ("payment_overdue_60", 61, 90),
    ("payment_overdue_90", 91, None),
]
# The stages at which the owner's team manager is told too: from 30 days overdue on.
MANAGER_STAGES = {"payment_overdue_30", "payment_overdue_60", "payment_overdue_90"}


def _owner() -> Case:
    """The contract's owner while active, else the account's owner while active (NULL: nobody
    to tell)."""
    return Case(
        When(contract__owner__is_active=True, then=F("contract__owner_id")),
        When(contract__account__owner__is_active=True, then=F("contract__account__owner_id")),
        default=None,
        output_field=IntegerField(),
    )


def _rows(entries: QuerySet[PlanEntry], *, recipient, stage: str, day, now) -> QuerySet:
    return reminder_rows(
        entries,
        recipient=recipient,
        kind=Reminder.Kind.PAYMENT_DUE,
        subject_prefix="entry:",
        subject_id=F("pk"),
        occasion_code=stage,
        date=F("due"),
        account=F("contract__account_id"),
        remind_on=day,
        now=now,
    )


def payment_reminders_generate(*, day: datetime.date | None = None) -> dict[str, int]:
    """The day's payment reminders (see the module's doc); idempotent. Returns how many were
    new per stage."""
    day = day or timezone.localdate()
    now = timezone.now()
    owed = entries_with_balance(
        PlanEntry.objects.filter(contract__status__in=RECEIVABLE_STATUSES), day
    ).filter(outstanding__gt=0, due__isnull=False)
    manager = Subquery(
        User.objects.filter(pk=OuterRef("x_owner"), team__manager__is_active=True).values(
            "team__manager_id"
        )[:1]
    )
    created: dict[str, int] = {}
    with transaction.atomic():
        for stage, late_from, late_to in STAGES:
            window = Q(due__lte=day - datetime.timedelta(days=late_from))
            if late_to is not None:
                window &= Q(due__gte=day - datetime.timedelta(days=late_to))
            entries = owed.filter(window).annotate(x_owner=_owner()).filter(x_owner__isnull=False)
            created[stage] = insert_select(
                Reminder,
                REMINDER_COLUMNS,
                _rows(entries, recipient=F("x_owner"), stage=stage, day=day, now=now),
            )
            if stage in MANAGER_STAGES:
                managers = (
                    entries.annotate(x_manager=manager)
                    .filter(x_manager__isnull=False)
                    .exclude(x_manager=F("x_owner"))
                )
                created[stage] += insert_select(
                    Reminder,
                    REMINDER_COLUMNS,
                    _rows(managers, recipient=F("x_manager"), stage=stage, day=day, now=now),
                )
    return created
