"""Commitment services: the one access rule, clear field errors, nothing half-written."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from commitments import services
from commitments.models import Commitment
from commitments.selectors import commitments_open_for, commitments_visible_to
from core.models import AuditEntry
from tests.factories import ProspectFactory, UserFactory

DAY = dt.date(2026, 3, 10)


def _data(org, name="r1", **extra):
    return {"account": org["accounts"][name], "title": "Send the quote", "due_date": DAY, **extra}


def test_rep_creates_for_themselves_and_is_who_asked(org, contacts):
    c = services.commitment_create(
        actor=org["r1"], data=_data(org, contact=contacts["r1"], due_time=dt.time(9, 30))
    )
    c.refresh_from_db()
    assert (c.owner, c.requested_by, c.status, c.source) == (org["r1"], org["r1"], "open", "manual")
    assert c.contact == contacts["r1"]
    entry = AuditEntry.objects.get(model="commitments.Commitment", action="create")
    assert entry.account_id == org["accounts"]["r1"].pk
    assert entry.changes["title"] == [None, "Send the quote"]


def test_manager_assigns_to_a_team_rep(org):
    c = services.commitment_create(actor=org["m1"], data=_data(org, owner=org["r2"]))
    assert (c.owner, c.requested_by) == (org["r2"], org["m1"])


@pytest.mark.parametrize(
    ("actor", "change", "field"),
    [
        ("r1", {"account": "r2"}, "account"),  # outside the rep's book
        ("m1", {"account": "r3"}, "account"),  # another team's account
        ("r1", {"owner": "r2"}, "owner"),  # a rep assigns only to themselves
        ("m1", {"owner": "r3"}, "owner"),  # not in the manager's team
        ("r1", {"contact": "r2"}, "contact"),  # contact of another account
        ("r1", {"title": "  "}, "title"),
    ],
)
def test_refusals_name_the_field_and_write_nothing(org, contacts, db_state, actor, change, field):
    data = _data(org)
    for key, value in change.items():
        data[key] = {"account": org["accounts"], "owner": org, "contact": contacts}.get(
            key, {}
        ).get(value, value)
    before = db_state()
    with pytest.raises(ValidationError) as exc:
        services.commitment_create(actor=org[actor], data=data)
    assert field in exc.value.error_dict
    assert db_state() == before


def test_inactive_owner_refused(org, db_state):
    gone = UserFactory(username="gone", team=org["t1"], is_active=False)
    before = db_state()
    with pytest.raises(ValidationError) as exc:
        services.commitment_create(actor=org["m1"], data=_data(org, owner=gone))
    assert list(exc.value.error_dict) == ["owner"]
    assert db_state() == before


def test_prospect_must_be_the_accounts(org, db_state):
    other = ProspectFactory(account=org["accounts"]["r2"])
    mine = ProspectFactory(account=org["accounts"]["r1"])
    before = db_state()
    with pytest.raises(ValidationError) as exc:
        services.commitment_create(actor=org["m1"], data=_data(org, prospect=other))
    assert list(exc.value.error_dict) == ["prospect"]
    assert db_state() == before
    c = services.commitment_create(actor=org["r1"], data=_data(org, prospect=mine))
    assert c.prospect == mine


def test_unknown_field_refused(org):
    with pytest.raises(ValidationError) as exc:
        services.commitment_create(actor=org["r1"], data=_data(org, status="done"))
    assert list(exc.value.error_dict) == ["status"]


def test_update_reassigning_sets_who_asked_and_checks_owner(org, commitment_factory, db_state):
    c = commitment_factory(account=org["accounts"]["r1"], owner=org["r1"], requested_by=org["r1"])
    before = db_state()
    with pytest.raises(ValidationError) as exc:
        services.commitment_update(actor=org["r1"], commitment=c, data={"owner": org["r2"]})
    assert list(exc.value.error_dict) == ["owner"]
    assert db_state() == before
    saved = services.commitment_update(actor=org["m1"], commitment=c, data={"owner": org["r2"]})
    assert (saved.owner, saved.requested_by) == (org["r2"], org["m1"])
    entry = AuditEntry.objects.get(action="update", model="commitments.Commitment")
    assert entry.changes["owner"] == [org["r1"].pk, org["r2"].pk]


def test_update_of_a_commitment_outside_sight_is_404(org, commitment_factory, db_state):
    c = commitment_factory(account=org["accounts"]["r3"])
    before = db_state()
    with pytest.raises(Http404):
        services.commitment_update(actor=org["r1"], commitment=c, data={"title": "x"})
    with pytest.raises(Http404):
        services.commitment_mark_done(actor=org["r1"], commitment=c)
    with pytest.raises(Http404):
        services.commitment_delete(actor=org["r1"], commitment=c)
    assert db_state() == before


def test_done_and_undo(org, commitment_factory):
    c = commitment_factory(account=org["accounts"]["r1"])
    done = services.commitment_mark_done(actor=org["r1"], commitment=c)
    assert done.status == "done" and done.done_at is not None
    again = services.commitment_mark_done(actor=org["r1"], commitment=c)
    assert again.done_at == done.done_at  # a second click changes nothing
    reopened = services.commitment_reopen(actor=org["r1"], commitment=c)
    assert (reopened.status, reopened.done_at) == ("open", None)
    actions = list(
        AuditEntry.objects.filter(model="commitments.Commitment").values_list("action", flat=True)
    )
    assert sorted(actions) == ["done", "undo"]  # audit actions shown as Done, Undone


def test_owner_keeps_seeing_after_the_account_moved(org, commitment_factory):
    """A rep keeps what they promised: visible, done-able, but not editable."""
    account = org["accounts"]["r1"]
    c = commitment_factory(account=account, owner=org["r1"])
    account.owner = org["r3"]
    account.save()
    assert list(commitments_visible_to(org["r1"])) == [c]
    services.commitment_mark_done(actor=org["r1"], commitment=c)
    with pytest.raises(ValidationError) as exc:
        services.commitment_update(actor=org["r1"], commitment=c, data={"title": "x"})
    assert list(exc.value.error_dict) == ["account"]


def test_delete(org, commitment_factory):
    c = commitment_factory(account=org["accounts"]["r1"])
    services.commitment_delete(actor=org["r1"], commitment=c)
    assert not Commitment.objects.exists()
    assert AuditEntry.objects.filter(action="delete", model="commitments.Commitment").exists()


def test_open_for_due_today_is_due_before_is_overdue(org, commitment_factory):
    a = org["accounts"]["r1"]
    overdue = commitment_factory(account=a, due_date=DAY - dt.timedelta(days=1))
    today = commitment_factory(account=a, due_date=DAY)
    commitment_factory(account=a, due_date=DAY + dt.timedelta(days=1))
    commitment_factory(account=a, due_date=DAY, status="done", done_at="2026-03-09T10:00Z")
    assert list(commitments_open_for(org["r1"], until=DAY)) == [overdue, today]
    assert list(Commitment.objects.overdue(DAY)) == [overdue]


def test_reminder_source_must_be_the_actors(org, db_state):
    from tests.factories import ReminderFactory

    mine = ReminderFactory(recipient=org["r1"], account=org["accounts"]["r1"])
    theirs = ReminderFactory(recipient=org["m1"], account=org["accounts"]["r1"])
    before = db_state()
    with pytest.raises(ValidationError) as exc:
        services.commitment_create(actor=org["r1"], data=_data(org), source_reminder=theirs)
    assert list(exc.value.error_dict) == ["source_reminder"]
    assert db_state() == before
    c = services.commitment_create(actor=org["r1"], data=_data(org), source_reminder=mine)
    assert (c.source, c.source_reminder) == ("reminder", mine)
