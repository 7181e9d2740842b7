"""A rep on a phone opens a reminder from the bell, ticks the pre-visit checklist, and logs
the visit from the reminder."""

import pytest
from django.utils import timezone

from accounts.models import Account
from tests.browser.conftest import login, screenshot
from tests.factories import (
    AccountFactory,
    ContactFactory,
    ReminderFactory,
    UserFactory,
    VisitPlanFactory,
)
from visits.defaults import seed_defaults
from visits.models import ChecklistItem, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_rep_on_phone_ticks_checklist_and_logs_visit_from_reminder(live_server, phone_page):
    seed_defaults()  # the checklist (a transactional test before may have flushed it)
    rep = UserFactory(username="fieldrep")
    account = AccountFactory(owner=rep, name="上海华信机械有限公司")
    Account.objects.filter(pk=account.pk).update(tier="A")
    dm = ContactFactory(account=account, name="王伟", role="decision_maker", interests="高尔夫")
    today = timezone.localdate()
    plan = VisitPlanFactory(account=account, planned_date=today, slot="morning")
    reminder = ReminderFactory(
        recipient=rep,
        kind="visit_tomorrow",
        subject=f"plan:{plan.pk}",
        occasion_code="visit_tomorrow",
        date=today,
        account=account,
        plan=plan,
        remind_on=today,
    )
    page = phone_page
    login(page, live_server, "fieldrep", "pw-Secret-123")

    page.goto(f"{live_server.url}/visits/")
    assert page.locator("[data-testid=bell-count]").inner_text() == "1"
    page.click("a.bell")
    page.wait_for_selector(f"[data-reminder='{reminder.pk}']")
    _no_sideways_scroll(page)
    page.click(f"[data-reminder='{reminder.pk}'] >> text=Open plan")

    page.wait_for_selector("text=Pre-visit checklist")
    assert page.locator(".facts-inline >> text=王伟").count() == 2  # decision maker, interests
    assert page.locator("text=高尔夫").count() == 1
    items = list(ChecklistItem.objects.order_by("position").values_list("pk", flat=True))
    for pk in (items[0], items[13], items[16]):
        page.check(f"input[name=items][value='{pk}']")
    assert page.locator("[data-checklist-progress]").inner_text() == "3/17"
    _no_sideways_scroll(page)
    screenshot(page, "rep-checklist")
    page.click("button:has-text('Save checklist')")
    page.wait_for_selector("text=Checklist saved: 3 ticked.")

    page.click("a.bell")
    page.click(f"[data-reminder='{reminder.pk}'] >> text=Log visit")
    page.wait_for_selector("text=From a reminder")
    page.check(f"input[name=contacts][value='{dm.pk}']")
    page.fill("input[name=purpose]", "新品推广")
    page.fill("textarea[name=outcome]", "客户有兴趣，约下次详谈")
    page.fill("input[name=next_step]", "寄送样品")
    page.fill("input[name=duration_minutes]", "45")
    page.fill("input[name=expenses]", "120")
    _no_sideways_scroll(page)
    screenshot(page, "rep-log-visit")
    page.click("button:has-text('Save visit')")
    page.wait_for_selector("text=Visit logged.")
    assert page.locator(".visits-card >> text=新品推广").count() == 1
    _no_sideways_scroll(page)

    visit = Visit.objects.get()
    assert (visit.account, visit.plan, visit.duration_minutes, str(visit.expenses)) == (
        account,
        plan,
        45,
        "120.00",
    )
    assert list(visit.contacts.all()) == [dm]
    assert sorted(plan.ticks.values_list("item_id", flat=True)) == [items[0], items[13], items[16]]
    reminder.refresh_from_db()
    plan.refresh_from_db()
    assert (reminder.status, plan.status) == ("done", "done")
    assert page.locator("[data-testid=bell-count]").count() == 0


def test_choosing_the_account_brings_its_contacts_into_the_visit_form(live_server, phone_page):
    rep = UserFactory(username="fieldrep2")
    account = AccountFactory(owner=rep, name="杭州启明软件有限公司")
    AccountFactory(owner=rep, name="Another Co.")
    dm = ContactFactory(account=account, name="李娜", role="decision_maker")
    page = phone_page
    login(page, live_server, "fieldrep2", "pw-Secret-123")
    page.goto(f"{live_server.url}/visits/log/")
    assert page.locator("input[name=contacts]").count() == 0
    page.fill("input[name=purpose]", "回访")
    page.click("#id_account")
    page.keyboard.type("启明")
    page.wait_for_selector(".picker-list [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"input[name=contacts][value='{dm.pk}']")
    # No reload: what was typed stays.
    assert page.url == f"{live_server.url}/visits/log/"
    assert page.input_value("input[name=purpose]") == "回访"
    _no_sideways_scroll(page)
