"""A manager on a phone, in Chinese, filters the accounts list by owner: opens 筛选, types part of
a rep's name into the owner filter (a type-ahead picker over the team), picks with the keyboard,
submits, and sees only that rep's accounts; the 筛选 button counts the owner as one filter, also
after a sort link that carries only the owner's id."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot
from tests.factories import AccountFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def test_manager_on_a_phone_picks_an_owner_in_the_accounts_filter(live_server, phone_page_zh):
    manager = UserFactory(username="fp-manager", role="manager")
    team = TeamFactory(name="East", manager=manager)
    eddie = UserFactory(username="fp-eddie", team=team, first_name="Eddie", last_name="Wu")
    edwin = UserFactory(username="fp-edwin", team=team, first_name="Edwin", last_name="Ma")
    fay = UserFactory(username="fp-fay", team=team, first_name="Fay", last_name="Li")
    outsider = UserFactory(username="fp-eddy-out", first_name="Eddy", last_name="Out")
    for owner, name in (
        (eddie, "Eddie Big Co"),
        (eddie, "Eddie Small Co"),
        (edwin, "Edwin Co"),
        (fay, "Fay Co"),
        (outsider, "Outside Co"),
    ):
        AccountFactory(owner=owner, name=name)
    page = phone_page_zh
    login(page, live_server, "fp-manager", "pw-Secret-123")
    page.goto(f"{live_server.url}/accounts/")

    toggle = page.get_by_role("button", name=zh("Filters")).and_(page.locator("[aria-controls]"))
    form = page.locator("form.filters")
    assert not form.is_visible()
    assert toggle.locator("[data-filter-count]").is_hidden()
    toggle.click()
    assert form.is_visible()

    box = form.get_by_role("combobox", name=zh("Owner"))
    assert box.get_attribute("placeholder") == zh("All owners")
    box.click()
    page.keyboard.type("Ed")
    options = page.locator("#" + box.get_attribute("aria-controls") + " [role=option]")
    expect(options).to_have_count(2)
    # Only the manager's team is offered (not the other team's Eddy).
    labels = options.all_inner_texts()
    assert sorted(labels) == ["Eddie Wu\nfp-eddie", "Edwin Ma\nfp-edwin"]
    listbox = page.locator(".picker-list").bounding_box()
    assert listbox["x"] >= 0 and listbox["x"] + listbox["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "filter-picker-phone-owner")
    for _ in range(labels.index("Eddie Wu\nfp-eddie") + 1):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert box.input_value() == "Eddie Wu"
    assert form.locator("input[name=owner]").input_value() == str(eddie.pk)

    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/accounts/?*owner={eddie.pk}*")
    names = page.locator("table tbody tr td:nth-child(2) a").all_inner_texts()
    assert names == ["Eddie Big Co", "Eddie Small Co"]
    toggle = page.get_by_role("button", name=zh("Filters")).and_(page.locator("[aria-controls]"))
    assert toggle.locator("[data-filter-count]").inner_text() == "1"
    assert not page.locator("form.filters").is_visible()

    # A sort link carries the owner's id alone: still one filter, the picker still shows it.
    page.locator("table thead a").first.click()
    page.wait_for_url("**sort=-name*")
    assert page.locator("table tbody tr td:nth-child(2) a").all_inner_texts() == [
        "Eddie Small Co",
        "Eddie Big Co",
    ]
    toggle = page.get_by_role("button", name=zh("Filters")).and_(page.locator("[aria-controls]"))
    assert toggle.locator("[data-filter-count]").inner_text() == "1"
    toggle.click()
    assert page.locator("form.filters").get_by_role("combobox", name=zh("Owner")).input_value() == (
        "Eddie Wu"
    )
