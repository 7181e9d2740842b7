"""The accounts API shows an account's location read-only; POST …/<id>/location/ sets it
through accounts.services.account_location_set (range checked, audited, scope re-checked)."""

from decimal import Decimal

import pytest

from accounts.models import Account
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _url(account) -> str:
    return f"/api/v1/accounts/{account.pk}/location/"


def _location(account):
    return (
        Account.objects.filter(pk=account.pk)
        .values_list("latitude", "longitude", "location_source", "location_updated_at")
        .get()
    )


def test_a_rep_places_their_account_and_reads_it_back(api, org):
    account = org["accounts"]["r1"]
    client = api(org["r1"])
    response = client.post(
        _url(account), {"latitude": 31.230416123, "longitude": "121.473701"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["latitude"], body["longitude"], body["location_source"]) == (
        "31.230416",
        "121.473701",
        "pin",
    )
    latitude, longitude, source, updated_at = _location(account)
    assert (latitude, longitude, source) == (Decimal("31.230416"), Decimal("121.473701"), "pin")
    assert body["location_updated_at"] is not None and updated_at is not None
    entry = AuditEntry.objects.get(model="accounts.Account", object_id=str(account.pk))
    assert (entry.action, entry.changes["location_source"]) == ("update", ["", "pin"])
    detail = client.get(f"/api/v1/accounts/{account.pk}/").json()
    assert (detail["latitude"], detail["longitude"]) == ("31.230416", "121.473701")


def test_an_integration_may_say_its_geocoder_placed_it(api, org):
    account = org["accounts"]["r1"]
    response = api(org["m1"]).post(
        _url(account),
        {"latitude": 30, "longitude": 120, "location_source": "geocoder"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert _location(account)[2] == "geocoder"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"latitude": 90.000001, "longitude": 0}, "latitude"),
        ({"latitude": 0, "longitude": -181}, "longitude"),
        ({"latitude": 0}, "longitude"),
        ({"longitude": 0}, "latitude"),
        ({"latitude": "NaN", "longitude": 0}, "latitude"),
        ({"latitude": 0, "longitude": 0, "location_source": "check_in"}, "location_source"),
    ],
)
def test_a_wrong_location_is_a_400_naming_the_field_and_nothing_changes(api, org, body, field):
    account = org["accounts"]["r1"]
    response = api(org["r1"]).post(_url(account), body, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert _location(account) == (None, None, "", None)
    assert not AuditEntry.objects.filter(model="accounts.Account").exists()


def test_an_account_outside_the_book_answers_404_and_nothing_changes(api, org):
    theirs = org["accounts"]["r2"]
    response = api(org["r1"]).post(_url(theirs), {"latitude": 1, "longitude": 1}, format="json")
    assert response.status_code == 404
    assert api(org["m2"]).post(_url(theirs), {"latitude": 1, "longitude": 1}).status_code == 404
    assert api().post(_url(theirs), {"latitude": 1, "longitude": 1}).status_code in (401, 403)
    assert _location(theirs) == (None, None, "", None)


def test_the_accounts_own_patch_leaves_the_location_alone(api, org):
    account = org["accounts"]["r1"]
    response = api(org["r1"]).patch(
        f"/api/v1/accounts/{account.pk}/",
        {"latitude": "10", "longitude": "10", "location_source": "pin", "notes": "gate 3"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["latitude"], response.json()["notes"]) == (None, "gate 3")
    assert _location(account) == (None, None, "", None)
