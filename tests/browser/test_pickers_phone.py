"""A rep on a phone, in Chinese, logs a visit from /visits/log/: types two characters of the
account's name, picks it with the keyboard from the type-ahead list (only their own book is
offered), ticks a contact the pick brought in, and saves."""

import pytest

from tests.browser.conftest import login, screenshot
from tests.factories import AccountFactory, ContactFactory, UserFactory
from visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_on_phone_picks_the_account_with_the_keyboard_and_logs_a_visit(live_server, phone_page):
    rep = UserFactory(username="pickrep", language="zh-hans")
    other = UserFactory(username="otherrep")
    first = AccountFactory(owner=rep, name="华信电子科技有限公司", external_code="HX-01")
    second = AccountFactory(owner=rep, name="上海华信机械有限公司", external_code="HX-02")
    AccountFactory(owner=other, name="华信物流有限公司")  # not in the rep's book
    contact = ContactFactory(account=second, name="王伟")
    page = phone_page
    login(page, live_server, "pickrep", "pw-Secret-123")

    page.goto(f"{live_server.url}/visits/log/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    box = page.locator("#id_account")
    assert box.get_attribute("role") == "combobox"
    box.click()
    page.keyboard.type("华信")
    options = page.locator("#" + box.get_attribute("aria-controls") + " [role=option]")
    options.first.wait_for()
    page.wait_for_function("document.querySelectorAll('.picker-list [role=option]').length === 2")
    assert sorted(options.all_inner_texts()) == sorted(
        ["华信电子科技有限公司\nHX-01", "上海华信机械有限公司\nHX-02"]
    )
    assert box.get_attribute("aria-expanded") == "true"
    listbox = page.locator(".picker-list").bounding_box()
    assert listbox["x"] >= 0 and listbox["x"] + listbox["width"] <= 390
    screenshot(page, "picker-phone-list")

    labels = options.all_inner_texts()
    target = labels.index("上海华信机械有限公司\nHX-02")
    for _ in range(target + 1):
        page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.nth(target).get_attribute("id")
    page.keyboard.press("Enter")
    assert box.input_value() == "上海华信机械有限公司"
    assert page.locator("input[name=account]").input_value() == str(second.pk)
    assert box.get_attribute("aria-expanded") == "false"
    assert first.pk != second.pk

    page.check(f"input[name=contacts][value='{contact.pk}']")
    page.fill("input[name=purpose]", "新品推广")
    page.fill("input[name=expenses]", "0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("form.visit-form button[type=submit]")
    page.wait_for_url(lambda url: "/visits/log/" not in url)
    visit = Visit.objects.get()
    assert (visit.account_id, visit.purpose) == (second.pk, "新品推广")
    assert list(visit.contacts.values_list("pk", flat=True)) == [contact.pk]
