"""Issue 18's check, end to end in a real browser: a rep on a 390 px phone in Simplified Chinese
signs in and lands on Today, checks in at the first stop (an A account) and logs the visit with a
next step due today, sees the check-in distance on the visit, finds the new commitment among
Today's commitments due, and finds it and the plan in the calendar feed fetched from the live
server.

Elements are found by their role and visible text, translated with the project's own catalogue;
the browser gets the geolocation permission and a fixed position about 100 m from the account."""

import re
from decimal import Decimal

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from playwright.sync_api import expect

from accounts import geo
from calendars.services import calendar_feed_ensure
from commitments.models import Commitment
from tests.browser.conftest import PHONE, screenshot
from tests.factories import (
    AccountFactory,
    ContactFactory,
    UserFactory,
    VisitPlanFactory,
)
from visits.models import Slot, Visit, VisitPlan
from visits.templatetags.distances import distance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A_NAME = "杭州宏达机械有限公司"
B_NAME = "宁波永兴贸易有限公司"
ACCOUNT_AT = (Decimal("30.274100"), Decimal("120.155100"))
BROWSER_AT = {"latitude": 30.2750, "longitude": 120.1551, "accuracy": 15}
NEXT_STEP = "下周三前寄送试机报价"


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def no_sideways_scroll(page, width: int = PHONE["width"]) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways ({scroll}px on {width}px)"


def field_label(text: str) -> re.Pattern:
    """A form label exactly, with or without the label's colon ("下一步：", not "下一步到期")."""
    return re.compile(rf"^{re.escape(text)}[:：]?$")


def nav(page):
    return page.get_by_role("navigation", name=zh("Main"))


@pytest.fixture
def phone_with_position(chromium, live_server):
    """A Chinese phone whose browser may give its (fixed) position to the live server, and
    the errors its pages log (console errors, uncaught exceptions, CSP refusals)."""
    context = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation=BROWSER_AT,
    )
    context.grant_permissions(["geolocation"], origin=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, errors
    context.close()


def test_rep_day_on_a_phone_check_in_commitment_today_and_calendar_feed(
    live_server, phone_with_position
):
    rep = UserFactory(username="day-rep")
    today = timezone.localdate()
    a_account = AccountFactory(
        owner=rep, name=A_NAME, tier="A", latitude=ACCOUNT_AT[0], longitude=ACCOUNT_AT[1]
    )
    b_account = AccountFactory(owner=rep, name=B_NAME, tier="B")
    ContactFactory(account=a_account, name="王伟", role="decision_maker")
    # The B plan is timed earlier the same morning: the A account still comes first.
    VisitPlanFactory(
        account=b_account,
        planned_date=today,
        slot=Slot.MORNING,
        planned_time="08:30",
        purpose="送样品",
    )
    a_plan = VisitPlanFactory(
        account=a_account, planned_date=today, slot=Slot.MORNING, purpose="介绍新款数控机床"
    )
    page, errors = phone_with_position

    # 1. Signing in lands on Today, with today's plans and the A account first.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label(capfirst(zh("Username"))).fill("day-rep")
    page.get_by_label(capfirst(zh("Password"))).fill("pw-Secret-123")
    page.get_by_role("button", name=zh("Log in")).click()
    page.wait_for_url(f"{live_server.url}/today/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(zh("Today"))
    expect(page.get_by_role("heading", name=zh("Today's visits"))).to_be_visible()
    plans = page.locator("main ol.today-list > li")
    expect(plans).to_have_count(2)
    expect(plans.first.get_by_role("link", name=A_NAME)).to_be_visible()
    expect(plans.nth(1).get_by_role("link", name=B_NAME)).to_be_visible()
    expect(page.get_by_text(zh("No commitments due."))).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "rep-day-today")

    # 2. Check in at the first stop and log the visit with a next step due today.
    plans.first.get_by_role("link", name=zh("Log visit")).click()
    expect(page.get_by_role("heading", name=zh("Log visit"))).to_be_visible()
    expect(page.get_by_text(A_NAME)).to_be_visible()
    page.get_by_label("王伟").check()
    consent = page.get_by_label(zh("Record my position (check-in)"))
    consent.check()
    expect(page.locator("input[name=position_latitude]")).to_have_value("30.275000")
    expect(page.locator("#check-in-status")).to_have_text(
        zh("Position recorded (within {metres} m).").replace("{metres}", "15")
    )
    page.get_by_label(capfirst(zh("outcome"))).fill("客户有兴趣，下月试机")
    page.get_by_label(field_label(capfirst(zh("next step")))).fill(NEXT_STEP)
    page.get_by_label(field_label(zh("Next step due"))).fill(today.isoformat())
    page.get_by_label(capfirst(zh("time spent (minutes)"))).fill("45")
    no_sideways_scroll(page)
    screenshot(page, "rep-day-log-visit")
    page.get_by_role("button", name=zh("Save visit")).click()
    page.wait_for_url(f"{live_server.url}/today/")
    expect(page.get_by_text(zh("Visit logged."))).to_be_visible()

    visit = Visit.objects.get()
    expected_m = round(
        geo.haversine_m(
            BROWSER_AT["latitude"], BROWSER_AT["longitude"], *(float(c) for c in ACCOUNT_AT)
        )
    )
    assert 90 <= expected_m <= 110
    assert (visit.account, visit.plan, visit.next_step) == (a_account, a_plan, NEXT_STEP)
    assert (visit.check_in_latitude, visit.check_in_longitude) == (
        Decimal("30.275000"),
        Decimal("120.155100"),
    )
    assert (visit.check_in_distance_m, visit.check_in_accuracy_m) == (expected_m, 15)
    commitment = Commitment.objects.get(source_visit=visit)
    assert (commitment.title, commitment.due_date, commitment.owner) == (NEXT_STEP, today, rep)
    assert commitment.contact is not None and commitment.contact.name == "王伟"

    # 3. The visit's page shows how far from the account it was logged.
    nav(page).get_by_role("link", name=zh("Visits"), exact=True).click()
    page.get_by_role("link", name=zh("Visit log")).click()
    expect(page.get_by_role("heading", name=zh("Visit log"))).to_be_visible()
    row = page.get_by_role("row").filter(has_text=A_NAME)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=today.isoformat()).click()
    with translation.override("zh-hans"):
        away = translation.gettext("%(distance)s from the account's location") % {
            "distance": distance(expected_m)
        }
    check_in = page.locator("dd.check-in")
    expect(check_in).to_contain_text(away)
    expect(page.get_by_text(NEXT_STEP)).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "rep-day-visit")

    # 4. Back on Today: the next step is among the commitments due; the stop is done.
    page.get_by_role("link", name=zh("Today"), exact=True).first.click()
    page.wait_for_url(f"{live_server.url}/today/")
    expect(page.get_by_role("heading", name=zh("Commitments due"))).to_be_visible()
    due = page.get_by_role("listitem").filter(has_text=NEXT_STEP)
    expect(due).to_have_count(1)
    expect(due.get_by_role("link", name=A_NAME)).to_be_visible()
    expect(due.get_by_role("button", name=zh("Done"))).to_be_visible()
    expect(page.locator("main ol.today-list > li")).to_have_count(1)  # the B stop remains
    no_sideways_scroll(page)
    screenshot(page, "rep-day-today-after")

    # 5. The calendar feed, fetched from the live server, has the commitment and the plan.
    feed = calendar_feed_ensure(actor=rep, user=rep)
    response = page.request.get(live_server.url + reverse("calendars:feed", args=[feed.token]))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.body())
    events = {str(e["UID"]).split("@")[0]: e for e in calendar.walk("VEVENT")}
    promised = events[f"commitment-{commitment.pk}"]
    assert NEXT_STEP in str(promised["SUMMARY"])
    assert A_NAME in str(promised["SUMMARY"])
    assert promised.decoded("DTSTART") == today  # a date only: an all-day event
    planned = events[f"plan-{a_plan.pk}"]
    assert A_NAME in str(planned["SUMMARY"])
    assert planned.decoded("DTSTART").date() == today  # the morning slot's time
    a_plan.refresh_from_db()
    assert a_plan.status == VisitPlan.Status.DONE

    # 6. Nothing went wrong in the browser on the way (scripts, CSP).
    assert errors == []
