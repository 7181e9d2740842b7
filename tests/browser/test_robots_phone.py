"""A rep on a phone adds a DingTalk robot with its secret, sends a test message to the
loopback platform (which checks the signature), and sees the platform's answer."""

import pytest

from robots.models import RobotWebhook
from tests.browser.conftest import login, screenshot
from tests.factories import UserFactory
from tests.robots.conftest import platforms_server  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_on_phone_adds_a_robot_and_sends_a_test_message(
    live_server,
    phone_page,
    platforms_server,  # noqa: F811 - the fixture imported above
):
    UserFactory(username="fieldrep", first_name="Li", last_name="Lei")
    url = platforms_server.robot("dingtalk", "phone-token-0001", secret="SECphonesecret42")
    page = phone_page
    login(page, live_server, "fieldrep", "pw-Secret-123")
    page.goto(f"{live_server.url}/robots/")
    page.wait_for_selector("text=No robots yet")
    page.click("text=Add a robot")
    page.select_option("select[name=platform]", "dingtalk")
    page.fill("input[name=name]", "Sales group 销售群")
    page.fill("input[name=url]", url)
    page.fill("input[name=secret]", "SECphonesecret42")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Robot added.")
    assert "SECphonesecret42" not in page.content() and "phone-token-0001" not in page.content()
    page.click("button:has-text('Send a test message')")
    page.wait_for_selector("text=The test message went out")
    assert platforms_server.problems() == []
    assert len(platforms_server.received) == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the robot page must not scroll sideways on a phone"
    screenshot(page, "rep-robot-test-message")
    robot = RobotWebhook.objects.get()
    assert robot.last_success_at is not None and robot.secret == "SECphonesecret42"
