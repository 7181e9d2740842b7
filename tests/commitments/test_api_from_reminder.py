"""`/api/v1/tasks/` makes a task from a reminder (`source_reminder`) by the rule of
commitments.services, as the HTML page does: the caller's own reminder, visible to them; the
account follows the reminder's. Every refusal is a 400 naming the field, nothing written."""

import datetime as dt

import pytest

from accounts.models import Account
from commitments.models import Commitment
from core.models import AuditEntry
from tests.factories import AccountFactory, ReminderFactory

URL = "/api/v1/tasks/"
DAY = dt.date(2026, 3, 20)
pytestmark = pytest.mark.django_db


@pytest.fixture
def reminders(org):
    return {
        name: ReminderFactory(recipient=org[name], account=org["accounts"][name], date=DAY)
        for name in ("r1", "r2")
    }


def test_a_task_from_a_reminder_takes_its_account_and_date(org, api, reminders):
    reminder = reminders["r1"]
    response = api(org["r1"]).post(
        URL, {"source_reminder": reminder.pk, "title": "Send the quote"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["account"], body["due_date"], body["source"], body["source_reminder"]) == (
        reminder.account_id,
        "2026-03-20",
        "reminder",
        reminder.pk,
    )
    assert (body["owner"], body["requested_by"]) == (org["r1"].pk, org["r1"].pk)
    entry = AuditEntry.objects.get(model="commitments.Commitment")
    assert (entry.action, entry.account_id) == ("create", reminder.account_id)


def test_a_due_date_and_the_same_account_may_be_given(org, api, reminders):
    reminder = reminders["r1"]
    response = api(org["r1"]).post(
        URL,
        {
            "source_reminder": reminder.pk,
            "account": reminder.account_id,
            "title": "Call back",
            "due_date": "2026-03-25",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["due_date"] == "2026-03-25"


def _moved_reminder(org):
    """r1's reminder about an account that has since left r1's book."""
    account = AccountFactory(owner=org["r1"])
    reminder = ReminderFactory(recipient=org["r1"], account=account, date=DAY)
    Account.objects.filter(pk=account.pk).update(owner=org["r3"])
    return reminder


@pytest.mark.parametrize(
    ("actor", "case", "field"),
    [
        ("r1", "theirs", "source_reminder"),  # not visible to r1: a missing id
        ("m1", "mine", "source_reminder"),  # visible to the manager, but not theirs
        ("r1", "other_account", "source_reminder"),  # the account must be the reminder's
        ("r1", "missing", "source_reminder"),
        ("r1", "moved", "source_reminder"),  # its account left the book
        ("r1", "none", "account"),  # no reminder: the account is required
        ("r1", "no_date", "due_date"),  # no reminder: the due date is required
    ],
)
def test_refusals_name_the_field_and_write_nothing(org, api, reminders, actor, case, field):
    body = {"title": "Call back"}
    if case == "theirs":
        body["source_reminder"] = reminders["r2"].pk
    elif case in ("mine", "other_account"):
        body["source_reminder"] = reminders["r1"].pk
    elif case == "missing":
        body["source_reminder"] = 10**9
    elif case == "moved":
        body["source_reminder"] = _moved_reminder(org).pk
    elif case == "no_date":
        body["account"] = org["accounts"]["r1"].pk
    elif case == "none":
        body["due_date"] = "2026-03-25"
    if case == "other_account":
        body["account"] = AccountFactory(owner=org["r1"]).pk
    response = api(org[actor]).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert not Commitment.objects.exists()
    assert not AuditEntry.objects.filter(model="commitments.Commitment").exists()


def test_a_tasks_reminder_is_fixed_once_made(org, api, reminders):
    client = api(org["r1"])
    created = client.post(
        URL, {"source_reminder": reminders["r1"].pk, "title": "Call back"}, format="json"
    ).json()
    url = f"{URL}{created['id']}/"
    other = ReminderFactory(
        recipient=org["r1"], account=org["accounts"]["r1"], date=DAY, kind="gift"
    )
    changed = client.patch(url, {"source_reminder": other.pk}, format="json")
    assert changed.status_code == 400 and list(changed.json()) == ["source_reminder"]
    # Sending back what was read (PUT) is fine.
    same = client.put(url, {**created, "title": "Called back"}, format="json")
    assert same.status_code == 200, same.content
    task = Commitment.objects.get()
    assert (task.source_reminder_id, task.title) == (reminders["r1"].pk, "Called back")
