"""The group (集团) on the customer card: the tree of the root and every member with each
visible member's tier and revenue in the latest run's window, and totals over the visible
members only; a member outside the user's book is counted, never named."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account
from scoring.models import TierRun
from scoring.selectors import account_group_tree
from scoring.services import tiers_recompute
from tests.factories import AccountFactory, OrderFactory

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 6, 30)


@pytest.fixture
def group(org):
    """R (r1) heads M1 (r1), H (r3) and H2 (r4); M3 (r1) sits under H. Revenue in the window:
    R 100, M1 50, H 40, M3 10, H2 5; a lone account (r1) 1000 keeps the group below A."""

    def make(name, owner, revenue, parent=None):
        account = AccountFactory(owner=owner, name=name, parent=parent)
        OrderFactory(account=account, date=AS_OF, amount=Decimal(revenue))
        return account

    root = make("Root Group Co", org["r1"], "100")
    m1 = make("Member One Co", org["r1"], "50", root)
    hidden = make("Hidden South Co", org["r3"], "40", root)
    m3 = make("Member Three Co", org["r1"], "10", hidden)
    hidden2 = make("Hidden Other Co", org["r4"], "5", root)
    make("Lone Co", org["r1"], "1000")
    tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=AS_OF)
    return {"root": root, "m1": m1, "hidden": hidden, "m3": m3, "hidden2": hidden2}


def _view(tree):
    return [(m.name, m.depth, m.revenue, m.is_root, m.is_current) for m in tree.members]


def test_the_owner_sees_visible_members_named_and_the_others_counted(org, group):
    tree = account_group_tree(user=org["r1"], account=group["m1"])
    assert _view(tree) == [
        ("Root Group Co", 0, Decimal("100.00"), True, False),
        ("Member One Co", 1, Decimal("50.00"), False, True),
        # Under the hidden H: shown under the nearest visible ancestor, no gap.
        ("Member Three Co", 1, Decimal("10.00"), False, False),
    ]
    assert tree.hidden == 2
    assert tree.size == 5
    assert tree.revenue_total == Decimal("160.00")
    tiers = dict(Account.objects.filter(owner=org["r1"]).values_list("name", "tier"))
    assert [m.tier for m in tree.members] == [
        tiers["Root Group Co"],
        tiers["Member One Co"],
        tiers["Member Three Co"],
    ]


def test_an_admin_sees_the_whole_group_and_its_whole_total(org, group):
    tree = account_group_tree(user=org["admin"], account=group["m3"])
    assert [(m.name, m.depth) for m in tree.members] == [
        ("Root Group Co", 0),
        ("Hidden Other Co", 1),
        ("Hidden South Co", 1),
        ("Member Three Co", 2),
        ("Member One Co", 1),
    ]
    assert tree.hidden == 0
    assert tree.revenue_total == Decimal("205.00")


def test_another_team_sees_its_members_only(org, group):
    tree = account_group_tree(user=org["r3"], account=group["hidden"])
    assert _view(tree) == [("Hidden South Co", 0, Decimal("40.00"), False, True)]
    assert tree.hidden == 4
    assert tree.revenue_total == Decimal("40.00")
    manager = account_group_tree(user=org["m2"], account=group["hidden"])
    assert [m.name for m in manager.members] == ["Hidden Other Co", "Hidden South Co"]
    assert manager.revenue_total == Decimal("45.00")


def test_no_tree_for_a_lone_account_or_a_hidden_one(org, group):
    lone = Account.objects.get(name="Lone Co")
    assert account_group_tree(user=org["r1"], account=lone) is None
    assert account_group_tree(user=org["r1"], account=group["hidden"]) is None


def test_the_tree_is_one_query(org, group, django_assert_num_queries):
    with django_assert_num_queries(2):  # the latest run, then the tree with its figures
        account_group_tree(user=org["r1"], account=group["root"])


def test_the_card_never_names_a_hidden_member(org, group, client):
    client.force_login(org["r1"])
    page = client.get(reverse("accounts:detail", args=[group["m1"].pk])).content.decode()
    assert "Root Group Co" in page and "Member Three Co" in page
    assert "Hidden South Co" not in page and "Hidden Other Co" not in page
    assert "2 other members, outside your book, are not shown and not in the total." in page
    assert "160.00" in page
    hidden = client.get(reverse("accounts:detail", args=[group["hidden"].pk]))
    assert hidden.status_code == 404
