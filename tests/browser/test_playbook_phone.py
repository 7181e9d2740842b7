"""A rep on a phone (390 px, Chinese) opens a planned visit, unfolds the talk tracks for being
turned away with the keyboard, answers two outline questions and finds them on the card."""

import pytest
from django.utils import timezone

from playbook.defaults import seed_defaults
from playbook.models import IntelligenceAnswer, IntelligenceQuestion
from tests.browser.conftest import login, screenshot
from tests.factories import AccountFactory, UserFactory, VisitPlanFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_on_phone_reads_talk_tracks_and_answers_the_outline(live_server, phone_page_zh):
    seed_defaults()  # a transactional test before may have flushed the built-in rows
    rep = UserFactory(username="playbookrep")
    account = AccountFactory(owner=rep, name="上海华信机械有限公司", industry="机械")
    plan = VisitPlanFactory(account=account, planned_date=timezone.localdate(), created_by=rep)
    page = phone_page_zh
    login(page, live_server, "playbookrep", "pw-Secret-123")
    page.goto(f"{live_server.url}/visits/plans/{plan.pk}/")
    page.wait_for_selector("text=情报调查提纲")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    gatekeeper = page.locator("details.playbook-situation", has_text="遭挡驾")
    assert gatekeeper.get_attribute("open") is None
    gatekeeper.locator("summary").focus()
    page.keyboard.press("Enter")
    assert gatekeeper.get_attribute("open") is not None
    assert gatekeeper.locator("text=前台或秘书挡驾").is_visible()

    q1, q2 = IntelligenceQuestion.objects.filter(industry="", active=True).order_by("position")[:2]
    page.fill(f"#id_answer_{q1.pk}", "机械加工行业，订单看季节")
    page.fill(f"#id_answer_{q2.pk}", "终端用户")
    screenshot(page, "playbook-plan-phone")
    page.click("text=保存回答")
    page.wait_for_selector("text=已保存 2 条回答。")
    assert page.url.endswith(f"/visits/plans/{plan.pk}/")
    assert IntelligenceAnswer.objects.filter(account=account).count() == 2

    page.goto(f"{live_server.url}{account.get_absolute_url()}")
    section = page.locator("section", has_text="客户情报").first
    answer = section.locator("dd", has_text="终端用户")
    assert answer.is_visible() and "playbookrep" in answer.inner_text()
    assert "最近由 playbookrep" in section.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "playbook-card-phone")
