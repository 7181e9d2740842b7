"""A manager on a phone: the Pareto chart, the quadrants, the accounts behind a cell, and the
recompute button that queues a run a real worker finishes while the page watches."""

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

import scoring.tasks  # noqa: F401 - registers the tasks with the app
from crm.celery import app
from scoring.models import TierRun
from tests.browser import conftest as browser
from tests.browser.conftest import login, screenshot
from tests.factories import TeamFactory, UserFactory

# The browser fixtures live in tests/browser/conftest.py; use them here too.
chromium = browser.chromium
phone_page = browser.phone_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team_book(make_accounts):
    manager = UserFactory(username="phone-manager", role="manager")
    team = TeamFactory(name="East", manager=manager)
    reps = [UserFactory(username=f"east{i}", team=team) for i in range(2)]
    today = timezone.localdate()
    make_accounts([900, 400, 200, 90, 50], owner=reps[0], date=today, prefix="上海华信机械有限公司")
    make_accounts([30, 20, 10, None], owner=reps[1], date=today, prefix="Pacific Trading Ltd.")
    make_accounts([5000], date=today, prefix="Not in this team")
    return manager


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"


def test_manager_on_a_phone_reads_the_figures_and_recomputes(
    require_redis,
    live_server,
    phone_page,
    team_book,
):
    client = redis.Redis.from_url(require_redis)
    client.delete("celery")
    page = phone_page
    login(page, live_server, "phone-manager", "pw-Secret-123")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        page.goto(f"{live_server.url}/scoring/")
        page.click("text=Recompute now")
        page.wait_for_selector("text=Recompute every tier now?")
        _no_sideways_scroll(page)
        page.click("button:has-text('Recompute now')")
        page.wait_for_selector("text=Recompute queued.")
        # The page polls the API and reloads itself when the worker is done.
        page.wait_for_selector(".run-status.run-succeeded", timeout=60_000)
    run = TierRun.objects.get()
    assert (run.status, run.trigger, run.actor.username) == ("succeeded", "manual", "phone-manager")
    assert "Your accounts in this run" in page.content()
    screenshot(page, "scoring-run-finished")

    page.goto(f"{live_server.url}/scoring/pareto/")
    page.wait_for_function("document.getElementById('pareto-chart').width > 0")
    drawn = page.evaluate("Chart.getChart(document.getElementById('pareto-chart')) !== undefined")
    assert drawn, "Chart.js did not draw the curve"
    assert page.locator(".scoring-points tbody tr").count() >= 9
    _no_sideways_scroll(page)
    screenshot(page, "scoring-pareto-phone")

    page.goto(f"{live_server.url}/scoring/quadrants/")
    _no_sideways_scroll(page)
    screenshot(page, "scoring-quadrants-phone")
    page.click(".cell-q2")
    page.wait_for_url("**/scoring/accounts/?quadrant=2*")
    names = page.locator("table.table tbody td:first-child a").all_inner_texts()
    assert names and all(name.startswith("上海华信机械有限公司") for name in names)
    assert not any("Not in this team" in name for name in names)
    _no_sideways_scroll(page)
    client.delete("celery")
