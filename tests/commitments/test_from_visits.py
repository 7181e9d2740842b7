"""Commitments made from a visit's next step (the visit_logged signal) and from a reminder,
and the digest section of overdue and due-today commitments, through the real digest."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from commitments.models import Commitment
from commitments.services import commitment_from_visit
from tests.factories import ContactFactory, ReminderFactory
from visits import services as visit_services
from visits.models import DigestEmail, Occasion, Visit
from visits.services import digest_send, digests_prepare

DAY = dt.date(2026, 3, 10)


def _visit_data(org, **extra):
    return {
        "account": org["accounts"]["r1"],
        "visit_date": DAY,
        "purpose": "Demo",
        "next_step": "Send the price list",
        **extra,
    }


def test_logging_a_visit_with_a_due_next_step_makes_one_commitment(org, contacts):
    other = ContactFactory(account=org["accounts"]["r1"], name="Zed")
    visit = visit_services.visit_create(
        actor=org["r1"],
        data=_visit_data(org),
        contacts=[other, contacts["r1"]],
        next_step_due=DAY + dt.timedelta(days=2),
        next_step_due_time=dt.time(10, 0),
    )
    c = Commitment.objects.get()
    assert (c.source, c.source_visit, c.owner, c.title) == (
        "visit",
        visit,
        org["r1"],
        "Send the price list",
    )
    assert (c.due_date, c.due_time) == (DAY + dt.timedelta(days=2), dt.time(10, 0))
    assert c.contact in (other, contacts["r1"])
    # Again (a retried signal, a second form): the same one, nothing added.
    again = commitment_from_visit(actor=org["r1"], visit=visit, due_date=DAY)
    assert again.pk == c.pk and Commitment.objects.count() == 1


def test_no_due_date_no_commitment(org):
    visit_services.visit_create(actor=org["r1"], data=_visit_data(org))
    assert not Commitment.objects.exists()


@pytest.mark.parametrize(
    ("data", "due", "at", "field"),
    [
        ({"next_step": ""}, DAY, None, "next_step"),
        ({}, DAY - dt.timedelta(days=1), None, "next_step_due"),
        ({}, None, dt.time(9), "next_step_due"),  # a time without its date
    ],
)
def test_refused_next_step_refuses_the_visit(org, data, due, at, field):
    with pytest.raises(ValidationError) as exc:
        visit_services.visit_create(
            actor=org["r1"],
            data=_visit_data(org, **data),
            next_step_due=due,
            next_step_due_time=at,
        )
    assert list(exc.value.error_dict) == [field]
    assert not Visit.objects.exists() and not Commitment.objects.exists()


def test_visit_log_form_makes_the_commitment(client, org):
    client.force_login(org["r1"])
    account = org["accounts"]["r1"]
    response = client.post(
        f"/visits/log/?account={account.pk}",
        {
            "account": account.pk,
            "visit_date": DAY.isoformat(),
            "visit_time": "09:00",
            "purpose": "Demo",
            "next_step": "Bring samples",
            "next_step_due": (DAY + dt.timedelta(days=1)).isoformat(),
            "next_step_due_time": "15:00",
            "duration_minutes": 60,
            "expenses": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    c = Commitment.objects.get()
    assert (c.title, c.due_time) == ("Bring samples", dt.time(15, 0))
    page = client.get(f"/visits/visits/{c.source_visit_id}/").content.decode()
    assert (
        f'href="/commitments/{c.pk}/edit/?next=/visits/visits/{c.source_visit_id}/"' in page
        and "/commitments/new/?visit=" not in page
    )


def test_make_it_a_commitment_from_a_visit_page(client, org, visit_factory=None):
    from tests.factories import VisitFactory

    visit = VisitFactory(account=org["accounts"]["r1"], logged_by=org["r1"], next_step="Call Li")
    client.force_login(org["r1"])
    page = client.get(f"/visits/visits/{visit.pk}/").content.decode()
    assert f'href="/commitments/new/?visit={visit.pk}"' in page
    assert "Open its commitment" not in page
    form = client.get(f"/commitments/new/?visit={visit.pk}")
    assert form.status_code == 200 and b"Call Li" in form.content
    response = client.post(
        "/commitments/new/",
        {
            "visit": visit.pk,
            "account": visit.account_id,
            "title": "Call Li back",
            "due_date": DAY.isoformat(),
            "owner": org["r1"].pk,
        },
    )
    assert response.status_code == 302
    c = Commitment.objects.get()
    assert (c.source_visit, c.title) == (visit, "Call Li back")
    # The visit's page now opens the commitment rather than offering to make another.
    page = client.get(f"/visits/visits/{visit.pk}/").content.decode()
    assert (
        f'href="/commitments/{c.pk}/edit/?next=/visits/visits/{c.source_visit_id}/"' in page
        and "Open its commitment" in page
    )
    assert "/commitments/new/?visit=" not in page
    # A second time: to the one there.
    again = client.get(f"/commitments/new/?visit={visit.pk}")
    assert again.status_code == 302 and again["Location"] == f"/commitments/{c.pk}/edit/"
    # Someone else's visit: 404.
    client.force_login(org["r3"])
    assert client.get(f"/commitments/new/?visit={visit.pk}").status_code == 404


def test_make_it_a_commitment_from_a_reminder(client, org):
    reminder = ReminderFactory(recipient=org["r1"], account=org["accounts"]["r1"], date=DAY)
    client.force_login(org["r1"])
    listing = client.get("/visits/reminders/")
    assert f"/commitments/new/?reminder={reminder.pk}".encode() in listing.content
    form = client.get(f"/commitments/new/?reminder={reminder.pk}")
    assert form.status_code == 200
    response = client.post(
        "/commitments/new/",
        {
            "reminder": reminder.pk,
            "account": reminder.account_id,
            "title": "Birthday gift",
            "due_date": DAY.isoformat(),
            "owner": org["r1"].pk,
        },
    )
    assert response.status_code == 302
    c = Commitment.objects.get()
    assert (c.source, c.source_reminder) == ("reminder", reminder)
    client.force_login(org["m1"])  # sees the reminder, but it is not theirs
    assert client.get(f"/commitments/new/?reminder={reminder.pk}").status_code == 404


def test_digest_lists_overdue_and_due_today(org, commitment_factory, settings):
    Occasion.objects.update(active=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    r1, r3 = org["r1"], org["r3"]
    for user, email in ((r1, "r1@example.com"), (r3, "r3@example.com")):
        user.email = email
        user.save()
    a1 = org["accounts"]["r1"]
    commitment_factory(account=a1, title="Old promise", due_date=DAY - dt.timedelta(days=2))
    commitment_factory(account=a1, title="Today's promise", due_date=DAY, due_time=dt.time(9))
    commitment_factory(account=a1, title="Later", due_date=DAY + dt.timedelta(days=1))
    commitment_factory(
        account=a1, title="Kept", due_date=DAY, status="done", done_at="2026-03-09T10:00Z"
    )
    commitment_factory(
        account=org["accounts"]["r3"], title="Future", due_date=DAY + dt.timedelta(days=5)
    )

    pending = digests_prepare(day=DAY)
    assert list(DigestEmail.objects.values_list("recipient", flat=True)) == [r1.pk]
    assert digests_prepare(day=DAY) == pending  # twice: one row
    assert digest_send(digest_id=pending[0]) is True
    (message,) = mail.outbox
    assert message.to == ["r1@example.com"]
    assert "Commitments overdue or due today (2)" in message.body
    assert f"Overdue: {DAY - dt.timedelta(days=2)} · {a1.name}: Old promise" in message.body
    assert f"Due today: {DAY} 09:00 · {a1.name}: Today's promise" in message.body
    assert "Later" not in message.body and "Kept" not in message.body
    assert "reminders today" not in message.body
    assert DigestEmail.objects.get().items == 2
    assert digest_send(digest_id=pending[0]) is False  # once


def test_digest_with_reminders_and_commitments_in_chinese(org, commitment_factory, settings):
    Occasion.objects.update(active=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rep = org["r1"]
    rep.email, rep.language = "r1@example.com", "zh-hans"
    rep.save()
    account = org["accounts"]["r1"]
    ReminderFactory(recipient=rep, account=account, date=DAY, remind_on=DAY)
    commitment_factory(account=account, title="回复报价", due_date=DAY - dt.timedelta(days=1))

    (pending,) = digests_prepare(day=DAY)
    assert digest_send(digest_id=pending) is True
    body = mail.outbox[0].body
    assert "已逾期或今天到期的承诺 (1)" in body
    assert f"已逾期：{DAY - dt.timedelta(days=1)} · {account.name}: 回复报价" in body
    assert DigestEmail.objects.get().items == 2  # one reminder, one commitment
