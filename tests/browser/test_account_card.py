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
