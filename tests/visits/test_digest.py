"""The daily digest email through a real SMTP server on loopback, exactly once."""

import datetime as dt
import threading
from email import message_from_bytes

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account
from visits.models import DigestEmail, Reminder
from visits.services import digest_send, digests_prepare

D = dt.date
DAY = D(2026, 3, 10)


@pytest.fixture
def recipients(org, visit_factory):
    """r1 (with email) and r2 (with email, Chinese) have due visits; r3 has no email."""
    for name, email, language in (
        ("r1", "r1@example.com", ""),
        ("r2", "r2@example.com", "zh-hans"),
        ("r3", "", ""),
    ):
        user = org[name]
        user.email, user.language = email, language
        user.save()
        account = org["accounts"][name]
        Account.objects.filter(pk=account.pk).update(tier="A")
        visit_factory(account=account, visit_date=DAY - dt.timedelta(days=20))
    return org


def _subjects(messages):
    return sorted(message_from_bytes(m.content)["Subject"] for m in messages)


def _rcpts(messages):
    return sorted(r for m in messages for r in m.rcpt_tos)


@pytest.mark.usefixtures("quiet_occasions")
def test_command_twice_sends_one_digest_per_recipient(recipients, smtp_settings, capsys):
    call_command("send_reminders", "--date", DAY.isoformat())
    call_command("send_reminders", "--date", DAY.isoformat())

    messages = smtp_settings.messages
    assert _rcpts(messages) == ["r1@example.com", "r2@example.com"]
    by_rcpt = {m.rcpt_tos[0]: message_from_bytes(m.content) for m in messages}
    english = by_rcpt["r1@example.com"]
    assert english["Message-ID"] == f"<crm-digest-{recipients['r1'].pk}-20260310@localhost>"
    assert english["Subject"] == "Your CRM reminders for 2026-03-10"
    text = english.get_payload()[0].get_payload(decode=True).decode()
    assert "Visit Account of r1: due 2026-02-25, not planned yet." in text
    assert "Account of r2" not in text
    assert by_rcpt["r2@example.com"]["Subject"] != english["Subject"]  # in Chinese
    states = sorted(DigestEmail.objects.values_list("recipient__username", "state", "items"))
    assert states == [("r1", "sent", 1), ("r2", "sent", 1)]
    assert "digest emails sent: 2" in capsys.readouterr().out


@pytest.mark.usefixtures("quiet_occasions")
def test_mail_server_down_keeps_the_digest_pending_and_a_rerun_sends_it_once(
    recipients, settings, smtp_server
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_TIMEOUT = "127.0.0.1", 5
    from tests.visits.conftest import free_port

    settings.EMAIL_PORT = free_port()  # nothing listens there
    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", DAY.isoformat())
    rows = sorted(DigestEmail.objects.values_list("state", "attempts", "sent_at"))
    assert rows == [("pending", 1, None), ("pending", 1, None)]
    assert all(DigestEmail.objects.values_list("last_error", flat=True))
    assert Reminder.objects.count() == 3  # the reminders were kept

    settings.EMAIL_PORT = smtp_server.port
    call_command("send_reminders", "--date", DAY.isoformat())
    call_command("send_reminders", "--date", DAY.isoformat())
    assert _rcpts(smtp_server.messages) == ["r1@example.com", "r2@example.com"]
    assert sorted(DigestEmail.objects.values_list("state", "attempts")) == [
        ("sent", 2),
        ("sent", 2),
    ]


@pytest.mark.usefixtures("quiet_occasions")
def test_a_refused_message_is_retried_and_delivered_once(recipients, smtp_settings):
    call_command("send_reminders", "--date", DAY.isoformat(), "--no-email")
    ids = digests_prepare(day=DAY)
    assert len(ids) == 2
    smtp_settings.handler.refuse = 1
    from smtplib import SMTPException

    with pytest.raises(SMTPException):
        digest_send(digest_id=ids[0])
    assert DigestEmail.objects.get(pk=ids[0]).state == "pending"
    assert digest_send(digest_id=ids[0]) is True
    assert digest_send(digest_id=ids[0]) is False
    assert len(smtp_settings.messages) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("quiet_occasions")
def test_two_senders_at_once_send_one_email(recipients, smtp_settings):
    """While one sender holds the digest (its mail in flight), a second one skips it."""
    call_command("send_reminders", "--date", DAY.isoformat(), "--no-email")
    digest_id = digests_prepare(day=DAY)[0]
    handler = smtp_settings.handler
    handler.gate.clear()
    results = {}

    def first():
        from django.db import connection

        results["first"] = digest_send(digest_id=digest_id)
        connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert handler.entered.wait(10), "the first sender never reached the mail server"
    results["second"] = digest_send(digest_id=digest_id)
    handler.gate.set()
    thread.join(20)
    assert results == {"first": True, "second": False}
    assert len(smtp_settings.messages) == 1
    assert DigestEmail.objects.get(pk=digest_id).state == "sent"


@pytest.mark.usefixtures("quiet_occasions")
def test_nothing_to_say_sends_nothing(org, smtp_settings, visit_factory):
    org["r1"].email = "r1@example.com"
    org["r1"].save()
    Account.objects.update(tier="C")
    for account in Account.objects.all():
        visit_factory(account=account, visit_date=DAY - dt.timedelta(days=5))
    call_command("send_reminders", "--date", DAY.isoformat())
    assert smtp_settings.messages == []
    assert DigestEmail.objects.count() == 0
