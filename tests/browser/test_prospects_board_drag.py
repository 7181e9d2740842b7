"""On a desktop the board's cards are dragged between colours (static/js/prospects.js)."""

import pytest

from accounts.models import Account
from tests.browser.conftest import login
from tests.factories import AccountFactory, ProspectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desktop_page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_dragging_a_card_to_red_wins_it(live_server, desktop_page):
    rep = UserFactory(username="deskrep")
    account = AccountFactory(owner=rep, name="Dragged Co", lifecycle=Account.Lifecycle.POTENTIAL)
    prospect = ProspectFactory(account=account, colour="yellow")
    page = desktop_page
    login(page, live_server, "deskrep", "pw-Secret-123")
    page.goto(f"{live_server.url}/prospects/")
    card = page.locator(f'.p-card[data-id="{prospect.pk}"]')
    red = page.locator('.board-col[data-colour="red"]')
    assert red.locator("[data-count]").inner_text() == "0"
    card.drag_to(red)
    page.wait_for_selector(f'.board-col[data-colour="red"] .p-card[data-id="{prospect.pk}"]')
    assert red.locator("[data-count]").inner_text() == "1"
    assert page.locator('.board-col[data-colour="yellow"] [data-count]').inner_text() == "0"
    assert "moved to Red: won" in page.inner_text("[data-board-status]")
    prospect.refresh_from_db()
    account.refresh_from_db()
    assert (prospect.colour, account.lifecycle) == ("red", "existing")
