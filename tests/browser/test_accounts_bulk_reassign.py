"""A manager on a desktop reassigns accounts from the list: ticked ones, then all matching a
filter, confirming each time; the reps are notified."""

import pytest

from accounts.models import Account
from core.models import AuditEntry
from tests.browser.conftest import login, screenshot
from tests.factories import AccountFactory, TeamFactory, UserFactory
from visits.models import Reminder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def desktop_page(chromium):
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_manager_reassigns_ticked_accounts_then_all_matching_the_filter(live_server, desktop_page):
    manager = UserFactory(username="deskmanager", role="manager")
    team = TeamFactory(name="East", manager=manager)
    leaving = UserFactory(username="leaving", team=team)
    taking = UserFactory(username="taking", team=team)
    first = AccountFactory(owner=leaving, name="Aardvark Pumps Ltd.")
    AccountFactory(owner=leaving, name="Beaver Valves Ltd.")
    AccountFactory(owner=leaving, name="Cougar Seals Ltd.")
    AccountFactory(owner=taking, name="Dingo Gears Ltd.")
    page = desktop_page
    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    login(page, live_server, "deskmanager", "pw-Secret-123")
    page.goto(f"{live_server.url}/accounts/?owner={leaving.pk}")
    page.check(f'input[name="account_ids"][value="{first.pk}"]')
    page.select_option("#bulk-new-owner", label="taking")
    page.fill("#bulk-reason", "Leaving for the head office")
    page.click("#bulk-reassign button[type=submit]")
    page.wait_for_selector("text=1 account reassigned to taking.")
    assert dialogs == ["Reassign 1 accounts to taking?"]
    assert Account.objects.get(pk=first.pk).owner == taking
    # The list kept its filter: the two accounts left are all that match it now.
    assert f"owner={leaving.pk}" in page.url
    assert page.locator('input[name="account_ids"]').count() == 2
    page.check("input.bulk-all")
    page.select_option("#bulk-new-owner", label="taking")
    page.fill("#bulk-reason", "All of them")
    screenshot(page, "manager-bulk-reassign-all-matching")
    page.click("#bulk-reassign button[type=submit]")
    page.wait_for_selector("text=2 accounts reassigned to taking.")
    assert dialogs[1] == "Reassign 2 accounts to taking?"
    assert not Account.objects.filter(owner=leaving).exists()
    reasons = sorted(
        AuditEntry.objects.filter(action="reassign").values_list("changes__owner", flat=True)
    )
    assert reasons == [[leaving.pk, taking.pk]] * 3
    assert (
        Reminder.objects.filter(kind="account_reassigned", recipient=leaving).count(),
        Reminder.objects.filter(kind="account_reassigned", recipient=taking).count(),
    ) == (3, 3)
