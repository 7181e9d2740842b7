"""A manager on a phone: the Pareto chart, the quadrants, the accounts behind a cell, and the
recompute button that queues a run a real worker finishes while the page watches.

Playwright runs in a thread of its own: the browser tests under tests/browser keep a session
browser open in the main thread, and one thread can drive only one sync Playwright."""

import shutil
import threading

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

import scoring.tasks  # noqa: F401 - registers the tasks with the app
from config.celery import app
from scoring.models import TierRun
from tests.browser.conftest import CHROMIUM, PHONE, login, screenshot
from tests.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _in_browser(journey) -> None:
    """Run `journey(page)` on a phone-sized page in a thread with its own Playwright."""
    if not shutil.which(CHROMIUM):
        if settings.REQUIRE_SERVICES:
            pytest.fail("Chromium is required for browser tests (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    failure: list[BaseException] = []

    def run() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
                page = context.new_page()
                page.set_default_timeout(15_000)
                try:
                    journey(page)
                finally:
                    browser.close()
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=240)
    assert not thread.is_alive(), "the browser journey did not finish"
    if failure:
        raise failure[0]


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


def test_manager_on_a_phone_reads_the_figures_and_recomputes(require_redis, live_server, team_book):
    seen: dict = {}

    def journey(page) -> None:
        login(page, live_server, "phone-manager", "pw-Secret-123")
        page.goto(f"{live_server.url}/scoring/")
        page.click("text=Recompute now")
        page.wait_for_selector("text=Recompute every tier now?")
        _no_sideways_scroll(page)
        page.click("button:has-text('Recompute now')")
        page.wait_for_selector("text=Recompute queued.")
        # The page polls the API and reloads itself when the worker is done.
        page.wait_for_selector(".run-status.run-succeeded", timeout=60_000)
        seen["finished page"] = page.content()
        screenshot(page, "scoring-run-finished")

        page.goto(f"{live_server.url}/scoring/pareto/")
        page.wait_for_function("document.getElementById('pareto-chart').width > 0")
        seen["chart"] = page.evaluate(
            "Chart.getChart(document.getElementById('pareto-chart')) !== undefined"
        )
        seen["points"] = page.locator(".scoring-points tbody tr").count()
        _no_sideways_scroll(page)
        screenshot(page, "scoring-pareto-phone")

        page.goto(f"{live_server.url}/scoring/quadrants/")
        _no_sideways_scroll(page)
        screenshot(page, "scoring-quadrants-phone")
        page.click(".cell-q2")
        page.wait_for_url("**/scoring/accounts/?quadrant=2*")
        seen["names"] = page.locator("table.table tbody td:first-child a").all_inner_texts()
        _no_sideways_scroll(page)

    client = redis.Redis.from_url(require_redis)
    client.delete("celery")
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            _in_browser(journey)
    finally:
        client.delete("celery")
    run = TierRun.objects.get()
    assert (run.status, run.trigger, run.actor.username) == ("succeeded", "manual", "phone-manager")
    assert "Your accounts in this run" in seen["finished page"]
    assert seen["chart"], "Chart.js did not draw the curve"
    assert seen["points"] >= 9
    names = seen["names"]
    assert names and all(name.startswith("上海华信机械有限公司") for name in names)
