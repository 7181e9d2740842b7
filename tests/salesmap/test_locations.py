"""Locations and check-in: the pin service and its failures, the pin page, the visit log's
check-in (consent first), its distance, and the first check-in that locates an account."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import geo
from accounts.models import Account
from accounts.services import account_location_set
from core.models import AuditEntry
from tests.factories import AccountFactory, UserFactory, VisitPlanFactory
from visits import services as visit_services
from visits.checkin import CheckIn
from visits.models import Visit

pytestmark = pytest.mark.django_db

SHANGHAI = (Decimal("31.230400"), Decimal("121.473700"))


def _location(account: Account) -> tuple:
    account.refresh_from_db()
    return (
        account.latitude,
        account.longitude,
        account.location_source,
        account.location_updated_at is not None,
    )


# --- accounts.geo: reading coordinates ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31.2304", Decimal("31.230400")),
        (" 31,2304 ", Decimal("31.230400")),
        ("31.2304°", Decimal("31.230400")),
        ("N31.2304", Decimal("31.230400")),
        ("S33.8688", Decimal("-33.868800")),
        ("北纬31.2304", Decimal("31.230400")),
        ("３１．２３０４", Decimal("31.230400")),
        ("-90", Decimal("-90.000000")),
        ("31.23045678", Decimal("31.230457")),
    ],
)
def test_a_latitude_is_read_in_many_spellings(text, expected):
    assert geo.parse_latitude(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", "coordinate_invalid"),
        ("31.2.3", "coordinate_invalid"),
        ("", "coordinate_invalid"),
        ("90.0001", "coordinate_out_of_range"),
        ("NaN", "coordinate_invalid"),
    ],
)
def test_a_bad_latitude_says_why(text, code):
    with pytest.raises(geo.CoordinateError) as caught:
        geo.parse_latitude(text)
    assert caught.value.code == code


def test_a_pair_is_read_in_either_order_when_the_longitude_tells():
    assert geo.parse_pair("31.2304, 121.4737") == SHANGHAI
    assert geo.parse_pair("121.4737,31.2304") == SHANGHAI  # AMap's picker: longitude first
    with pytest.raises(geo.CoordinateError) as caught:
        geo.parse_pair("48.8566, 2.3522")  # Paris: both within ±90
    assert caught.value.code == "coordinate_ambiguous"
    with pytest.raises(geo.CoordinateError):
        geo.parse_pair("31.2304")


# --- the pin service -----------------------------------------------------------------------


def test_the_pin_sets_the_location_and_is_audited():
    rep = UserFactory(username="pin-rep")
    account = AccountFactory(owner=rep)
    assert account_location_set(
        actor=rep, account=account, latitude="31.2304", longitude="121.4737"
    )
    assert _location(account) == (*SHANGHAI, "pin", True)
    entry = AuditEntry.objects.filter(account_id=account.pk).latest("id")
    assert entry.changes["latitude"] == ["", "31.230400"]
    assert entry.changes["location_source"] == ["", "pin"]


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        ("90.5", "121", "latitude"),
        ("-91", "121", "latitude"),
        ("31", "180.01", "longitude"),
        ("31", "-200", "longitude"),
        ("north", "121", "latitude"),
        ("31", "Infinity", "longitude"),
    ],
)
def test_a_pin_out_of_range_is_refused_naming_the_field(latitude, longitude, field):
    rep = UserFactory(username="pin-rep")
    account = AccountFactory(owner=rep, latitude=Decimal("1"), longitude=Decimal("2"))
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        account_location_set(actor=rep, account=account, latitude=latitude, longitude=longitude)
    assert list(caught.value.message_dict) == [field]
    assert _location(account) == (Decimal("1.000000"), Decimal("2.000000"), "", False)
    assert AuditEntry.objects.count() == audits


def test_a_pin_on_an_account_outside_the_book_is_refused(org):
    other = org["accounts"]["r3"]
    with pytest.raises(ValidationError) as caught:
        account_location_set(actor=org["r1"], account=other, latitude="31", longitude="121")
    assert list(caught.value.message_dict) == ["account"]
    assert _location(other) == (None, None, "", False)


def test_an_unknown_location_source_is_refused():
    rep = UserFactory(username="pin-rep")
    account = AccountFactory(owner=rep)
    with pytest.raises(ValidationError) as caught:
        account_location_set(
            actor=rep, account=account, latitude="31", longitude="121", source="guess"
        )
    assert list(caught.value.message_dict) == ["location_source"]
    assert _location(account) == (None, None, "", False)


def test_the_database_refuses_half_a_location_or_one_out_of_range():
    from django.db import IntegrityError, transaction

    account = AccountFactory()
    for values in (
        {"latitude": 10},
        {"latitude": 91, "longitude": 0},
        {"latitude": 0, "longitude": 181},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Account.objects.filter(pk=account.pk).update(**values)


# --- the pin page --------------------------------------------------------------------------


def test_the_pin_page_saves_the_dragged_position(client):
    rep = UserFactory(username="pin-rep")
    account = AccountFactory(owner=rep)
    client.force_login(rep)
    url = reverse("salesmap:account_location", args=[account.pk])
    response = client.post(url, {"latitude": "31.2304", "longitude": "121.4737"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/{account.pk}/#location"
    assert _location(account) == (*SHANGHAI, "pin", True)
    card = client.get(account.get_absolute_url()).content.decode()
    assert 'id="pin-map"' in card and 'data-lat="31.230400"' in card
    assert "vendor/leaflet/leaflet.js" in card


def test_the_pin_page_refuses_a_bad_position_with_the_fields_name(client):
    rep = UserFactory(username="pin-rep")
    account = AccountFactory(owner=rep)
    client.force_login(rep)
    url = reverse("salesmap:account_location", args=[account.pk])
    response = client.post(url, {"latitude": "95", "longitude": "121"}, follow=True)
    text = response.content.decode()
    assert "Latitude: Ensure this value is less than or equal to 90." in text
    assert _location(account) == (None, None, "", False)
    assert client.get(url).status_code == 405


def test_the_pin_page_of_an_account_outside_the_book_is_404(client, org):
    client.force_login(org["r1"])
    other = org["accounts"]["r3"]
    url = reverse("salesmap:account_location", args=[other.pk])
    assert client.post(url, {"latitude": "31", "longitude": "121"}).status_code == 404
    assert _location(other) == (None, None, "", False)


# --- check-in ------------------------------------------------------------------------------


def _log(rep, account, **kwargs):
    return visit_services.visit_create(
        actor=rep,
        data={"account": account, "visit_date": datetime.date(2026, 3, 2)},
        **kwargs,
    )


def test_a_check_in_keeps_the_position_and_the_distance_from_the_account():
    rep = UserFactory(username="field-rep")
    account = AccountFactory(owner=rep, latitude=Decimal("0"), longitude=Decimal("0"))
    visit = _log(rep, account, check_in=CheckIn(Decimal("0"), Decimal("0.01"), 12))
    visit.refresh_from_db()
    # 0.01 degree of the equator: 111,195.08 m / 100.
    assert visit.check_in_distance_m == 1112
    assert (visit.check_in_latitude, visit.check_in_longitude) == (
        Decimal("0.000000"),
        Decimal("0.010000"),
    )
    assert visit.check_in_accuracy_m == 12
    assert visit.check_in_at is not None
    assert _location(account)[:3] == (Decimal("0.000000"), Decimal("0.000000"), "")


def test_the_first_check_in_locates_an_account_without_a_location():
    rep = UserFactory(username="field-rep")
    account = AccountFactory(owner=rep)
    visit = _log(rep, account, check_in=CheckIn(*SHANGHAI, 15))
    assert _location(account) == (*SHANGHAI, "check_in", True)
    visit.refresh_from_db()
    assert visit.check_in_distance_m == 0
    # The next check-in is measured from it, and does not move it.
    second = _log(rep, account, check_in=CheckIn(Decimal("31.2404"), SHANGHAI[1], 15))
    second.refresh_from_db()
    assert second.check_in_distance_m == 1112
    assert _location(account)[:3] == (*SHANGHAI, "check_in")


def test_an_imprecise_first_check_in_does_not_locate_the_account():
    rep = UserFactory(username="field-rep")
    account = AccountFactory(owner=rep)
    visit = _log(rep, account, check_in=CheckIn(*SHANGHAI, 5000))
    visit.refresh_from_db()
    assert visit.check_in_distance_m is None
    assert visit.check_in_latitude == SHANGHAI[0]
    assert _location(account) == (None, None, "", False)


def test_a_check_in_out_of_range_is_refused_and_nothing_is_written():
    rep = UserFactory(username="field-rep")
    account = AccountFactory(owner=rep)
    with pytest.raises(ValidationError) as caught:
        _log(rep, account, check_in=CheckIn(Decimal("91"), Decimal("0"), 5))
    assert list(caught.value.message_dict) == ["check_in_latitude"]
    assert Visit.objects.count() == 0
    assert _location(account) == (None, None, "", False)


def _form(account, **extra):
    return {
        "account": account.pk,
        "visit_date": "2026-03-02",
        "visit_time": "10:00",
        "duration_minutes": "60",
        "expenses": "0",
        **extra,
    }


def test_the_log_form_records_the_position_only_with_consent(client):
    rep = UserFactory(username="field-rep")
    account = AccountFactory(owner=rep, latitude=Decimal("0"), longitude=Decimal("0"))
    client.force_login(rep)
    url = reverse("visits:log") + f"?account={account.pk}"
    page = client.get(url).content.decode()
    assert 'name="record_position"' in page and "js/visits_checkin.js" in page
    position = {"position_latitude": "0", "position_longitude": "0.01", "position_accuracy": "8.4"}
    # The page posted a position, but the box is not ticked: nothing is kept.
    assert client.post(url, _form(account, **position)).status_code == 302
    unconsented = Visit.objects.get()
    assert (unconsented.check_in_latitude, unconsented.check_in_at) == (None, None)
    # Ticked: kept, with the distance shown on the visit and in the list.
    response = client.post(url, _form(account, record_position="on", **position))
    assert response.status_code == 302
    visit = Visit.objects.exclude(pk=unconsented.pk).get()
    assert (visit.check_in_distance_m, visit.check_in_accuracy_m) == (1112, 8)
    detail = client.get(reverse("visits:visit_detail", args=[visit.pk])).content.decode()
    assert "1.1 km from the account's location" in detail
    assert "(± 8 m)" in detail
    listing = client.get(reverse("visits:visit_list")).content.decode()
    assert "1.1 km" in listing


def test_consent_without_a_position_is_the_boxs_error_and_nothing_is_logged(client):
    rep = UserFactory(username="field-rep")
    account = AccountFactory(owner=rep)
    client.force_login(rep)
    url = reverse("visits:log") + f"?account={account.pk}"
    response = client.post(url, _form(account, record_position="on", position_latitude="abc"))
    assert response.status_code == 200
    assert "Your position was not received" in response.content.decode()
    assert Visit.objects.count() == 0


def test_editing_a_visit_offers_no_check_in(client):
    rep = UserFactory(username="field-rep")
    account = AccountFactory(owner=rep)
    visit = _log(rep, account)
    client.force_login(rep)
    page = client.get(reverse("visits:visit_edit", args=[visit.pk])).content.decode()
    assert "record_position" not in page and "visits_checkin.js" not in page


def test_the_route_page_lists_the_day_with_its_links(client):
    rep = UserFactory(username="field-rep")
    day = datetime.date(2026, 3, 2)
    located = VisitPlanFactory(
        account=AccountFactory(owner=rep, name="Located Ltd", latitude=0, longitude=1),
        planned_date=day,
    )
    VisitPlanFactory(account=AccountFactory(owner=rep, name="Nowhere Ltd"), planned_date=day)
    client.force_login(rep)
    page = client.get(reverse("salesmap:route"), {"date": "2026-03-02"}).content.decode()
    assert "Located Ltd" in page and "Nowhere Ltd" in page
    assert f"?plan={located.pk}" in page
    assert "https://www.google.com/maps/dir/?api=1" in page
    assert 'id="route-map"' in page
    bad = client.get(reverse("salesmap:route"), {"date": "2026-03-02", "start": "95,1"})
    assert "Give the latitude (-90 to 90)" in bad.content.decode()
