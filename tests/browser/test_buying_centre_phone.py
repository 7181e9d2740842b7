"""A rep on a 390 px phone changes who reports to whom in the buying centre by keyboard:
focus the person's "reports to" choice, pick the new manager, save; the org chart redraws."""

import pytest

from accounts.models import Contact
from tests.browser.conftest import login, screenshot
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_moves_a_person_under_another_by_keyboard(live_server, phone_page):
    rep = UserFactory(username="orgchart")
    account = AccountFactory(owner=rep, name="苏州恒达机械有限公司")
    boss = ContactFactory(account=account, name="张总", stance="champion", influence="high")
    ContactFactory(account=account, name="王经理", reports_to=boss, stance="neutral")
    buyer = ContactFactory(account=account, name="李采购", stance="blocker")
    page = phone_page
    login(page, live_server, "orgchart", "pw-Secret-123")
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    section = page.locator("#buying-centre")
    assert section.locator("svg.bc-chart .bc-node").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    select = section.locator(f"#bc-reports-{buyer.pk}")
    select.focus()
    # Keyboard only: choose the manager in the select, then Tab to its Save button and press it.
    select.select_option(label="王经理")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Save"
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    page.wait_for_selector(".messages, .message, [role=status]")

    buyer.refresh_from_db()
    manager = Contact.objects.get(name="王经理")
    assert buyer.reports_to_id == manager.pk
    chart = page.locator("#buying-centre svg.bc-chart")
    assert chart.locator("line.bc-edge").count() == 2
    assert page.locator(f"#bc-reports-{buyer.pk}").input_value() == str(manager.pk)
    screenshot(page, "buying-centre-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
