"""Every list page runs the same number of SQL queries whatever the number of rows it shows
(issue 23): one row, then a dozen more spread over accounts and owners, and the count must not
move. A query per row (a related object read in the template, a count per account…) fails it.

The Today page has its own checks for a rep and a manager in tests/today/test_today.py
(test_the_query_count_does_not_grow_with_the_book / _with_the_team); the account list's first
version of this check is tests/accounts/test_views.py
(test_list_page_runs_a_fixed_number_of_queries).
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AccountFactory,
    AuditEntryFactory,
    CommitmentFactory,
    ContactFactory,
    ImportBatchFactory,
    OpportunityFactory,
    ProspectFactory,
    ReminderFactory,
    StageFactory,
    TargetFactory,
    TierRunFactory,
    TierSnapshotFactory,
    TouchFactory,
    UserFactory,
    VisitFactory,
)

MORE = 12


def _owner(org, i: int):
    """The rows' owners alternate between the team's two reps (the manager sees both)."""
    return org["r1"] if i % 2 else org["r2"]


def _account(org, i: int, **extra):
    return AccountFactory(owner=_owner(org, i), name=f"Grown account {i:02d}", **extra)


def _visit(org, i):
    account = _account(org, i)
    visit = VisitFactory(
        account=account,
        visit_date=timezone.localdate() - datetime.timedelta(days=i % 5),
        logged_by=account.owner,
        purpose=f"Grown visit {i}",
    )
    visit.contacts.add(ContactFactory(account=account))


def _commitment(org, i):
    account = _account(org, i)
    ContactFactory(account=account)
    CommitmentFactory(
        account=account,
        title=f"Grown commitment {i}",
        due_date=timezone.localdate() + datetime.timedelta(days=i % 7),
    )


def _opportunity(org, i, *, stage):
    OpportunityFactory(account=_account(org, i), name=f"Grown deal {i}", stage=stage)


def _reminder(org, i):
    # The reminders page lists the viewer's own: every row goes to r1.
    account = AccountFactory(owner=org["r1"], name=f"Grown account {i:02d}")
    ReminderFactory(account=account)


def _user(org, i):
    UserFactory(username=f"grown{i:02d}", team=org["t1"] if i % 2 else org["t2"])


def _target(org, i):
    TargetFactory(
        user=UserFactory(username=f"grown{i:02d}", team=org["t1"] if i % 2 else org["t2"])
    )


def _batch(org, i):
    ImportBatchFactory(created_by=org["admin"], file_name=f"grown-{i}.xlsx")


def _audit(org, i):
    AuditEntryFactory(
        actor=_owner(org, i),
        model="accounts.account",
        object_id=str(_account(org, i).pk),
    )


# (page, viewer, a function adding row i). Viewers: m1 (a manager: the team's two reps' rows),
# r1 (a rep: their own), admin (the pages only admins open).
CASES = {
    "accounts:list": ("m1", _account),
    "prospects:list": (
        "m1",
        lambda org, i: ProspectFactory(account=_account(org, i, lifecycle="potential")),
    ),
    # The deals and commitments lists show the viewer's own by default; `owner=` empty: all
    # they see.
    "opportunities:list?owner=": ("m1", "opportunity"),
    "commitments:list?owner=": ("m1", _commitment),
    "visits:due": ("m1", _account),
    "prospects:coverage": ("m1", lambda org, i: _account(org, i, tier="A")),
    "scoring:accounts": ("m1", "snapshot"),
    "visits:visit_list": ("m1", _visit),
    "visits:touch_list": (
        "m1",
        lambda org, i: TouchFactory(account=_account(org, i), date=timezone.localdate()),
    ),
    "visits:reminders": ("r1", _reminder),
    "users:list": ("admin", _user),
    "targets:list": ("admin", _target),
    "imports:list": ("admin", _batch),
    "scoring:runs": ("admin", lambda org, i: TierRunFactory()),
    "audit": ("admin", _audit),
}


def _get(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response, len(captured)


def _rows(response) -> int:
    return len(response.context["page"].object_list)


@pytest.mark.parametrize("name", list(CASES))
def test_a_list_page_runs_the_same_queries_for_one_row_and_many(client, org, name):
    viewer, add = CASES[name]
    if add == "opportunity":
        stage = StageFactory()

        def add(org, i):
            _opportunity(org, i, stage=stage)

    elif add == "snapshot":
        run = TierRunFactory()

        def add(org, i):
            TierSnapshotFactory(run=run, account=_account(org, i, tier="A"), position=i + 1)

    path, _sep, query = name.partition("?")
    url = reverse(path) + (f"?{query}" if query else "")
    add(org, 0)
    client.force_login(org[viewer])
    client.get(url)  # warm: the session, settings rows, per-user caches
    few_response, few = _get(client, url)
    for i in range(1, MORE + 1):
        add(org, i)
    many_response, many = _get(client, url)
    assert _rows(many_response) == _rows(few_response) + MORE, "the new rows are not listed"
    assert many == few, f"{name}: {few} queries for {_rows(few_response)} rows, {many} for more"
