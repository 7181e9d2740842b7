"""Payment reminders (receivables/reminders.py): once per plan entry, stage of lateness and
recipient however often the job runs; the manager from 30 days overdue; nothing for an entry
paid, a draft or cancelled contract or an unscheduled entry; the line in both languages; the
beat's task."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation

from receivables.models import Contract, PlanEntry
from receivables.reminders import payment_reminders_generate
from receivables.services import payment_record
from receivables.tasks import payment_reminders_daily_task
from visits.models import Reminder
from visits.selectors import reminder_text

pytestmark = pytest.mark.django_db


def _active(contract):
    Contract.objects.filter(pk=contract.pk).update(status=Contract.Status.ACTIVE)


def _entries(contract):
    return list(PlanEntry.objects.filter(contract=contract).order_by("position", "pk"))


def _reminders():
    return sorted(
        (r.recipient.username, r.subject, r.occasion_code, r.date.isoformat())
        for r in Reminder.objects.filter(kind=Reminder.Kind.PAYMENT_DUE).select_related("recipient")
    )


def test_an_entry_is_reminded_once_per_stage_and_the_manager_from_30_days(org, contract):
    _active(contract)
    signing, delivery, _acceptance = _entries(contract)
    # Two days before the signing payment is due: its owner hears of it, once.
    assert payment_reminders_generate(day=datetime.date(2026, 1, 8))["payment_due"] == 1
    assert payment_reminders_generate(day=datetime.date(2026, 1, 8))["payment_due"] == 0
    assert payment_reminders_generate(day=datetime.date(2026, 1, 9))["payment_due"] == 0
    first = ("r1", f"entry:{signing.pk}", "payment_due", "2026-01-10")
    assert _reminders() == [first]
    # 36 days late: the 31–60 stage, to the owner and the team's manager; the delivery
    # payment (due 2026-03-03) is not due yet, the acceptance one not scheduled at all.
    counts = payment_reminders_generate(day=datetime.date(2026, 2, 15))
    assert counts == {
        "payment_due": 0,
        "payment_overdue": 0,
        "payment_overdue_30": 2,
        "payment_overdue_60": 0,
        "payment_overdue_90": 0,
    }
    late = [
        ("m1", f"entry:{signing.pk}", "payment_overdue_30", "2026-01-10"),
        ("r1", f"entry:{signing.pk}", "payment_overdue_30", "2026-01-10"),
    ]
    assert _reminders() == sorted([first, *late])
    assert sum(payment_reminders_generate(day=datetime.date(2026, 2, 16)).values()) == 0
    # Paid in full: the signing entry is heard of no more; the delivery one is now late.
    payment_record(
        actor=org["r1"],
        account=contract.account,
        contract=contract,
        amount="300.00",
        received_on=datetime.date(2026, 2, 20),
        allocations=[(signing, Decimal("300.00"))],
    )
    counts = payment_reminders_generate(day=datetime.date(2026, 3, 20))  # 17 days late
    assert sum(counts.values()) == counts["payment_overdue"] == 1
    assert _reminders() == sorted(
        [first, *late, ("r1", f"entry:{delivery.pk}", "payment_overdue", "2026-03-03")]
    )


@pytest.mark.parametrize("status", [Contract.Status.DRAFT, Contract.Status.CANCELLED])
def test_no_reminder_for_a_contract_not_yet_or_no_longer_owed(org, contract, status):
    Contract.objects.filter(pk=contract.pk).update(status=status)
    assert sum(payment_reminders_generate(day=datetime.date(2026, 2, 15)).values()) == 0
    assert _reminders() == []


def test_a_departed_contract_owner_hands_the_reminder_to_the_accounts_owner(org, contract):
    _active(contract)
    Contract.objects.filter(pk=contract.pk).update(owner=org["r2"])
    org["r2"].is_active = False
    org["r2"].save(update_fields=["is_active"])
    payment_reminders_generate(day=datetime.date(2026, 1, 12))
    assert [r[0] for r in _reminders()] == ["r1"]


def test_the_line_reads_in_both_languages_and_the_beat_runs_the_task(org, contract):
    _active(contract)
    # Today the plan's two scheduled dates are long past: the 90+ stage, for the owner and the
    # manager, of each.
    assert payment_reminders_daily_task.run() == 4
    assert {r[2] for r in _reminders()} == {"payment_overdue_90"}
    reminder = Reminder.objects.get(recipient=org["r1"], date=datetime.date(2026, 1, 10))
    with translation.override("en"):
        assert reminder_text(reminder) == (
            f"{contract.account.name}: a payment due on 2026-01-10 is more than 90 days overdue."
        )
    with translation.override("zh-hans"):
        assert "90" in reminder_text(reminder) and "逾期" in reminder_text(reminder)
    from config.celery import app

    app.loader.import_default_modules()
    beat = settings.CELERY_BEAT_SCHEDULE["daily-payment-reminders"]
    assert beat["task"] == "receivables.tasks.payment_reminders_daily_task"
    assert beat["task"] in app.tasks  # the worker knows it
