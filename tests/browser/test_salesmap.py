"""The sales map in a real Chromium on a 390 px phone: Leaflet loads from our static files
with no CSP violation (tiles will not load offline: that is fine), the card's pin, the day's
route, and the check-in that asks for the position only after consent."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_csp import LISTEN
from tests.factories import AccountFactory, UserFactory, VisitPlanFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page) -> tuple[list[str], list[str]]:
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on(
        "console",
        lambda msg: (
            console.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    return console, scripts


def test_the_map_route_and_pin_load_leaflet_from_static_without_csp_violations(
    live_server, phone_page
):
    rep = UserFactory(username="maprep")
    located = AccountFactory(
        owner=rep,
        name="Mapped Ltd",
        tier="A",
        latitude=Decimal("31.2304"),
        longitude=Decimal("121.4737"),
    )
    AccountFactory(owner=rep, name="Unmapped Ltd")
    VisitPlanFactory(account=located, planned_date=datetime.date.today())
    page = phone_page
    console, scripts = _watch(page)
    login(page, live_server, "maprep", "pw-Secret-123")
    base = live_server.url

    page.goto(f"{base}/map/")
    page.wait_for_selector(".leaflet-container")
    page.wait_for_selector("#sales-map-summary:not(:empty)")
    assert page.evaluate("typeof window.L") == "object"
    assert page.locator("#sales-map-summary").inner_text() == (
        "1 accounts on the map; 1 without a location."
    )
    assert page.locator(".leaflet-interactive").count() == 1  # the one marker
    leaflet = [url for url in scripts if "leaflet" in url]
    assert leaflet and all(url.startswith(f"{base}/static/vendor/leaflet/") for url in leaflet)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"{base}/map/route/")
    page.wait_for_selector("#route-map.leaflet-container")
    assert page.locator(".route-stop").count() == 1
    assert page.locator(".leaflet-marker-icon").count() == 1

    page.goto(f"{base}/accounts/{located.pk}/")
    page.wait_for_selector("#pin-map.leaflet-container")
    assert page.locator("#pin-map .leaflet-marker-icon").count() == 1
    violations = page.evaluate("window.__csp")
    assert violations == []
    assert console == []


def test_check_in_asks_for_the_position_only_after_consent(live_server, phone_page):
    rep = UserFactory(username="fieldrep")
    account = AccountFactory(owner=rep, name="Field Co")
    page = phone_page
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": 31.2304, "longitude": 121.4737, "accuracy": 20})
    console, _scripts = _watch(page)
    login(page, live_server, "fieldrep", "pw-Secret-123")
    page.goto(f"{live_server.url}/visits/log/?account={account.pk}")
    assert page.input_value("input[name=position_latitude]") == ""
    page.check("#id_record_position")
    expect(page.locator("input[name=position_latitude]")).to_have_value("31.230400")
    assert page.input_value("input[name=position_latitude]") == "31.230400"
    assert "Position recorded" in page.inner_text("#check-in-status")
    page.uncheck("#id_record_position")
    assert page.input_value("input[name=position_latitude]") == ""
    page.check("#id_record_position")
    expect(page.locator("input[name=position_latitude]")).to_have_value("31.230400")
    page.click(".visit-form button[type=submit]")
    page.wait_for_url(lambda url: "/visits/log/" not in url)
    account.refresh_from_db()
    assert (account.latitude, account.longitude, account.location_source) == (
        Decimal("31.230400"),
        Decimal("121.473700"),
        "check_in",
    )
    visit = account.visits.get()
    assert (visit.check_in_distance_m, visit.check_in_accuracy_m) == (0, 20)
    assert page.evaluate("window.__csp") == []
    assert console == []
