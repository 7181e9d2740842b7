"""The sales map: the JSON endpoint narrowed by the visibility rule, its filters and counts,
and the page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from salesmap.selectors import map_accounts
from tests.factories import AccountFactory, TerritoryFactory, VisitFactory, VisitPlanFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/map/accounts/"


def _locate(account: Account, lat: float, lng: float) -> Account:
    Account.objects.filter(pk=account.pk).update(
        latitude=Decimal(str(lat)), longitude=Decimal(str(lng)), location_source="pin"
    )
    return account


def test_the_map_holds_exactly_the_callers_located_book(org, api):
    accounts = org["accounts"]
    for i, name in enumerate(("r1", "r2", "r3")):
        _locate(accounts[name], 31 + i, 121)
    # r4's account has no location.
    expected = {
        "r1": ({accounts["r1"].pk}, 0),
        "m1": ({accounts["r1"].pk, accounts["r2"].pk}, 0),
        "m2": ({accounts["r3"].pk}, 1),
        "boss": ({accounts[n].pk for n in ("r1", "r2", "r3")}, 1),
    }
    for username, (ids, without) in expected.items():
        user = org["admin"] if username == "boss" else org[username]
        body = api(user).get(URL).json()
        assert {a["id"] for a in body["accounts"]} == ids, username
        assert (body["count"], body["without_location"]) == (len(ids), without), username
        assert body["truncated"] is False
    first = api(org["r1"]).get(URL).json()["accounts"][0]
    assert first == {
        "id": accounts["r1"].pk,
        "name": "Account of r1",
        "tier": accounts["r1"].tier,
        "latitude": 31.0,
        "longitude": 121.0,
        "owner": "r1",
    }


def test_the_filters_narrow_the_map(org, api):
    accounts = org["accounts"]
    north = TerritoryFactory(name="North territory")
    for name, tier in (("r1", "A"), ("r2", "B")):
        Account.objects.filter(pk=accounts[name].pk).update(tier=tier, territory=north)
        _locate(accounts[name], 30, 120)
    client = api(org["m1"])

    def ids(**params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return {a["id"] for a in response.json()["accounts"]}

    assert ids(rep=org["r2"].pk) == {accounts["r2"].pk}
    assert ids(rep=org["r3"].pk) == set()  # outside the book: nothing, and no error
    assert ids(tier="A") == {accounts["r1"].pk}
    assert ids(tier="none") == set()
    assert ids(territory=north.pk) == {accounts["r1"].pk, accounts["r2"].pk}
    # Due by cadence: r1's account was visited today, r2's never (due since it was made).
    VisitFactory(account=accounts["r1"], visit_date=timezone.localdate())
    assert ids(due="true") == {accounts["r2"].pk}
    assert ids(due="false") == {accounts["r1"].pk}
    VisitPlanFactory(account=accounts["r2"], planned_date=timezone.localdate())
    assert ids(due="true") == set()  # planned: no longer "due, not planned"
    for bad in ({"tier": "Z"}, {"rep": "x"}, {"due": "maybe"}, {"territory": "1.5"}):
        assert client.get(URL, bad).status_code == 400, bad


def test_the_map_needs_a_signed_in_user(api):
    assert api().get(URL).status_code in (401, 403)


def test_the_answer_is_capped_a_first_and_counts_the_rest(org):
    owner = org["r1"]
    made = []
    for i, tier in enumerate(["", "C", "A", "B", "A"]):
        made.append(_locate(AccountFactory(owner=owner, name=f"Co {i}", tier=tier), 30, 120 + i))
    data = map_accounts(Account.objects.filter(owner=owner), limit=3)
    assert [a["name"] for a in data.accounts] == ["Co 2", "Co 4", "Co 3"]
    assert (data.count, data.truncated, data.without_location) == (5, True, 1)


def test_the_map_page_passes_the_picked_filters_to_the_endpoint(org, client):
    client.force_login(org["m1"])
    page = client.get(reverse("salesmap:map"), {"rep": org["r2"].pk, "tier": "A"}).content.decode()
    assert f'data-url="/api/v1/map/accounts/?rep={org["r2"].pk}&amp;tier=A"' in page
    assert "vendor/leaflet/leaflet.js" in page and "tile.openstreetmap.org" in page
    refused = client.get(reverse("salesmap:map"), {"rep": org["r3"].pk}).content.decode()
    assert 'data-url=""' in refused and 'class="errorlist"' in refused


def test_the_csp_allows_the_tile_server(client, org):
    client.force_login(org["r1"])
    policy = client.get(reverse("salesmap:map"))["Content-Security-Policy"]
    img_src = next(d for d in policy.split(";") if d.strip().startswith("img-src"))
    assert "https://tile.openstreetmap.org" in img_src
    assert "script-src 'self'" in policy  # Leaflet comes from our static files


def test_the_tile_origin_of_a_url_template():
    from config.settings.base import map_tile_origin

    assert map_tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://tile.openstreetmap.org"
    )
    assert map_tile_origin(
        "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8"
    ) == ("https://webrd0*.is.autonavi.com")
    assert map_tile_origin("/tiles/{z}/{x}/{y}.png") == ""
    assert map_tile_origin("https://{z}.example.com/") == ""


def test_the_route_of_another_day_and_rep_for_a_manager(org, client):
    day = datetime.date(2026, 3, 3)
    VisitPlanFactory(account=_locate(org["accounts"]["r2"], 0, 1), planned_date=day)
    client.force_login(org["m1"])
    page = client.get(
        reverse("salesmap:route"), {"date": "2026-03-03", "rep": org["r2"].pk}
    ).content.decode()
    assert "Account of r2" in page
    outside = client.get(
        reverse("salesmap:route"), {"date": "2026-03-03", "rep": org["r3"].pk}
    ).content.decode()
    assert 'class="errorlist"' in outside and "Account of r2" not in outside
