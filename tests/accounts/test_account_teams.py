"""Account teams, usable: who manages a team (the owner, the owner's manager, admins), the
refusals with their reasons, the audit trail, the card's Team section and its forms, the API
(/api/v1/accounts/<id>/team/, /api/v1/account-team-members/<id>/), and the one write rule
(account_scope_q(write=True)): a "read" member sees the account but changing it is 403."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Account, AccountTeamMember
from accounts.selectors import accounts_editable_by, accounts_visible_to
from core.models import AuditEntry
from tests.factories import AccountTeamMemberFactory, UserFactory
from visits.models import Visit
from visits.services.records import visit_create

pytestmark = pytest.mark.django_db

READ, EDIT = AccountTeamMember.Access.READ, AccountTeamMember.Access.EDIT


def _state(account):
    return (
        list(AccountTeamMember.objects.filter(account=account).values()),
        AuditEntry.objects.count(),
    )


# --- the write rule ---------------------------------------------------------------------------


def test_a_read_member_sees_but_only_an_edit_member_may_change_the_account(org):
    account = org["accounts"]["r1"]
    AccountTeamMemberFactory(account=account, user=org["r3"], access=READ)
    AccountTeamMemberFactory(account=account, user=org["r4"], access=EDIT)

    assert account in accounts_visible_to(org["r3"])
    assert account not in accounts_editable_by(org["r3"])
    assert account in accounts_editable_by(org["r4"])
    # Whoever sees the edit member's book (their manager) may edit too; the owner's side too.
    assert account in accounts_editable_by(org["m2"])
    assert account in accounts_editable_by(org["m1"])
    assert account not in accounts_editable_by(org["r2"])

    before = Account.objects.filter(pk=account.pk).values().get()
    with pytest.raises(PermissionDenied, match="read-only member"):
        services.account_update(actor=org["r3"], account=account, data={"notes": "mine"})
    assert Account.objects.filter(pk=account.pk).values().get() == before

    saved = services.account_update(actor=org["r4"], account=account, data={"notes": "ours"})
    assert saved.notes == "ours"


def test_a_read_member_gets_403_with_the_reason_on_the_page_and_the_api(org, client, api):
    account = org["accounts"]["r1"]
    AccountTeamMemberFactory(account=account, user=org["r3"], access=READ)
    client.force_login(org["r3"])

    card = client.get(reverse("accounts:detail", args=[account.pk]))
    assert card.status_code == 200
    assert reverse("accounts:edit", args=[account.pk]) not in card.content.decode()
    page = client.get(reverse("accounts:edit", args=[account.pk]))
    assert page.status_code == 403
    assert "read-only member" in page.content.decode()
    posted = client.post(reverse("accounts:edit", args=[account.pk]), {"name": "Taken"})
    assert posted.status_code == 403
    response = api(org["r3"]).patch(
        f"/api/v1/accounts/{account.pk}/", {"name": "Taken"}, format="json"
    )
    assert response.status_code == 403
    assert "read-only member" in response.json()["detail"]
    account.refresh_from_db()
    assert account.name == "Account of r1"


def test_a_read_member_winning_the_prospect_still_turns_the_account_existing(org):
    """The lifecycle follows work on what hangs on the account: not an edit of the account."""
    account = org["accounts"]["r1"]
    AccountTeamMemberFactory(account=account, user=org["r3"], access=READ)
    services.account_set_lifecycle(
        actor=org["r3"], account=account, lifecycle=Account.Lifecycle.EXISTING
    )
    account.refresh_from_db()
    assert account.lifecycle == Account.Lifecycle.EXISTING


# --- managing the team ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["r1", "m1", "admin"])
def test_the_owner_the_owners_manager_and_admins_manage_the_team(org, who):
    account = org["accounts"]["r1"]
    member = services.account_team_member_add(
        actor=org[who], account=account, user=org["r3"], role="technical", access=READ
    )
    assert (member.user, member.role, member.access, member.added_by) == (
        org["r3"],
        "technical",
        READ,
        org[who],
    )
    services.account_team_member_update(actor=org[who], member=member, data={"access": EDIT})
    member.refresh_from_db()
    assert member.access == EDIT
    services.account_team_member_remove(actor=org[who], member=member)
    assert not AccountTeamMember.objects.filter(account=account).exists()
    entries = AuditEntry.objects.filter(model="accounts.AccountTeamMember").order_by("id")
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[0].changes["user"] == [None, org["r3"].pk]
    assert entries[1].changes == {"access": ["read", "edit"]}
    assert {e.account_id for e in entries} == {account.pk}


def test_a_member_even_with_edit_access_does_not_manage_the_team(org):
    account = org["accounts"]["r1"]
    editor = AccountTeamMemberFactory(account=account, user=org["r3"], access=EDIT)
    before = _state(account)
    with pytest.raises(PermissionDenied, match="Only the owner"):
        services.account_team_member_add(actor=org["r3"], account=account, user=org["r4"])
    with pytest.raises(PermissionDenied):
        services.account_team_member_update(
            actor=org["r3"], member=editor, data={"role": "service"}
        )
    with pytest.raises(PermissionDenied):
        services.account_team_member_remove(actor=org["m2"], member=editor)
    assert _state(account) == before


def test_a_team_outside_the_book_is_refused_like_a_missing_account(org):
    account = org["accounts"]["r1"]
    before = _state(account)
    with pytest.raises(ValidationError) as refused:
        services.account_team_member_add(actor=org["r3"], account=account, user=org["r4"])
    assert "account" in refused.value.message_dict
    assert _state(account) == before


def test_adding_the_owner_an_inactive_user_or_a_member_twice_is_refused_clearly(org):
    account = org["accounts"]["r1"]
    services.account_team_member_add(actor=org["r1"], account=account, user=org["r2"])
    gone = UserFactory(username="gone", is_active=False)
    before = _state(account)
    cases = [
        (org["r1"], "owns this account"),
        (gone, "deactivated"),
        (org["r2"], "already in this account's team"),
        (None, "Choose a user"),
    ]
    for user, message in cases:
        with pytest.raises(ValidationError) as refused:
            services.account_team_member_add(actor=org["r1"], account=account, user=user)
        assert message in refused.value.message_dict["user"][0]
    with pytest.raises(ValidationError) as refused:
        services.account_team_member_add(
            actor=org["r1"], account=account, user=org["r3"], access="owner"
        )
    assert "access" in refused.value.message_dict
    member = AccountTeamMember.objects.get(account=account)
    with pytest.raises(ValidationError) as refused:
        services.account_team_member_update(
            actor=org["r1"], member=member, data={"user": org["r3"]}
        )
    assert "user" in refused.value.message_dict
    assert _state(account) == before


# --- the card ---------------------------------------------------------------------------------


def test_the_card_lists_the_team_and_offers_its_forms_to_who_manages_it(org, client):
    account = org["accounts"]["r1"]
    AccountTeamMemberFactory(account=account, user=org["r3"], role="service", access=READ)
    client.force_login(org["r1"])
    html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert 'id="team-h"' in html and "r3" in html
    assert reverse("accounts:team_add", args=[account.pk]) in html

    client.force_login(org["r3"])
    html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "r3" in html and "Service" in html
    assert reverse("accounts:team_add", args=[account.pk]) not in html


def test_the_card_forms_add_change_and_remove_with_messages(org, client):
    account = org["accounts"]["r1"]
    client.force_login(org["r1"])
    url = reverse("accounts:team_add", args=[account.pk])
    response = client.post(url, {"user": org["r3"].pk, "role": "technical", "access": "edit"})
    assert response.status_code == 302 and response["Location"].endswith("#team-h")
    member = AccountTeamMember.objects.get(account=account)
    assert (member.user, member.role, member.access) == (org["r3"], "technical", "edit")

    again = client.post(url, {"user": org["r3"].pk, "role": "other", "access": "read"}, follow=True)
    assert "already in this account&#x27;s team" in again.content.decode()
    owner = client.post(url, {"user": org["r1"].pk, "role": "other", "access": "read"}, follow=True)
    assert "owns this account" in owner.content.decode()
    assert AccountTeamMember.objects.filter(account=account).count() == 1

    client.post(
        reverse("accounts:team_member_edit", args=[member.pk]),
        {"role": "service", "access": "read"},
    )
    member.refresh_from_db()
    assert (member.role, member.access) == ("service", "read")
    bad = client.post(
        reverse("accounts:team_member_edit", args=[member.pk]), {"role": "boss", "access": "read"}
    )
    assert bad.status_code == 302
    member.refresh_from_db()
    assert member.role == "service"

    client.force_login(org["r3"])
    refused = client.post(reverse("accounts:team_member_remove", args=[member.pk]))
    assert refused.status_code == 403
    client.force_login(org["r1"])
    client.post(reverse("accounts:team_member_remove", args=[member.pk]))
    assert not AccountTeamMember.objects.filter(pk=member.pk).exists()


# --- the API ----------------------------------------------------------------------------------


def test_the_team_api_lists_adds_changes_and_removes(org, api):
    account = org["accounts"]["r1"]
    owner = api(org["r1"])
    url = f"/api/v1/accounts/{account.pk}/team/"
    created = owner.post(url, {"user": org["r3"].pk, "role": "technical"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["account"], body["user"], body["role"], body["access"]) == (
        account.pk,
        org["r3"].pk,
        "technical",
        "read",
    )
    assert [m["id"] for m in api(org["r3"]).get(url).json()] == [body["id"]]
    duplicate = owner.post(url, {"user": org["r3"].pk}, format="json")
    assert duplicate.status_code == 400 and "user" in duplicate.json()
    refused = api(org["r3"]).post(url, {"user": org["r4"].pk}, format="json")
    assert refused.status_code == 403 and "Only the owner" in refused.json()["detail"]
    assert api(org["r2"]).get(url).status_code == 404

    detail = f"/api/v1/account-team-members/{body['id']}/"
    assert api(org["r3"]).patch(detail, {"access": "edit"}, format="json").status_code == 403
    changed = owner.patch(detail, {"access": "edit"}, format="json")
    assert changed.status_code == 200 and changed.json()["access"] == "edit"
    assert owner.patch(detail, {"access": "all"}, format="json").status_code == 400
    assert api(org["r2"]).delete(detail).status_code == 404
    assert owner.delete(detail).status_code == 204
    assert not AccountTeamMember.objects.filter(account=account).exists()


# --- members' visits --------------------------------------------------------------------------


def test_a_members_visit_counts_for_the_account(org):
    """A member (even a read one) logs a visit on the account: it is the account's visit, and
    the account's last visit date (the cadence's input) moves."""
    account = org["accounts"]["r1"]
    AccountTeamMemberFactory(account=account, user=org["r3"], access=READ)
    visit = visit_create(
        actor=org["r3"],
        data={
            "account": account,
            "visit_date": datetime.date(2026, 5, 4),
            "purpose": "technical review",
            "duration_minutes": 60,
        },
    )
    account.refresh_from_db()
    assert account.last_visit_date == datetime.date(2026, 5, 4)
    assert list(Visit.objects.filter(account=account)) == [visit]
    assert visit.logged_by == org["r3"]


def test_a_stranger_cannot_log_a_visit_on_the_account(org):
    account = org["accounts"]["r1"]
    with pytest.raises(ValidationError):
        visit_create(
            actor=org["r3"],
            data={
                "account": account,
                "visit_date": datetime.date(2026, 5, 4),
                "purpose": "x",
                "duration_minutes": 30,
            },
        )
    account.refresh_from_db()
    assert account.last_visit_date is None
