"""The Today page on a 390 px phone: signing in lands on it, nothing scrolls sideways (long
Chinese names included), and every action of every item is on screen and tappable."""

import datetime

import pytest
from django.utils import timezone

from commitments.models import Commitment
from tests.browser.conftest import login, screenshot
from tests.factories import (
    AccountFactory,
    CommitmentFactory,
    ContactFactory,
    OccasionFactory,
    ProspectFactory,
    ReminderFactory,
    TeamFactory,
    UserFactory,
    VisitFactory,
    VisitPlanFactory,
)
from visits.models import Reminder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = "杭州宏达机械制造股份有限公司华东区域销售与售后服务中心"


def _day(rep) -> None:
    today = timezone.localdate()
    occasion = OccasionFactory(name_en="Company anniversary")
    for i, tier in enumerate("ABC"):
        account = AccountFactory(owner=rep, name=f"{LONG}{i}", tier=tier)
        VisitFactory(account=account, visit_date=today, logged_by=rep)
        contact = ContactFactory(account=account, name="王经理", phone="138 0000 000" + str(i))
        VisitPlanFactory(account=account, planned_date=today, slot="morning", purpose=LONG)
        VisitPlanFactory(account=account, planned_date=today - datetime.timedelta(days=2))
        CommitmentFactory(account=account, owner=rep, title=LONG, due_date=today)
        ReminderFactory(
            account=account,
            recipient=rep,
            kind=Reminder.Kind.GIFT,
            subject=f"contact:{contact.pk}",
            occasion=occasion,
            occasion_code=occasion.code,
            contact=contact,
            date=today + datetime.timedelta(days=i),
            remind_on=today,
        )
    AccountFactory(owner=rep, name=LONG + "到期", phone="021-5555 0000")
    ProspectFactory(account=AccountFactory(owner=rep, name=LONG + "潜在"))
    CommitmentFactory(
        account=AccountFactory(owner=rep),
        owner=rep,
        due_date=today - datetime.timedelta(days=1),
        status=Commitment.Status.OPEN,
    )


def _every_action_on_screen(page) -> int:
    actions = page.locator("main [data-action]")
    count = actions.count()
    for i in range(count):
        action = actions.nth(i)
        action.scroll_into_view_if_needed()
        box = action.bounding_box()
        assert box is not None, f"action {i} is not rendered"
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (i, box)
        assert box["height"] >= 24, f"action {i} is too small to tap: {box}"
    return count


def test_a_rep_lands_on_today_and_reaches_every_action_on_a_phone(live_server, phone_page_zh):
    rep = UserFactory(username="today-rep")
    _day(rep)
    page = phone_page_zh
    login(page, live_server, "today-rep", "pw-Secret-123")
    page.wait_for_url(f"{live_server.url}/today/")
    assert page.locator("h1").inner_text().startswith("今天")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Plans (3 × log, call, open), overdue (3 × the same), commitments, touches, due, prospect.
    assert _every_action_on_screen(page) >= 20
    screenshot(page, "today-rep-phone")
    page.locator('[data-section="plans"] ~ ol [data-action="log"]').first.click()
    page.wait_for_url(lambda url: "/visits/log/?plan=" in url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_managers_team_today_fits_a_phone(live_server, phone_page_zh):
    manager = UserFactory(username="today-boss", role="manager")
    team = TeamFactory(name="华东", manager=manager)
    _day(UserFactory(username="today-rep-1", team=team))
    _day(UserFactory(username="today-rep-2", team=team))
    page = phone_page_zh
    login(page, live_server, "today-boss", "pw-Secret-123")
    page.wait_for_url(f"{live_server.url}/today/")
    assert page.locator("[data-rep]").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _every_action_on_screen(page)
    screenshot(page, "today-manager-phone")
