"""The dispatch and the sending of batches, against the loopback platforms server: the payload
and signature of each platform, one request per channel however many reminders, exactly once,
a failing robot that neither blocks the others nor escapes its retries, Markdown escaping."""

import datetime as dt
import io
import threading

import pytest
from django.db import connection

from accounts.models import Account
from commitments.models import Commitment
from robots.models import RobotDelivery, RobotMessage, RobotWebhook
from robots.services import (
    backoff_seconds,
    robot_message_send,
    robots_deliver_now,
    robots_dispatch,
)
from tests.factories import (
    AccountFactory,
    CommitmentFactory,
    OccasionFactory,
    ReminderFactory,
    ReminderRunFactory,
    UserFactory,
)
from visits.models import Occasion, Reminder

DAY = dt.date(2026, 5, 4)
pytestmark = pytest.mark.django_db


def _robot(server, *, platform="wecom", token="t1", secret="", mode="ok", user=None, team=None):  # noqa: S107 - a fake credential
    return RobotWebhook.objects.create(
        platform=platform,
        name=f"robot {token}",
        url=server.robot(platform, token, secret=secret, mode=mode),
        secret=secret,
        user=user,
        team=team,
    )


def _reminders(user, n, *, kind=Reminder.Kind.VISIT_DUE, day=DAY, name="Acme"):
    out = []
    for i in range(n):
        account = AccountFactory(owner=user, name=f"{name} {i}")
        out.append(ReminderFactory(account=account, kind=kind, date=day, remind_on=day))
    return out


@pytest.mark.parametrize(
    ("platform", "secret"),
    [
        ("wecom", ""),
        ("dingtalk", "SECabc123"),
        ("dingtalk", ""),
        ("feishu", "fsecret"),
        ("feishu", ""),
    ],
)
def test_each_platform_gets_its_documented_payload_and_signature(
    org, platforms_server, platform, secret
):
    robot = _robot(platforms_server, platform=platform, secret=secret, user=org["r1"])
    _reminders(org["r1"], 3)

    sent, failed = robots_deliver_now(day=DAY, digest=True)

    assert (sent, failed) == (1, 0)
    assert platforms_server.problems() == []
    [request] = platforms_server.received
    assert request.platform == platform
    assert "Acme 0" in request.text and "Acme 2" in request.text
    message = RobotMessage.objects.get(webhook=robot)
    assert message.state == "sent" and message.attempts == 1 and message.sent_at is not None
    robot.refresh_from_db()
    assert robot.last_success_at is not None and robot.consecutive_failures == 0


def test_a_wrong_secret_is_refused_by_the_platform_and_noted(org, platforms_server):
    robot = RobotWebhook.objects.create(
        platform="dingtalk",
        name="d",
        url=platforms_server.robot("dingtalk", "tok", secret="SECright"),
        secret="SECwrong",
        user=org["r1"],
    )
    _reminders(org["r1"], 1)

    robots_deliver_now(day=DAY, digest=True)

    message = RobotMessage.objects.get(webhook=robot)
    assert message.state == "pending" and message.attempts == 1
    assert "bad sign" in message.last_error
    robot.refresh_from_db()
    assert robot.consecutive_failures == 1 and "bad sign" in robot.last_error


def test_one_request_per_channel_however_many_reminders(org, platforms_server):
    team_robot = _robot(platforms_server, token="team", team=org["t1"])
    personal = _robot(platforms_server, platform="feishu", token="r1", user=org["r1"])
    _reminders(org["r1"], 12)
    _reminders(org["r2"], 9, name="Beta")

    sent, _failed = robots_deliver_now(day=DAY, digest=True)

    assert sent == 2
    assert len(platforms_server.received) == 2  # channels, not 21 reminders
    assert RobotDelivery.objects.filter(webhook=team_robot).count() == 21
    assert RobotDelivery.objects.filter(webhook=personal).count() == 12
    [team_text] = [r.text for r in platforms_server.for_token("team")]
    # A team's digest is grouped by rep.
    assert f"#### {org['r1'].get_full_name() or 'r1'}" in team_text
    assert f"#### {org['r2'].get_full_name() or 'r2'}" in team_text
    assert platforms_server.problems() == []


def test_a_message_over_the_platform_limit_is_split_and_each_part_fits(org, platforms_server):
    _robot(platforms_server, token="big", user=org["r1"])
    _reminders(org["r1"], 80, name="A company with a rather long name, Ltd. 有限公司")

    robots_deliver_now(day=DAY, digest=True)

    parts = platforms_server.for_token("big")
    assert len(parts) >= 2
    assert all(len(p.text.encode()) <= 4096 for p in parts)
    assert platforms_server.problems() == []
    joined = "".join(p.text for p in parts)
    assert all(f"Ltd. 有限公司 {i}:" in joined for i in range(80))
    message = RobotMessage.objects.get()
    assert message.state == "sent" and message.parts_sent == len(parts)


def test_running_twice_sends_nothing_twice(org, platforms_server):
    _robot(platforms_server, token="a", user=org["r1"])
    _reminders(org["r1"], 3)
    ReminderFactory(
        account=org["accounts"]["r1"], kind=Reminder.Kind.VISIT_OVERDUE, date=DAY, remind_on=DAY
    )

    robots_deliver_now(day=DAY, digest=True)
    robots_deliver_now(day=DAY, digest=True)
    robots_deliver_now(day=DAY, digest=False)

    assert len(platforms_server.received) == 1  # the digest carries the urgent one too
    assert RobotDelivery.objects.count() == 4
    assert RobotMessage.objects.get().kind == "digest"
    # An urgent reminder that appears later in the day goes out on its own, once.
    ReminderFactory(
        account=org["accounts"]["r1"],
        kind=Reminder.Kind.VISIT_OVERDUE,
        date=DAY,
        remind_on=DAY,
        subject="plan:9",
    )
    robots_deliver_now(day=DAY, digest=True)
    robots_deliver_now(day=DAY)
    assert len(platforms_server.received) == 2
    assert RobotMessage.objects.filter(kind="urgent").count() == 1


def test_urgent_reminders_go_at_once_and_the_digest_has_the_rest(org, platforms_server):
    _robot(platforms_server, token="u", user=org["r1"])
    a_account = AccountFactory(owner=org["r1"], name="A-tier Co", tier="A")
    c_account = AccountFactory(owner=org["r1"], name="C-tier Co", tier="C")
    birthday = Occasion.objects.filter(kind=Occasion.Kind.BIRTHDAY).first() or OccasionFactory(
        kind=Occasion.Kind.BIRTHDAY
    )
    urgent = [
        ReminderFactory(account=c_account, kind=Reminder.Kind.VISIT_OVERDUE, date=DAY),
        ReminderFactory(
            account=a_account,
            kind=Reminder.Kind.VISIT_TOMORROW,
            date=DAY + dt.timedelta(days=1),
            remind_on=DAY,
        ),
        ReminderFactory(
            account=c_account,
            kind=Reminder.Kind.GREETING,
            occasion=birthday,
            date=DAY,
            subject="contact:1",
        ),
    ]
    later = [
        ReminderFactory(
            account=c_account,
            kind=Reminder.Kind.VISIT_TOMORROW,
            date=DAY + dt.timedelta(days=1),
            remind_on=DAY,
        ),
        ReminderFactory(account=c_account, kind=Reminder.Kind.VISIT_DUE, date=DAY),
    ]

    dispatch = robots_dispatch(day=DAY, digest=False)

    assert len(dispatch.urgent) == 1 and dispatch.digest == []
    urgent_ids = set(RobotDelivery.objects.values_list("reminder_id", flat=True))
    assert urgent_ids == {r.pk for r in urgent}
    robots_deliver_now(day=DAY, digest=True)
    digest = RobotMessage.objects.get(kind="digest")
    assert set(digest.deliveries.values_list("reminder_id", flat=True)) == {r.pk for r in later}


def test_overdue_commitments_are_in_the_digest(org, platforms_server):
    _robot(platforms_server, token="c", user=org["r1"])
    CommitmentFactory(
        account=org["accounts"]["r1"],
        owner=org["r1"],
        title="Send the price list",
        due_date=DAY - dt.timedelta(days=2),
    )
    CommitmentFactory(account=org["accounts"]["r1"], owner=org["r1"], title="Not yet", due_date=DAY)

    robots_deliver_now(day=DAY, digest=True)

    [request] = platforms_server.received
    assert "Send the price list" in request.text
    assert "Not yet" not in request.text
    assert Commitment.objects.count() == 2


def test_a_failing_robot_never_blocks_the_others_and_backs_off(org, platforms_server, settings):
    settings.CRM_ROBOTS_RETRY_BACKOFF_SECONDS = 30
    settings.CRM_ROBOTS_MAX_ATTEMPTS = 2
    broken = _robot(platforms_server, token="broken", mode="500", user=org["r1"])
    slow = _robot(platforms_server, token="slow", mode="timeout", user=org["r2"])
    fine = _robot(platforms_server, token="fine", team=org["t2"])
    for user in ("r1", "r2", "r3"):
        _reminders(org[user], 2, name=user)

    sent, failed = robots_deliver_now(day=DAY, digest=True)

    assert (sent, failed) == (1, 2)
    assert len(platforms_server.for_token("fine")) == 1
    by_robot = {m.webhook_id: m for m in RobotMessage.objects.all()}
    assert by_robot[fine.pk].state == "sent"
    for robot in (broken, slow):
        message = by_robot[robot.pk]
        assert message.state == "pending" and message.attempts == 1
        assert message.next_attempt_at is not None
    assert "500" in by_robot[broken.pk].last_error
    assert "timed out" in by_robot[slow.pk].last_error
    # Not before its time: the backoff holds the retry back.
    early = robot_message_send(message_id=by_robot[broken.pk].pk)
    assert early.sent is False and 0 < early.retry_in <= backoff_seconds(1)
    assert len(platforms_server.for_token("broken")) == 1
    # Its time come, the second and last attempt fails too: the batch is given up.
    later = by_robot[broken.pk].next_attempt_at + dt.timedelta(seconds=1)
    result = robot_message_send(message_id=by_robot[broken.pk].pk, now=later)
    assert result.sent is False and result.retry_in is None
    message = RobotMessage.objects.get(pk=by_robot[broken.pk].pk)
    assert message.state == "failed" and message.attempts == 2
    broken.refresh_from_db()
    assert broken.consecutive_failures == 2


def test_backoff_doubles_and_is_capped(settings):
    settings.CRM_ROBOTS_RETRY_BACKOFF_SECONDS = 30
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(30) == 3600


def test_a_flaky_robot_gets_the_message_on_the_retry(org, platforms_server):
    _robot(
        platforms_server, platform="feishu", token="flaky", secret="s", mode="flaky", user=org["r1"]
    )
    _reminders(org["r1"], 2)
    robots_deliver_now(day=DAY, digest=True)
    message = RobotMessage.objects.get()
    assert message.state == "pending"

    result = robot_message_send(
        message_id=message.pk, now=message.next_attempt_at + dt.timedelta(seconds=1)
    )

    assert result.sent is True
    message.refresh_from_db()
    assert message.state == "sent" and message.attempts == 2
    assert len(platforms_server.for_token("flaky")) == 2


def test_user_entered_names_cannot_inject_markdown(org, platforms_server):
    _robot(platforms_server, platform="feishu", token="esc", team=org["t1"])
    org["r1"].first_name, org["r1"].last_name = "**Boss**", "<at id=all></at>"
    org["r1"].save()
    account = AccountFactory(owner=org["r1"], name="[Click](http://evil.example)\n# Heading")
    ReminderFactory(account=account, date=DAY)

    robots_deliver_now(day=DAY, digest=True)

    [request] = platforms_server.received
    text = request.text
    assert "[Click](" not in text and "<at" not in text and "**Boss**" not in text
    assert "\n# Heading" not in text
    assert "［Click］（http://evil.example）" in text
    assert "＜at id=all＞" in text


def test_inactive_robots_and_users_get_nothing(org, platforms_server):
    robot = _robot(platforms_server, token="off", user=org["r1"])
    RobotWebhook.objects.filter(pk=robot.pk).update(active=False)
    gone = UserFactory(username="gone", team=org["t1"], is_active=False)
    _robot(platforms_server, token="team", team=org["t1"])
    _reminders(gone, 2)
    _reminders(org["r1"], 1)

    robots_deliver_now(day=DAY, digest=True)

    assert platforms_server.for_token("off") == []
    [team] = platforms_server.for_token("team")
    assert "Acme 0" in team.text
    assert RobotDelivery.objects.filter(reminder__recipient=gone).count() == 0


def test_the_digest_waits_for_the_days_reminder_run(org, platforms_server):
    from visits.models import VisitSettings

    VisitSettings.objects.update_or_create(pk=1, defaults={"digest_hour": 0})
    _robot(platforms_server, token="w", user=org["r1"])
    _reminders(org["r1"], 1)

    assert robots_dispatch(day=DAY).digest == []
    ReminderRunFactory(date=DAY, finished_at=dt.datetime(2026, 5, 4, 7, tzinfo=dt.UTC))
    assert len(robots_dispatch(day=DAY).digest) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatches_claim_each_reminder_once(org, platforms_server):
    robots = [_robot(platforms_server, token=f"c{i}", user=org["r1"]) for i in range(3)]
    robots.append(_robot(platforms_server, token="team", team=org["t1"]))
    _reminders(org["r1"], 20, kind=Reminder.Kind.VISIT_OVERDUE)
    _reminders(org["r2"], 10)
    results, errors = [], []
    barrier = threading.Barrier(4)

    def run(digest):
        try:
            barrier.wait(5)
            results.append(robots_dispatch(day=DAY, digest=digest))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(d,)) for d in (True, True, False, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert errors == []
    # 4 channels × r1's 20 reminders + the team's 10 of r2.
    assert RobotDelivery.objects.count() == 4 * 20 + 10
    assert RobotMessage.objects.filter(kind="digest").count() <= 4  # one a channel at most
    assert all(m.deliveries.exists() for m in RobotMessage.objects.filter(kind="urgent"))
    sent_ids = sorted(i for r in results for i in r.message_ids)
    assert sent_ids == sorted(RobotMessage.objects.values_list("pk", flat=True))
    for message_id in sent_ids:
        robot_message_send(message_id=message_id)
    # A digest whose every reminder a concurrent urgent run took first has nothing to say:
    # it is skipped without a request.
    sent = RobotMessage.objects.filter(state="sent")
    assert len(platforms_server.received) == sent.count()
    assert not RobotDelivery.objects.exclude(message__in=sent).exists()
    assert set(RobotMessage.objects.values_list("state", flat=True)) <= {"sent", "skipped"}
    assert Account.objects.count() >= 30


@pytest.mark.django_db(transaction=True)
def test_sending_on_threads_sends_each_channel_once(org, platforms_server):
    for i in range(5):
        _robot(platforms_server, token=f"p{i}", user=org["r1"], mode="500" if i == 0 else "ok")
    _reminders(org["r1"], 4)

    sent, failed = robots_deliver_now(day=DAY, digest=True, threads=3)

    assert (sent, failed) == (4, 1)
    assert sorted(r.token for r in platforms_server.received) == ["p0", "p1", "p2", "p3", "p4"]
    assert platforms_server.problems() == []


def test_the_beat_dispatch_queues_one_send_task_per_channel(org, platforms_server, settings):
    from config.celery import app
    from core.models import PendingTask
    from robots.tasks import SEND_TASK, robots_dispatch_task

    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE["robots-dispatch"]["task"] in app.tasks
    _robot(platforms_server, token="one", user=org["r1"])
    _robot(platforms_server, token="two", team=org["t1"])
    _reminders(org["r1"], 6, kind=Reminder.Kind.VISIT_OVERDUE)

    assert robots_dispatch_task.run(DAY.isoformat()) == 2
    assert robots_dispatch_task.run(DAY.isoformat()) == 0

    queued = PendingTask.objects.filter(task_name=SEND_TASK)
    assert sorted(t.args[0] for t in queued) == sorted(
        RobotMessage.objects.values_list("pk", flat=True)
    )


def test_the_command_sends_now_and_reports_failures(org, platforms_server):
    from django.core.management import CommandError, call_command

    _robot(platforms_server, token="cmd", user=org["r1"])
    _reminders(org["r1"], 2)
    out = io.StringIO()
    call_command("send_robot_messages", "--date", DAY.isoformat(), "--digest", stdout=out)
    assert "robot messages sent: 1" in out.getvalue()
    _robot(platforms_server, token="down", user=org["r2"], mode="500")
    _reminders(org["r2"], 1)
    with pytest.raises(CommandError, match="1 robot message"):
        call_command("send_robot_messages", "--date", DAY.isoformat(), "--digest")
    with pytest.raises(CommandError, match="--date"):
        call_command("send_robot_messages", "--date", "tomorrow")
    assert len(platforms_server.received) == 2
