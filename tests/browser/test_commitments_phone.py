"""A rep on a phone logs a visit whose next step has a due date, finds it as a commitment on
the customer card and in the commitments list, and marks it done."""

import datetime as dt

import pytest
from django.utils import timezone

from commitments.models import Commitment
from tests.browser.conftest import login, screenshot
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_rep_turns_a_next_step_into_a_commitment_and_marks_it_done(live_server, phone_page):
    rep = UserFactory(username="promiser")
    account = AccountFactory(owner=rep, name="杭州明远贸易有限公司")
    contact = ContactFactory(account=account, name="李娜")
    overdue = Commitment.objects.create(
        account=account,
        title="回复报价",
        due_date=timezone.localdate() - dt.timedelta(days=2),
        owner=rep,
    )
    page = phone_page
    login(page, live_server, "promiser", "pw-Secret-123")

    page.goto(f"{live_server.url}/visits/log/?account={account.pk}")
    page.check(f"input[name=contacts][value='{contact.pk}']")
    page.fill("input[name=purpose]", "新品推广")
    page.fill("input[name=next_step]", "寄送样品")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.fill("input[name=next_step_due]", tomorrow.isoformat())
    page.fill("input[name=next_step_due_time]", "10:30")
    _no_sideways_scroll(page)
    page.click("button:has-text('Save visit')")
    page.wait_for_selector("text=Visit logged.")

    card = page.locator(".commitments-card")
    assert card.locator("text=寄送样品").count() == 1
    assert card.locator(".badge.overdue").count() == 1  # the older promise, overdue
    _no_sideways_scroll(page)

    page.goto(f"{live_server.url}/commitments/")
    page.wait_for_selector(f"[data-commitment='{overdue.pk}']")
    made = Commitment.objects.get(source="visit")
    assert (made.contact_id, made.due_time) == (contact.pk, dt.time(10, 30))
    row = page.locator(f"[data-commitment='{overdue.pk}']")
    assert row.locator(".badge.overdue").count() == 1
    screenshot(page, "rep-commitments")
    _no_sideways_scroll(page)
    row.locator("[data-testid=commitment-done]").click()
    page.wait_for_selector("text=Marked done.")
    assert page.locator(f"[data-commitment='{overdue.pk}']").count() == 0  # open ones only
    overdue.refresh_from_db()
    assert overdue.status == "done"
