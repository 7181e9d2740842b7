"""Phone and desktop layout, measured in a real Chromium: on a 390 px phone no list page scrolls
sideways and its filters fold behind one 筛选 button; wide tables scroll inside their box with
cells on one line; the pipeline board shows colour tabs; on a 1,440 px desktop the pages use the
width."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from accounts.models import Account
from prospects.services import worksheet_create
from scoring.models import TierRun
from scoring.services import tiers_recompute
from tests.browser.conftest import login, screenshot
from tests.factories import (
    AccountFactory,
    OrderFactory,
    ProspectFactory,
    TeamFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every list page with a filter form.
LIST_PAGES = [
    "/accounts/",
    "/prospects/",
    "/prospects/list/",
    "/prospects/team/",
    "/visits/",
    "/visits/visits/",
    "/visits/touches/",
    "/visits/due/",
    "/visits/reminders/",
    "/scoring/",
    "/scoring/accounts/",
    "/scoring/movers/",
    "/dashboard/",
    "/imports/",
    "/audit/",
]

# How many line boxes an element's text takes (one rect per line of an inline box).
LINES = "el => { const r = document.createRange(); r.selectNodeContents(el); " + (
    "return new Set(Array.from(r.getClientRects()).filter(b => b.width > 0)"
    ".map(b => Math.round(b.top))).size; }"
)


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def filter_button(page, label: str):
    """The toggle (the form's own submit button may carry the same word)."""
    return page.get_by_role("button", name=label).and_(page.locator("[aria-controls]"))


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _book(rep) -> list[Account]:
    """A rep's accounts with orders, visits and a tier run, so every page has rows."""
    today = timezone.localdate()
    accounts = []
    for i, (name, revenue) in enumerate(
        [("杭州宏达机械制造股份有限公司", 900), ("上海华信精密仪器有限公司", 300), ("Quiet Co", 20)]
    ):
        account = AccountFactory(owner=rep, name=name, industry="机械制造")
        OrderFactory(account=account, date=today, amount=Decimal(revenue))
        OrderFactory(account=account, date=today - datetime.timedelta(days=40), amount=Decimal(5))
        VisitFactory(account=account, visit_date=today - datetime.timedelta(days=i), logged_by=rep)
        accounts.append(account)
    tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=today)
    return accounts


def test_list_pages_fold_their_filters_behind_one_button_on_a_phone(live_server, phone_page_zh):
    admin = UserFactory(username="layout-admin", role="admin")
    _book(admin)
    page = phone_page_zh
    login(page, live_server, "layout-admin", "pw-Secret-123")
    for path in LIST_PAGES:
        page.goto(f"{live_server.url}{path}")
        assert page_width(page) <= 390, f"{path} scrolls sideways on a phone"
        form = page.locator("form.filters").first
        button = filter_button(page, zh("Filters"))
        assert button.count() == 1, path
        assert (button.is_visible(), form.is_visible()) == (True, False), path
        assert button.get_attribute("aria-expanded") == "false"
        assert button.get_attribute("aria-controls") == form.get_attribute("id")
        button.click()
        assert form.is_visible(), path
        assert button.get_attribute("aria-expanded") == "true"
        assert page_width(page) <= 390, f"{path} scrolls sideways with its filters open"
        if path in ("/accounts/", "/prospects/", "/dashboard/"):
            screenshot(page, "layout-phone-filters" + path.replace("/", "-").rstrip("-"))
        button.click()
        assert not form.is_visible(), path

    # The button counts the filters in use; sort and page are not filters.
    page.goto(f"{live_server.url}/accounts/?q=杭州&tier=A&owner=&sort=-name")
    button = filter_button(page, zh("Filters"))
    assert button.locator("[data-filter-count]").inner_text() == "2"
    assert not page.locator("form.filters").is_visible()

    # A filter error opens the form, so the rep sees what to fix.
    page.goto(f"{live_server.url}/prospects/list/?colour=purple")
    assert page.locator("form.filters .errorlist").is_visible()


def test_desktop_keeps_the_filters_in_view_and_uses_the_width(live_server, desktop_page):
    manager = UserFactory(username="layout-manager", role="manager")
    TeamFactory(manager=manager)
    _book(manager)
    page = desktop_page
    login(page, live_server, "layout-manager", "pw-Secret-123")
    for path in ("/accounts/", "/prospects/list/", "/visits/visits/"):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("form.filters").first.is_visible(), path
        assert not filter_button(page, "Filters").is_visible(), path
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#table-kpis")
    main = page.locator("main").bounding_box()
    kpis = page.locator("#kpis").bounding_box()
    assert main["width"] > 1300 and kpis["width"] > 1300, (main, kpis)
    assert page_width(page) <= 1440
    screenshot(page, "layout-desktop-dashboard")


def test_wide_tables_scroll_in_their_box_and_keep_cells_on_one_line(live_server, phone_page_zh):
    rep = UserFactory(username="layout-rep")
    names = [f"浙江省杭州市第{i}精密机械制造股份有限公司" for i in range(1, 6)]
    scores = {"growth": 1, "business_plans": 0, "revenue_potential": 1, "opportunities": 1}
    scores |= {"solution_fit": 0, "competitiveness": 1, "relationship": 0}
    accounts = [AccountFactory(owner=rep, name=name) for name in names]
    for account in accounts:
        ProspectFactory(account=account, colour="green")
        worksheet_create(actor=rep, account=account, scores=scores)
    _book(rep)
    page = phone_page_zh
    login(page, live_server, "layout-rep", "pw-Secret-123")

    ids = ",".join(str(a.pk) for a in accounts)
    page.goto(f"{live_server.url}/prospects/compare/?accounts={ids}")
    table = page.locator("[data-testid=compare]")
    box = page.locator(".table-wrap", has=table)
    assert box.evaluate("el => el.scrollWidth > el.clientWidth + 200")
    assert page_width(page) <= 390
    for cell in table.locator("thead a").all() + table.locator("tbody th").all():
        assert cell.evaluate(LINES) == 1, cell.inner_text()
    box.evaluate("el => el.scrollLeft = el.scrollWidth")
    assert box.evaluate("el => el.scrollLeft") > 0
    screenshot(page, "layout-phone-compare")

    page.goto(f"{live_server.url}/dashboard/")
    kpis = page.locator("#table-kpis")
    kpis.wait_for()
    assert page_width(page) <= 390
    for cell in kpis.locator("th, td").all():
        assert cell.evaluate(LINES) <= 1, cell.inner_text()
    # a cell keeps the height of one line (no one-character columns)
    heights = kpis.locator("tbody th").evaluate_all("els => els.map(e => e.clientHeight)")
    assert max(heights) < 60, heights
    screenshot(page, "layout-phone-dashboard")

    page.goto(f"{live_server.url}/accounts/")
    cells = page.locator(".table tbody td:first-child a")
    assert cells.count() == 8
    assert {cell.evaluate(LINES) for cell in cells.all()} == {1}


def test_the_board_on_a_phone_shows_one_colour_at_a_time(live_server, phone_page_zh, chromium):
    rep = UserFactory(username="layout-board")
    for colour, n in (("green", 50), ("yellow", 20), ("red", 5)):
        for i in range(n):
            account = AccountFactory(owner=rep, name=f"{colour} 看板客户 {i:02d} 有限公司")
            ProspectFactory(account=account, colour=colour)
    page = phone_page_zh
    login(page, live_server, "layout-board", "pw-Secret-123")
    page.goto(f"{live_server.url}/prospects/")
    tablist = page.get_by_role("tablist")
    tabs = tablist.get_by_role("tab")
    assert tabs.count() == 3
    assert [t.locator("[data-tab-count]").inner_text() for t in tabs.all()] == ["50", "20", "5"]
    green, yellow, red = (page.get_by_role("tab", name=zh(c)) for c in ("Green", "Yellow", "Red"))
    assert green.get_attribute("aria-selected") == "true"
    visible = page.locator(".board-col:visible")
    assert visible.count() == 1 and visible.get_attribute("data-colour") == "green"
    assert page.get_by_role("tabpanel").get_attribute("aria-labelledby") == "tab-green"
    assert page.locator(".p-card:visible").count() == 10  # the rest behind "Show every card"
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2500, f"the board is {height}px tall on a phone"
    assert page_width(page) <= 390
    screenshot(page, "layout-phone-board")

    page.get_by_role("button", name=zh("Show every card")).click()
    assert page.locator(".p-card:visible").count() == 50

    yellow.click()
    assert page.locator(".board-col:visible").get_attribute("data-colour") == "yellow"
    assert (green.get_attribute("aria-selected"), yellow.get_attribute("aria-selected")) == (
        "false",
        "true",
    )
    assert page.locator(".p-card:visible").count() == 10
    # keyboard: the arrows move between the tabs (one tab stop)
    yellow.focus()
    page.keyboard.press("ArrowRight")
    assert red.get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "tab-red"
    assert page.locator(".board-col:visible").get_attribute("data-colour") == "red"
    assert page.locator(".p-card:visible").count() == 5
    assert [t.get_attribute("tabindex") for t in tabs.all()] == ["-1", "-1", "0"]
    page.keyboard.press("ArrowRight")
    assert green.get_attribute("aria-selected") == "true"
    page.keyboard.press("End")
    # a move by button reloads the board on the same tab
    card = page.locator('.board-col[data-colour="red"] .p-card').first
    with page.expect_navigation():
        card.get_by_role("button", name=zh("Yellow")).click()
    assert red.get_attribute("aria-selected") == "true"
    assert red.locator("[data-tab-count]").inner_text() == "4"
    assert yellow.locator("[data-tab-count]").inner_text() == "21"
    screenshot(page, "layout-phone-board-red")

    # the 'new prospect' button opens the new prospect's form (the company first)
    page.get_by_role("link", name=zh("New prospect")).click()
    page.wait_for_url(f"{live_server.url}/prospects/new/")
    page.get_by_role("heading", name=zh("New prospect"), level=1).wait_for()

    # On a desktop the three columns stand side by side and the tabs are gone.
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    desk = context.new_page()
    try:
        login(desk, live_server, "layout-board", "pw-Secret-123")
        desk.goto(f"{live_server.url}/prospects/")
        assert not desk.get_by_role("tablist").is_visible()
        tops = {
            round(box["y"])
            for box in desk.locator(".board-col").evaluate_all(
                "els => els.map(e => e.getBoundingClientRect().toJSON())"
            )
        }
        assert len(tops) == 1 and desk.locator(".board-col:visible").count() == 3
        assert desk.locator(".p-card:visible").count() == 75
        assert desk.get_by_role("tabpanel").count() == 0
        # a drag keeps the (hidden) tabs' counts in step for a narrower window
        desk.locator('.board-col[data-colour="green"] .p-card').first.drag_to(
            desk.locator('.board-col[data-colour="red"]')
        )
        desk.wait_for_selector('.board-col[data-colour="red"] [data-count]:text-is("5")')
        assert desk.locator("#tab-red [data-tab-count]").text_content() == "5"
        assert desk.locator("#tab-green [data-tab-count]").text_content() == "49"
        desk.set_viewport_size({"width": 390, "height": 844})
        # The page turns the columns into tabs on the resize event: wait for it, not a race.
        desk.get_by_role("tablist").wait_for(state="visible")
        expect(desk.locator(".board-col:visible")).to_have_count(1)
    finally:
        context.close()
