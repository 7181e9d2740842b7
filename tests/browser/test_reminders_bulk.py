"""A rep on a phone sees their reminders grouped (birthdays first), ticks two and marks them
done at once; the bell counts down."""

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import login, screenshot
from tests.factories import AccountFactory, ContactFactory, ReminderFactory, UserFactory
from visits.defaults import seed_defaults
from visits.models import Occasion, Reminder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_on_phone_marks_two_reminders_done_at_once(live_server, phone_page):
    seed_defaults()  # the birthday rule (a transactional test before may have flushed it)
    rep = UserFactory(username="bulkrep")
    today = timezone.localdate()
    due = [
        ReminderFactory(account=AccountFactory(owner=rep, name=f"Due {i} Ltd."), recipient=rep)
        for i in range(2)
    ]
    old = ReminderFactory(
        account=AccountFactory(owner=rep, name="Old Ltd."),
        recipient=rep,
        date=today - datetime.timedelta(days=40),
        remind_on=today - datetime.timedelta(days=40),
    )
    account = AccountFactory(owner=rep, name="Birthday Ltd.")
    contact = ContactFactory(account=account, name="王伟")
    ReminderFactory(
        account=account,
        recipient=rep,
        kind=Reminder.Kind.GIFT,
        subject=f"contact:{contact.pk}",
        occasion=Occasion.objects.get(code="birthday"),
        occasion_code="birthday",
        contact=contact,
    )
    page = phone_page
    login(page, live_server, "bulkrep", "pw-Secret-123")
    assert page.locator("[data-testid=bell-count]").inner_text() == "3"  # not the old one
    page.click("a.bell")
    groups = page.locator("h2.reminder-group").all_inner_texts()
    assert groups == ["Birthdays (1)", "Visit due, not planned (3)"]
    for reminder in due:
        page.check(f"#pick-{reminder.pk}")
    page.click("[data-testid=bulk-done]")
    page.wait_for_selector("text=2 reminders done.")
    assert page.locator("[data-testid=bell-count]").inner_text() == "1"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "rep-reminders-bulk-done")
    statuses = dict(Reminder.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in due] == ["done", "done"]
    assert statuses[old.pk] == "open"
