"""Account teams in the one visibility rule: a member sees the account and what hangs on it
(contacts, visits, commitments, deals), and so does whoever sees the member's book; nobody
else does. The random organisations of the access oracle check the same over every endpoint."""

import pytest

from accounts.selectors import accounts_visible_to, contacts_visible_to
from commitments.selectors import commitments_visible_to
from crm.models import User
from opportunities.selectors import opportunities_visible_to
from tests.factories import (
    AccountFactory,
    AccountTeamMemberFactory,
    CommitmentFactory,
    ContactFactory,
    OpportunityFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    manager = UserFactory(role=User.Role.MANAGER)
    team = TeamFactory(manager=manager)
    member = UserFactory(role=User.Role.REP, team=team)
    stranger = UserFactory(role=User.Role.REP)
    other_manager = UserFactory(role=User.Role.MANAGER)
    TeamFactory(manager=other_manager)
    owner = UserFactory(role=User.Role.REP)
    account = AccountFactory(owner=owner)
    return {
        "manager": manager,
        "member": member,
        "stranger": stranger,
        "other_manager": other_manager,
        "owner": owner,
        "account": account,
    }


def test_a_member_and_their_manager_see_the_account_and_what_hangs_on_it(org):
    account = org["account"]
    contact = ContactFactory(account=account)
    commitment = CommitmentFactory(account=account, owner=org["owner"])
    deal = OpportunityFactory(account=account, owner=org["owner"])
    for user in (org["member"], org["manager"], org["stranger"]):
        assert not accounts_visible_to(user).filter(pk=account.pk).exists()
    AccountTeamMemberFactory(account=account, user=org["member"])
    for user in (org["member"], org["manager"]):
        assert list(accounts_visible_to(user)) == [account]
        assert list(contacts_visible_to(user)) == [contact]
        assert list(commitments_visible_to(user)) == [commitment]
        assert list(opportunities_visible_to(user)) == [deal]
    for user in (org["stranger"], org["other_manager"]):
        assert not accounts_visible_to(user).exists()
        assert not contacts_visible_to(user).exists()


def test_an_inactive_member_sees_nothing_and_removing_the_member_hides_the_account(org):
    account = org["account"]
    membership = AccountTeamMemberFactory(account=account, user=org["member"])
    assert accounts_visible_to(org["member"]).filter(pk=account.pk).exists()
    membership.delete()
    assert not accounts_visible_to(org["member"]).filter(pk=account.pk).exists()
    AccountTeamMemberFactory(account=account, user=org["member"])
    User.objects.filter(pk=org["member"].pk).update(is_active=False)
    org["member"].refresh_from_db()
    assert not accounts_visible_to(org["member"]).exists()


def test_the_owner_s_book_is_unchanged_by_members_of_other_accounts(org):
    mine = AccountFactory(owner=org["member"])
    AccountTeamMemberFactory(account=org["account"], user=org["stranger"])
    assert list(accounts_visible_to(org["member"])) == [mine]
    assert set(accounts_visible_to(org["manager"])) == {mine}
