"""The robots' history is purged after CRM_ROBOTS_HISTORY_DAYS, set-based, by a daily beat
task: deliveries whose reminder can never be sent again, then the settled batches left
without deliveries. A delivery that still guarantees exactly-once is kept however old, and
running the purge twice deletes nothing more."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from robots.models import RobotDelivery, RobotMessage, RobotWebhook
from robots.services import robots_dispatch, robots_history_purge
from robots.tasks import robots_history_purge_task
from tests.factories import AccountFactory, ReminderFactory
from visits.models import Reminder

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def robot(org):
    return RobotWebhook.objects.create(
        platform="wecom", name="mine", url="https://qyapi.weixin.qq.com/x?key=k", user=org["r1"]
    )


@pytest.fixture
def today():
    return timezone.localdate()


def _sent(robot, *, days_ago: int, state: str = "sent", kind: str = "urgent") -> RobotMessage:
    when = timezone.now() - datetime.timedelta(days=days_ago)
    message = RobotMessage.objects.create(
        webhook=robot, kind=kind, date=timezone.localdate(when), state=state
    )
    RobotMessage.objects.filter(pk=message.pk).update(created_at=when)
    return message


def _delivered(robot, message, reminder) -> RobotDelivery:
    delivery = RobotDelivery.objects.create(webhook=robot, reminder=reminder, message=message)
    RobotDelivery.objects.filter(pk=delivery.pk).update(
        created_at=RobotMessage.objects.get(pk=message.pk).created_at
    )
    return delivery


def _reminder(org, today, *, days_ago: int, status: str = "done", kind=None) -> Reminder:
    day = today - datetime.timedelta(days=days_ago)
    return ReminderFactory(
        recipient=org["r1"],
        account=AccountFactory(owner=org["r1"]),
        kind=kind or Reminder.Kind.VISIT_OVERDUE,
        date=day,
        remind_on=day,
        status=status,
        done_at=timezone.now() if status == "done" else None,
    )


@pytest.fixture
def history(org, robot, today):
    """Batches and deliveries of several ages, for reminders in every state."""
    old = _sent(robot, days_ago=100)
    old_open = _sent(robot, days_ago=100)
    recent = _sent(robot, days_ago=10)
    rows = {
        "done": _delivered(robot, old, _reminder(org, today, days_ago=100)),
        "gone": _delivered(robot, old, _reminder(org, today, days_ago=100)),
        # Still open after 100 days: its delivery is what keeps it from going out again.
        "open": _delivered(robot, old_open, _reminder(org, today, days_ago=100, status="open")),
        # Done, but dated today: an "accounts reassigned" notice of today can reopen.
        "today": _delivered(
            robot,
            old_open,
            _reminder(org, today, days_ago=0, kind=Reminder.Kind.ACCOUNT_REASSIGNED),
        ),
        "recent": _delivered(robot, recent, _reminder(org, today, days_ago=10)),
    }
    Reminder.objects.filter(pk=rows["gone"].reminder_id).delete()
    messages = {
        "old": old,
        "old_open": old_open,
        "recent": recent,
        "failed": _sent(robot, days_ago=95, state="failed"),
        "skipped_digest": _sent(robot, days_ago=91, state="skipped", kind="digest"),
        "pending": _sent(robot, days_ago=120, state="pending"),
    }
    return rows, messages


def _left():
    return (
        set(RobotDelivery.objects.values_list("pk", flat=True)),
        set(RobotMessage.objects.values_list("pk", flat=True)),
    )


def test_old_history_goes_and_what_exactly_once_needs_stays(history):
    rows, messages = history
    purge = robots_history_purge()
    assert (purge.deliveries, purge.messages) == (2, 3)
    deliveries, batches = _left()
    assert deliveries == {rows[k].pk for k in ("open", "today", "recent")}
    assert batches == {messages[k].pk for k in ("old_open", "recent", "pending")}


def test_running_it_twice_deletes_nothing_more(history):
    robots_history_purge()
    left = _left()
    again = robots_history_purge()
    assert (again.deliveries, again.messages) == (0, 0)
    assert _left() == left


def test_in_small_chunks_it_deletes_the_same(history):
    rows = history[0]
    purge = robots_history_purge(chunk=1)
    assert (purge.deliveries, purge.messages) == (2, 3)
    assert _left()[0] == {rows[k].pk for k in ("open", "today", "recent")}


def test_the_kept_delivery_still_stops_a_second_send(history, today):
    robots_history_purge()
    dispatch = robots_dispatch(day=today, digest=False)
    assert dispatch.urgent == []  # the open reminder of 100 days ago is not sent again
    assert RobotDelivery.objects.filter(reminder_id=history[0]["open"].reminder_id).count() == 1


def test_a_longer_history_setting_keeps_more(history, settings):
    settings.CRM_ROBOTS_HISTORY_DAYS = 200
    purge = robots_history_purge()
    assert (purge.deliveries, purge.messages) == (0, 0)
    settings.CRM_ROBOTS_HISTORY_DAYS = 96
    purge = robots_history_purge()
    # 100 days old goes; the failed batch of 95 days stays.
    assert (purge.deliveries, purge.messages) == (2, 1)


def test_the_daily_beat_task_runs_the_purge(history, settings):
    from config.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["robots-history-purge"]
    assert entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {40})
    assert robots_history_purge_task.run() == {"deliveries": 2, "messages": 3}
    assert robots_history_purge_task.run() == {"deliveries": 0, "messages": 0}


@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_history_of_less_than_a_day_is_refused_at_start(value):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_SETTINGS")}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CRM_ROBOTS_HISTORY_DAYS": value,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"CRM_ROBOTS_HISTORY_DAYS must be at least 1, not {value}" in result.stderr
