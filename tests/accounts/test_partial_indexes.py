"""The partial indexes of accounts and contacts (migration 0008) serve the filters they were
kept for."""

import pytest

from accounts.models import Account, Contact
from tests.factories import AccountFactory, ContactFactory, TerritoryFactory
from tests.plans import plan_of

pytestmark = pytest.mark.django_db


def test_a_tier_filter_reads_the_partial_tier_index(org):
    AccountFactory(owner=org["r1"], tier="A")
    AccountFactory(owner=org["r1"], tier="")
    found = Account.objects.filter(tier="A").order_by("name")
    assert [a.tier for a in found] == ["A"]
    assert "account_tier_name" in plan_of(found.values("id"))


def test_a_territory_filter_reads_the_partial_territory_index(org):
    territory = TerritoryFactory(name="华南")
    AccountFactory(owner=org["r1"], territory=territory)
    found = Account.objects.filter(territory=territory).order_by("name")
    assert found.count() == 1
    assert "account_territory_name" in plan_of(found.values("id"))


def test_untiered_and_unplaced_accounts_are_still_found(org):
    untiered = AccountFactory(owner=org["r1"], tier="")
    assert untiered in Account.objects.filter(tier="")
    assert untiered in Account.objects.filter(territory__isnull=True)


def test_a_birthday_lookup_reads_the_partial_birthday_index(org):
    ContactFactory(account=org["accounts"]["r1"], birthday_month=3, birthday_day=8)
    ContactFactory(account=org["accounts"]["r1"], birthday_month=None, birthday_day=None)
    found = Contact.objects.filter(birthday_month=3, birthday_day=8)
    assert found.count() == 1
    assert "contact_birthday" in plan_of(found.values("id"))
