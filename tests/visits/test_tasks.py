"""The tasks, run in-process: the daily task, the hourly sweep that reruns an unfinished
day, and the digests queued through the outbox after commit."""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import PendingTask
from tests.factories import ReminderFactory, ReminderRunFactory
from visits.models import DigestEmail, ReminderRun, VisitSettings
from visits.tasks import reminders_sweep_task, send_digest_task, send_reminders_daily_task

pytestmark = pytest.mark.usefixtures("quiet_occasions")


@pytest.fixture
def due_for_r1(org):
    org["r1"].email = "r1@example.com"
    org["r1"].save()
    return org  # its never-visited account is due from its creation (today)


def test_daily_task_queues_one_digest_task_per_recipient(
    due_for_r1, django_capture_on_commit_callbacks
):
    VisitSettings.objects.update_or_create(pk=1, defaults={"digest_hour": 0})
    with django_capture_on_commit_callbacks() as callbacks:
        counts = send_reminders_daily_task.run()
    assert counts["visit_due"] == 4
    digest = DigestEmail.objects.get()
    assert list(PendingTask.objects.values_list("task_name", "args")) == [
        ("visits.tasks.send_digest_task", [digest.pk])
    ]
    assert len(callbacks) == 1  # published only after commit
    assert send_digest_task.run(digest.pk) is True
    assert send_digest_task.run(digest.pk) is False


def test_before_the_digest_hour_no_digest_is_prepared(due_for_r1):
    VisitSettings.objects.update_or_create(pk=1, defaults={"digest_enabled": False})
    send_reminders_daily_task.run()
    assert DigestEmail.objects.count() == 0
    assert ReminderRun.objects.get(date=timezone.localdate()).finished_at is not None


def test_sweep_reruns_a_day_whose_job_never_finished(due_for_r1):
    today = timezone.localdate()
    run = ReminderRunFactory(date=today)
    ReminderRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - dt.timedelta(hours=2))
    reminders_sweep_task.run()
    run.refresh_from_db()
    assert run.finished_at is not None and run.created == 4


def test_sweep_leaves_a_running_job_alone_and_sends_pending_digests(due_for_r1):
    VisitSettings.objects.update_or_create(pk=1, defaults={"digest_hour": 0})
    today = timezone.localdate()
    ReminderRunFactory(date=today)  # started just now, still running
    assert reminders_sweep_task.run() == 0
    assert (ReminderRun.objects.get().finished_at, DigestEmail.objects.count()) == (None, 0)
    send_reminders_daily_task.run()
    PendingTask.objects.all().delete()
    assert reminders_sweep_task.run() == 1  # the digest still pending is queued again
    assert PendingTask.objects.count() == 1


def test_deleting_a_contact_deletes_its_reminders_and_the_sweep_drops_orphans(org):
    from django.db import connection

    from accounts.models import Contact
    from tests.factories import ContactFactory
    from visits.models import Reminder

    account = org["accounts"]["r1"]

    def reminder_for(contact):
        return ReminderFactory(
            recipient=org["r1"],
            kind="gift",
            subject=f"contact:{contact.pk}",
            occasion_code="birthday",
            date=dt.date(2026, 5, 5),
            account=account,
            contact=contact,
            remind_on=dt.date(2026, 5, 1),
        )

    kept, deleted, raw = (ContactFactory(account=account) for _ in range(3))
    for contact in (kept, deleted, raw):
        reminder_for(contact)
    deleted.delete()  # through the ORM: its reminder goes with it
    assert Reminder.objects.count() == 2
    with connection.cursor() as cursor:  # behind the ORM's back
        cursor.execute("DELETE FROM accounts_contact WHERE id = %s", [raw.pk])
    assert Reminder.objects.count() == 2
    reminders_sweep_task.run()
    assert list(Reminder.objects.filter(kind="gift").values_list("contact_id", flat=True)) == [
        kept.pk
    ]
    assert Contact.objects.count() == 1
