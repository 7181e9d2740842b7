"""The visibility rule on pages and API, for each role."""

import pytest
from django.urls import reverse

from accounts.selectors import accounts_visible_to

pytestmark = pytest.mark.django_db


def names(qs):
    return sorted(a.owner.username for a in qs)


def test_rep_sees_only_own_accounts(org):
    assert names(accounts_visible_to(org["r1"])) == ["r1"]


def test_manager_sees_team_accounts(org):
    assert names(accounts_visible_to(org["m1"])) == ["r1", "r2"]


def test_admin_sees_all(org):
    assert names(accounts_visible_to(org["admin"])) == ["r1", "r2", "r3", "r4"]


def test_inactive_user_sees_nothing(org):
    org["r1"].is_active = False
    org["r1"].save()
    assert names(accounts_visible_to(org["r1"])) == []


def test_other_reps_card_is_404(client, org):
    client.force_login(org["r1"])
    other = org["accounts"]["r3"]
    assert client.get(reverse("accounts:detail", args=[other.pk])).status_code == 404
    own = org["accounts"]["r1"]
    assert client.get(reverse("accounts:detail", args=[own.pk])).status_code == 200


def test_api_list_is_scoped(api, org):
    response = api(org["m2"]).get("/api/v1/accounts/")
    assert response.status_code == 200
    got = sorted(row["owner_id"] for row in response.json()["results"])
    assert got == sorted([org["r3"].pk, org["r4"].pk])


def test_api_detail_of_other_team_is_404(api, org):
    response = api(org["m1"]).get(f"/api/v1/accounts/{org['accounts']['r3'].pk}/")
    assert response.status_code == 404


def test_anonymous_api_is_rejected(api, org):
    assert api().get("/api/v1/accounts/").status_code in (401, 403)
