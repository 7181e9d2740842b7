"""A rep on a 390 px phone opens the deals board, moves a deal to the next stage with the
keyboard (focus the card, arrow right, Enter), hears it announced and sees both columns' count,
amount and weighted amount change (static/js/opportunities_board.js); the move is saved."""

from decimal import Decimal

import pytest

from opportunities.models import Opportunity, OpportunityChange
from tests.browser.conftest import login, screenshot
from tests.factories import (
    AccountFactory,
    LossReasonFactory,
    OpportunityFactory,
    StageFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sums(page, stage) -> tuple[str, str, str]:
    column = page.locator(f'.deal-col[data-stage="{stage.pk}"]')
    return (
        column.locator("[data-count]").inner_text(),
        column.locator('[data-sum="amount"]').inner_text(),
        column.locator('[data-sum="weighted"]').inner_text(),
    )


def test_rep_moves_a_deal_by_keyboard_on_a_phone(live_server, phone_page):
    rep = UserFactory(username="dealer")
    account = AccountFactory(owner=rep, name="苏州恒通机械有限公司")
    # Stages of their own (a transactional test does not keep the migration's rows), placed
    # first and side by side.
    qualify = StageFactory(name_en="Qualify", position=0, probability=10)
    propose = StageFactory(name_en="Propose", position=1, probability=50)
    deal = OpportunityFactory(
        account=account, owner=rep, name="二号线改造", stage=qualify, amount=Decimal("20000.00")
    )
    OpportunityFactory(
        account=account, owner=rep, name="备件年度合同", stage=propose, amount=Decimal("1000.00")
    )
    page = phone_page
    login(page, live_server, "dealer", "pw-Secret-123")
    page.goto(f"{live_server.url}/opportunities/board/")
    # The page itself never scrolls sideways; the board's columns do, inside it.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert _sums(page, qualify) == ("1", "20,000.00", "2,000.00")
    assert _sums(page, propose) == ("1", "1,000.00", "500.00")

    card = page.locator(f'.deal-card[data-id="{deal.pk}"]')
    card.focus()
    page.keyboard.press("ArrowRight")
    assert "Propose" in page.inner_text("[data-board-status]")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'.deal-col[data-stage="{propose.pk}"] .deal-card[data-id="{deal.pk}"]')
    assert _sums(page, qualify) == ("0", "0.00", "0.00")
    assert _sums(page, propose) == ("2", "21,000.00", "10,500.00")
    assert "moved to Propose" in page.inner_text("[data-board-status]")
    screenshot(page, "opportunity-board-phone")

    deal.refresh_from_db()
    assert (deal.stage, deal.status) == (propose, Opportunity.Status.OPEN)
    assert OpportunityChange.objects.filter(
        opportunity=deal, stage_before=qualify, stage_after=propose
    ).exists()
    # The totals the page now shows are the server's too.
    page.reload()
    assert _sums(page, propose) == ("2", "21,000.00", "10,500.00")


def test_moving_to_lost_asks_for_the_reason(live_server, phone_page):
    rep = UserFactory(username="loser")
    account = AccountFactory(owner=rep, name="宁波远航物流有限公司")
    qualify = StageFactory(name_en="Qualify", position=0, probability=10)
    lost = StageFactory(name_en="Lost out", position=1, probability=0, is_lost=True)
    reason = LossReasonFactory(name_en="Too dear", position=0)
    deal = OpportunityFactory(
        account=account, owner=rep, name="仓储系统", stage=qualify, amount=Decimal("5000.00")
    )
    page = phone_page
    login(page, live_server, "loser", "pw-Secret-123")
    page.goto(f"{live_server.url}/opportunities/board/")
    card = page.locator(f'.deal-card[data-id="{deal.pk}"]')
    # Cancelling the question leaves the deal where it was.
    card.locator("[data-move-select]").select_option(str(lost.pk))
    card.locator("button[type=submit]").click()
    dialog = page.locator("[data-loss-dialog]")
    dialog.wait_for(state="visible")
    dialog.locator("button[value=cancel]").click()
    dialog.wait_for(state="hidden")
    assert Opportunity.objects.get(pk=deal.pk).stage == qualify
    # With a reason the deal is lost, and the Lost column counts it.
    card.locator("[data-move-select]").select_option(str(lost.pk))
    card.locator("button[type=submit]").click()
    dialog.wait_for(state="visible")
    dialog.locator("[data-loss-reason]").select_option(str(reason.pk))
    dialog.locator("[data-loss-ok]").click()
    page.wait_for_selector(f'.deal-col[data-column="lost"] .deal-card[data-id="{deal.pk}"]')
    assert page.locator('.deal-col[data-column="lost"] [data-count]').inner_text() == "1"
    assert _sums(page, qualify)[0] == "0"
    deal.refresh_from_db()
    assert (deal.status, deal.loss_reason) == (Opportunity.Status.LOST, reason)


def test_a_desktop_user_drags_a_deal_to_the_next_stage(live_server, chromium):
    rep = UserFactory(username="dragger")
    account = AccountFactory(owner=rep, name="杭州明达电子有限公司")
    qualify = StageFactory(name_en="Qualify", position=0, probability=10)
    propose = StageFactory(name_en="Propose", position=1, probability=50)
    deal = OpportunityFactory(
        account=account, owner=rep, name="产线升级", stage=qualify, amount=Decimal("3000.00")
    )
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server, "dragger", "pw-Secret-123")
        page.goto(f"{live_server.url}/opportunities/board/")
        card = page.locator(f'.deal-card[data-id="{deal.pk}"]')
        card.drag_to(page.locator(f'.deal-col[data-stage="{propose.pk}"]'))
        page.wait_for_selector(
            f'.deal-col[data-stage="{propose.pk}"] .deal-card[data-id="{deal.pk}"]'
        )
        assert _sums(page, propose) == ("1", "3,000.00", "1,500.00")
        assert _sums(page, qualify) == ("0", "0.00", "0.00")
    finally:
        context.close()
    deal.refresh_from_db()
    assert deal.stage == propose
