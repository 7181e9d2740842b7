"""A rep on a phone fills a worksheet with the seven toggles and moves a prospect from green
to yellow on the pipeline board."""

import pytest

from accounts.models import Account
from prospects.models import Worksheet
from tests.browser.conftest import login, screenshot
from tests.factories import AccountFactory, ProspectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways on a phone ({width}px)"


def test_rep_on_phone_fills_worksheet_and_moves_green_to_yellow(live_server, phone_page):
    rep = UserFactory(username="fieldrep")
    account = AccountFactory(
        owner=rep, name="杭州宏达机械有限公司", lifecycle=Account.Lifecycle.POTENTIAL
    )
    prospect = ProspectFactory(account=account, colour="green")
    AccountFactory(name="Not mine Ltd.")
    page = phone_page
    login(page, live_server, "fieldrep", "pw-Secret-123")

    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.click(".prospects-card >> text=Fill worksheet")
    page.wait_for_selector("[data-worksheet-form]")
    assert page.locator("input[role=switch]").count() == 7
    for name in ("growth", "revenue_potential", "solution_fit", "relationship"):
        page.click(f"input[name={name}]")
    page.click("input[name=solution_fit]")  # changed my mind: back to 0
    assert page.inner_text("[data-worksheet-total]") == "3"
    page.click("details.ws-note >> nth=0")
    page.fill("input[name=growth_note]", "今年扩建新厂")
    no_sideways_scroll(page)
    screenshot(page, "prospects-phone-worksheet")
    page.click("button:has-text('Save worksheet')")
    page.wait_for_selector("text=Worksheet saved: 3 of 7.")
    worksheet = Worksheet.objects.get()
    assert (worksheet.total, worksheet.growth, worksheet.solution_fit, worksheet.growth_note) == (
        3,
        1,
        0,
        "今年扩建新厂",
    )

    page.click("nav >> text=Pipeline")
    page.wait_for_selector("[data-board]")
    assert page.locator("text=Not mine Ltd.").count() == 0
    card = page.locator(f'.board-col[data-colour="green"] .p-card[data-id="{prospect.pk}"]')
    assert card.count() == 1
    no_sideways_scroll(page)
    card.locator("button.move-yellow").click()
    page.wait_for_selector("text=moved to Yellow: likely to close soon.")
    moved = page.locator(f'.board-col[data-colour="yellow"] .p-card[data-id="{prospect.pk}"]')
    assert moved.count() == 1
    assert page.locator('.board-col[data-colour="green"] .p-card').count() == 0
    no_sideways_scroll(page)
    screenshot(page, "prospects-phone-board-moved")
    prospect.refresh_from_db()
    assert prospect.colour == "yellow"
