"""Another book's records answer 404 on every page and endpoint, reads and writes alike, and
nothing changes: no 403 that would tell the record exists."""

import pytest
from django.urls import reverse

from accounts.models import Account, Contact, Order
from tests.factories import ContactFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(org):
    account = org["accounts"]["r3"]
    return {
        "account": account,
        "contact": ContactFactory(account=account, name="Their contact"),
        "order": OrderFactory(account=account, amount="7.00"),
    }


def _state():
    return (
        list(Account.objects.order_by("id").values_list("id", "name", "owner_id")),
        list(Contact.objects.order_by("id").values_list("id", "name", "account_id")),
        list(Order.objects.order_by("id").values_list("id", "amount", "account_id")),
    )


PAGES = [
    ("get", "accounts:detail", "account"),
    ("get", "accounts:edit", "account"),
    ("post", "accounts:edit", "account"),
    ("get", "accounts:delete", "account"),
    ("post", "accounts:delete", "account"),
    ("get", "accounts:contact_create", "account"),
    ("post", "accounts:contact_create", "account"),
    ("get", "accounts:order_create", "account"),
    ("post", "accounts:order_create", "account"),
    ("get", "accounts:contact_edit", "contact"),
    ("post", "accounts:contact_edit", "contact"),
    ("get", "accounts:contact_delete", "contact"),
    ("post", "accounts:contact_delete", "contact"),
    ("get", "accounts:order_edit", "order"),
    ("post", "accounts:order_edit", "order"),
    ("get", "accounts:order_delete", "order"),
    ("post", "accounts:order_delete", "order"),
]


@pytest.mark.parametrize("who", ["r1", "m1"])
@pytest.mark.parametrize(("method", "name", "kind"), PAGES)
def test_pages_of_another_book_are_404(client, org, theirs, who, method, name, kind):
    client.force_login(org[who])
    before = _state()
    url = reverse(name, args=[theirs[kind].pk])
    data = {"name": "Taken", "account": theirs["account"].pk, "amount": "1", "date": "2026-01-01"}
    response = client.post(url, data) if method == "post" else client.get(url)
    assert response.status_code == 404
    assert _state() == before


API = [
    ("get", "accounts", "account"),
    ("patch", "accounts", "account"),
    ("put", "accounts", "account"),
    ("delete", "accounts", "account"),
    ("get", "contacts", "contact"),
    ("patch", "contacts", "contact"),
    ("delete", "contacts", "contact"),
    ("get", "orders", "order"),
    ("patch", "orders", "order"),
    ("delete", "orders", "order"),
]


@pytest.mark.parametrize("who", ["r1", "m1"])
@pytest.mark.parametrize(("method", "endpoint", "kind"), API)
def test_endpoints_of_another_book_are_404(api, org, theirs, who, method, endpoint, kind):
    client = api(org[who])
    before = _state()
    url = f"/api/v1/{endpoint}/{theirs[kind].pk}/"
    data = {"name": "Taken", "owner": org[who].pk, "amount": "1", "date": "2026-01-01"}
    response = getattr(client, method)(url, data, format="json")
    assert response.status_code == 404
    assert _state() == before


def test_users_and_teams_outside_scope_are_404(api, org):
    client = api(org["r1"])
    assert client.get(f"/api/v1/users/{org['r3'].pk}/").status_code == 404
    assert client.get(f"/api/v1/teams/{org['t2'].pk}/").status_code == 404
    assert client.get(f"/api/v1/users/{org['r1'].pk}/").status_code == 200
