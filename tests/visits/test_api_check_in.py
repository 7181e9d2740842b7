"""The visits API takes the check-in (外勤签到) when a visit is logged, by the rules of
visits.checkin (the same as the HTML form's): the answer gives the distance from the
account's location; a wrong part is a 400 naming its field, and nothing is written."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Account
from visits.models import Visit

pytestmark = pytest.mark.django_db
URL = "/api/v1/visits/"


@pytest.fixture
def located(org):
    """r1's account, on the equator at the prime meridian."""
    account = org["accounts"]["r1"]
    Account.objects.filter(pk=account.pk).update(latitude=Decimal("0"), longitude=Decimal("0"))
    return account


def _body(account, **check_in):
    return {"account": account.pk, "visit_date": "2026-03-02", **check_in}


def _location(account):
    return Account.objects.filter(pk=account.pk).values_list("latitude", "longitude").get()


def test_a_visit_logged_with_a_check_in_answers_its_distance_from_the_account(org, api, located):
    taken = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    response = api(org["r1"]).post(
        URL,
        _body(
            located,
            check_in_latitude=0,
            check_in_longitude=0.0100000004,
            check_in_accuracy_m=12.4,
            check_in_at=taken.isoformat(),
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # 0.01 degree of the equator: 111,195.08 m / 100.
    assert body["check_in_distance_m"] == 1112
    assert (body["check_in_latitude"], body["check_in_longitude"]) == ("0.000000", "0.010000")
    assert body["check_in_accuracy_m"] == 12
    visit = Visit.objects.get(pk=body["id"])
    assert visit.check_in_at == taken
    assert (visit.check_in_distance_m, visit.check_in_accuracy_m) == (1112, 12)


def test_without_a_time_the_check_in_is_when_the_visit_is_logged(org, api, located):
    before = timezone.now()
    response = api(org["r1"]).post(
        URL, _body(located, check_in_latitude="0.01", check_in_longitude="0"), format="json"
    )
    assert response.status_code == 201, response.content
    visit = Visit.objects.get(pk=response.json()["id"])
    assert before <= visit.check_in_at <= timezone.now()
    assert visit.check_in_accuracy_m is None
    assert response.json()["check_in_distance_m"] == 1112


def test_a_phone_clock_a_minute_ahead_is_taken_as_now(org, api, located):
    ahead = timezone.now() + dt.timedelta(minutes=1)
    response = api(org["r1"]).post(
        URL,
        _body(located, check_in_latitude=0, check_in_longitude=0, check_in_at=ahead.isoformat()),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Visit.objects.get(pk=response.json()["id"]).check_in_at <= timezone.now()


def test_the_first_precise_check_in_locates_an_account_without_a_location(org, api):
    account = org["accounts"]["r1"]
    response = api(org["r1"]).post(
        URL,
        _body(
            account,
            check_in_latitude="31.2304",
            check_in_longitude="121.4737",
            check_in_accuracy_m=15,
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["check_in_distance_m"] == 0
    assert _location(account) == (Decimal("31.230400"), Decimal("121.473700"))


def test_a_visit_without_a_check_in_has_none(org, api, located):
    response = api(org["r1"]).post(URL, _body(located), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [body[k] for k in ("check_in_latitude", "check_in_at", "check_in_distance_m")] == [
        None,
        None,
        None,
    ]


IN_AN_HOUR = "in an hour"


@pytest.mark.parametrize(
    ("check_in", "field"),
    [
        ({"check_in_latitude": 90.5, "check_in_longitude": 0}, "check_in_latitude"),
        ({"check_in_latitude": 0, "check_in_longitude": -180.01}, "check_in_longitude"),
        ({"check_in_latitude": "1e400", "check_in_longitude": 0}, "check_in_latitude"),
        ({"check_in_latitude": 31.2}, "check_in_longitude"),
        ({"check_in_longitude": 121.4}, "check_in_latitude"),
        ({"check_in_accuracy_m": 10}, "check_in_latitude"),
        ({"check_in_at": IN_AN_HOUR}, "check_in_latitude"),
        (
            {"check_in_latitude": 0, "check_in_longitude": 0, "check_in_accuracy_m": -1},
            "check_in_accuracy_m",
        ),
        (
            {"check_in_latitude": 0, "check_in_longitude": 0, "check_in_accuracy_m": 2e6},
            "check_in_accuracy_m",
        ),
        (
            {"check_in_latitude": 0, "check_in_longitude": 0, "check_in_at": IN_AN_HOUR},
            "check_in_at",
        ),
        ({"check_in_latitude": "north", "check_in_longitude": 0}, "check_in_latitude"),
    ],
)
def test_a_wrong_check_in_is_a_400_naming_its_field_and_nothing_is_written(
    org, api, check_in, field
):
    account = org["accounts"]["r1"]
    if check_in.get("check_in_at") == IN_AN_HOUR:
        check_in["check_in_at"] = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    response = api(org["r1"]).post(URL, _body(account, **check_in), format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert Visit.objects.count() == 0
    assert _location(account) == (None, None)


def test_the_check_in_cannot_be_changed_after_the_visit_is_logged(org, api, located):
    client = api(org["r1"])
    created = client.post(
        URL, _body(located, check_in_latitude=0, check_in_longitude=0.01), format="json"
    )
    assert created.status_code == 201, created.content
    url = f"{URL}{created.json()['id']}/"
    response = client.patch(url, {"check_in_latitude": 0.02, "purpose": "x"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["check_in_latitude"]
    visit = Visit.objects.get(pk=created.json()["id"])
    assert (visit.check_in_longitude, visit.check_in_distance_m, visit.purpose) == (
        Decimal("0.010000"),
        1112,
        "",
    )
    # Other fields still change, and the check-in stays.
    assert client.patch(url, {"purpose": "Demo"}, format="json").status_code == 200
    visit.refresh_from_db()
    assert (visit.purpose, visit.check_in_distance_m) == ("Demo", 1112)
