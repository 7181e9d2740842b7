"""A rep on a phone opens an account's card and adds a contact."""

import pytest

from accounts.models import Contact
from tests.browser.conftest import login, screenshot
from tests.factories import AccountFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_on_phone_adds_contact_from_the_card(live_server, phone_page):
    rep = UserFactory(username="fieldrep")
    AccountFactory(owner=rep, name="上海华信机械有限公司")
    AccountFactory(name="Not mine Ltd.")
    page = phone_page
    login(page, live_server, "fieldrep", "pw-Secret-123")
    page.goto(f"{live_server.url}/accounts/")
    assert page.locator("text=Not mine Ltd.").count() == 0
    page.click("text=上海华信机械有限公司")
    page.click("text=Add contact")
    page.fill("input[name=name]", "王伟")
    page.select_option("select[name=role]", "decision_maker")
    page.fill("input[name=phone]", "13800000000")
    page.fill("input[name=birthday_month]", "2")
    page.fill("input[name=birthday_day]", "29")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Contact added.")
    assert page.locator(".contact >> text=王伟").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the card must not scroll sideways on a phone"
    screenshot(page, "rep-card-contact-added")
    contact = Contact.objects.get()
    assert (contact.name, contact.role, contact.birthday_month, contact.birthday_day) == (
        "王伟",
        "decision_maker",
        2,
        29,
    )


def test_rep_on_phone_filters_sorts_and_pages_the_account_list(live_server, phone_page):
    rep = UserFactory(username="listrep")
    for i in range(60):
        AccountFactory(
            owner=rep,
            name=f"Direct {i:02d} Ltd.",
            channel="direct",
            industry="食品饮料" if i % 2 else "电子",
        )
    for name in ["Alpha Distribution", "Omega Distribution"]:
        AccountFactory(owner=rep, name=name, channel="distributor")
    page = phone_page
    login(page, live_server, "listrep", "pw-Secret-123")
    page.goto(f"{live_server.url}/accounts/")

    def names():
        return page.locator("table.table tbody td:first-child > a").all_inner_texts()

    def no_sideways_scroll():
        return page.evaluate("document.documentElement.scrollWidth") <= 390

    assert len(names()) == 50
    assert no_sideways_scroll(), "the list must not scroll sideways on a phone"
    page.click("a[rel=next]")
    page.wait_for_url("**page=2**")
    assert names() == [
        "Direct 49 Ltd.",
        *[f"Direct {i} Ltd." for i in range(50, 60)],
        "Omega Distribution",
    ]
    page.goto(f"{live_server.url}/accounts/")
    # On a phone the filters sit behind one button, which counts those in use.
    page.get_by_role("button", name="Filters").click()
    page.select_option("select[name=channel]", "distributor")
    page.select_option("select[name=sort]", "-name")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.wait_for_url("**channel=distributor**")
    assert names() == ["Omega Distribution", "Alpha Distribution"]
    assert no_sideways_scroll()
    page.get_by_role("button", name="Filters 1").click()
    page.fill("input[name=q]", "direct 07")
    page.select_option("select[name=channel]", "")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=direct**")
    assert names() == ["Direct 07 Ltd."]
    screenshot(page, "rep-list-search")
