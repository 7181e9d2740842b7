"""Three journeys end to end, as a new user takes them in a real browser: a rep on a 390 px
phone in Simplified Chinese logs a visit; a manager on a 1,440 px desktop in English goes
through the dashboard, the tiers, the pipeline and one rep's data; an admin imports a messy
GBK-encoded CSV list and an xlsx list.

Elements are found by their role and visible text (translated with the project's own catalogue)
wherever the page allows, so the journeys read as the user's clicks."""

import csv
import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone, translation
from django.utils.text import capfirst

from accounts.models import Account, Contact
from scoring.models import TierRun
from scoring.services import tiers_recompute
from tests.browser.conftest import login, screenshot
from tests.factories import (
    AccountFactory,
    ContactFactory,
    OrderFactory,
    ProspectFactory,
    TeamFactory,
    TerritoryFactory,
    UserFactory,
)
from visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def no_sideways_scroll(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways ({scroll}px on {width}px)"


def nav(page):
    return page.get_by_role("navigation", name=zh("Main"))


def test_rep_on_a_phone_in_chinese_logs_a_visit(live_server, phone_page_zh):
    rep = UserFactory(username="journey-rep")
    account = AccountFactory(owner=rep, name="杭州宏达机械有限公司")
    AccountFactory(owner=rep, name="宁波永兴贸易有限公司")
    AccountFactory(name="别人的客户有限公司")
    ContactFactory(account=account, name="王伟", role="decision_maker")
    today = timezone.localdate()
    OrderFactory(account=account, date=today, amount=Decimal("1200"))
    tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=today)
    page = phone_page_zh
    login(page, live_server, "journey-rep", "pw-Secret-123")

    # Home is the rep's day, in Chinese; the account list is one tap away.
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    page.get_by_role("heading", name=zh("Today"), level=1).wait_for()
    no_sideways_scroll(page, 390)
    screenshot(page, "journey-rep-today")
    nav(page).get_by_role("link", name=zh("Accounts"), exact=True).click()
    page.get_by_role("heading", name=zh("Accounts"), level=1).wait_for()
    assert page.get_by_role("link", name="别人的客户有限公司").count() == 0
    no_sideways_scroll(page, 390)
    screenshot(page, "journey-rep-home")

    nav(page).get_by_role("link", name=zh("Dashboard")).click()
    page.get_by_role("heading", name=zh("My dashboard")).wait_for()  # a rep's, not 经理仪表板
    no_sideways_scroll(page, 390)
    screenshot(page, "journey-rep-dashboard")

    nav(page).get_by_role("link", name=zh("Accounts"), exact=True).click()
    page.get_by_role("link", name="杭州宏达机械有限公司").click()
    page.get_by_role("heading", name="杭州宏达机械有限公司", level=1).wait_for()
    no_sideways_scroll(page, 390)
    screenshot(page, "journey-rep-card")

    visits = page.get_by_role("region", name=zh("Visits and touches"))
    visits.get_by_role("link", name=zh("Log visit")).click()
    page.get_by_role("heading", name=zh("Log visit")).wait_for()
    page.get_by_label("王伟").check()
    page.get_by_label(capfirst(zh("purpose"))).fill("介绍新款数控机床")
    page.get_by_label(capfirst(zh("outcome"))).fill("客户有兴趣，下月试机")
    page.get_by_label(capfirst(zh("time spent (minutes)"))).fill("50")
    no_sideways_scroll(page, 390)
    screenshot(page, "journey-rep-log-visit")
    page.get_by_role("button", name=zh("Save visit")).click()
    page.get_by_text(zh("Visit logged.")).wait_for()
    assert (
        page.get_by_role("region", name=zh("Visits and touches"))
        .get_by_text("介绍新款数控机床")
        .count()
        == 1
    )

    nav(page).get_by_role("link", name=zh("Visits"), exact=True).click()
    page.get_by_role("link", name=zh("Visit log")).click()
    page.get_by_role("heading", name=zh("Visit log")).wait_for()
    row = page.get_by_role("row").filter(has_text="杭州宏达机械有限公司")
    assert row.count() == 1
    no_sideways_scroll(page, 390)
    screenshot(page, "journey-rep-visit-list")
    row.get_by_role("link", name=today.isoformat()).click()
    page.get_by_text("介绍新款数控机床").wait_for()
    no_sideways_scroll(page, 390)

    visit = Visit.objects.get()
    assert (visit.account, visit.visit_date, visit.purpose, visit.duration_minutes) == (
        account,
        today,
        "介绍新款数控机床",
        50,
    )
    assert [c.name for c in visit.contacts.all()] == ["王伟"]


def test_manager_on_a_desktop_reviews_the_team(live_server, desktop_page):
    manager = UserFactory(username="journey-manager", role="manager", first_name="Mia")
    team = TeamFactory(name="East", manager=manager)
    rep = UserFactory(username="journey-rep-e", team=team, first_name="Eddie", last_name="Wu")
    other = UserFactory(username="journey-rep-f", team=team, first_name="Fay", last_name="Li")
    today = timezone.localdate()
    for owner, name, revenue in (
        (rep, "Eddie Big Co", 9000),
        (rep, "Eddie Small Co", 100),
        (other, "Fay Mid Co", 3000),
        (other, "Fay Tiny Co", 50),
    ):
        account = AccountFactory(owner=owner, name=name)
        OrderFactory(account=account, date=today, amount=Decimal(revenue))
        OrderFactory(account=account, date=today - datetime.timedelta(days=40), amount=1)
    for owner, name, colour in (
        (rep, "Eddie Prospect Green", "green"),
        (rep, "Eddie Prospect Yellow", "yellow"),
        (other, "Fay Prospect Green", "green"),
    ):
        ProspectFactory(
            account=AccountFactory(owner=owner, name=name, lifecycle="potential"), colour=colour
        )
    AccountFactory(name="Outside Co")
    tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=today)
    page = desktop_page
    login(page, live_server, "journey-manager", "pw-Secret-123")

    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("link", name="Dashboard").click()
    page.get_by_role("heading", name="Manager dashboard").wait_for()
    page.locator("#table-kpis").wait_for()
    width = page.locator("main").bounding_box()["width"]
    assert width > 1300, f"the dashboard is {width}px wide on a 1,440px screen"
    assert (
        page.get_by_role("button", name="Filters").and_(page.locator("[aria-controls]")).is_hidden()
    )
    assert page.get_by_label("Owner").is_visible()
    screenshot(page, "journey-manager-dashboard")

    main_nav.get_by_role("link", name="Tiers").click()
    page.get_by_role("navigation", name="Tier pages").get_by_role("link", name="Accounts").click()
    table = page.get_by_role("table")
    assert table.get_by_role("link", name="Eddie Big Co").count() == 1
    assert table.get_by_role("link", name="Outside Co").count() == 0
    # The owner filter is a type-ahead picker (core.pickers): type, pick with the keyboard.
    page.get_by_label("Owner").fill(rep.username)
    page.get_by_role("option", name=str(rep)).wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.wait_for_url(f"**/scoring/accounts/?*owner={rep.pk}*")
    names = sorted(table.locator("tbody tr td:first-child a").all_inner_texts())
    assert names == ["Eddie Big Co", "Eddie Small Co"]
    screenshot(page, "journey-manager-tiers-rep")

    main_nav.get_by_role("link", name="Pipeline").click()
    board = page.locator("[data-board]")
    assert board.get_by_role("link", name="Fay Prospect Green").count() == 1
    assert page.locator(".board-col:visible").count() == 3
    screenshot(page, "journey-manager-board")

    page.get_by_role("link", name="Teams and reps against the pipeline").click()
    page.get_by_role("table").get_by_role("link", name=str(rep)).click()
    rows = page.get_by_role("table").locator("tbody tr")
    assert sorted(rows.locator("td a[href*='/prospects/']").all_inner_texts()) == [
        "Eddie Prospect Green",
        "Eddie Prospect Yellow",
    ]
    no_sideways_scroll(page, 1440)
    screenshot(page, "journey-manager-rep-prospects")


def _messy_gbk_csv(path) -> None:
    """A legacy list as exported by an old system: GBK, mixed header styles (starred Chinese,
    English, a remark in full-width brackets, a header no synonym knows), full-width digits,
    stray spaces and blank lines."""
    rows = [
        ["*客户名称", "Contact Name", "手机号码（必填）", "片区?", "Industry"],
        [],
        ["绍兴恒远纺织有限公司", "陈静", "１３９０５７５１２３４", "华东", "纺织"],
        ["", "", "", "", ""],
        ["温州大成阀门有限公司 ", " 周强", "13857712345", "华东", "机械"],
        [],
        ["嘉兴新禾食品有限公司", "许丽", "１５８ ５７３０ ８８６６", "华东", "食品"],
    ]
    with path.open("w", encoding="gbk", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _xlsx_list(path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "客户"
    sheet.append(["Account Name", "联系人", "Mobile", "Territory"])
    sheet.append(["Suzhou Lake Optics Co., Ltd.", "Gu Min", "13962001234", "华东"])
    sheet.append(["苏州湖光电子有限公司", "顾敏", "13962005678", "华东"])
    workbook.save(path)


def _import(page, path, detected: dict[str, str], owner) -> None:
    """Upload, see the columns mapped by their headers (`detected`: header → target), choose
    the owner of the new accounts (the admin is not a sales rep), check (dry run), import;
    stop at the result."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="New import").click()
    page.get_by_label("Customers").check()
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("heading", name="Columns and options").wait_for()
    for header, target in detected.items():
        assert page.get_by_label(header, exact=True).input_value() == target, header
    # The owner is a type-ahead picker (core.pickers): type, pick with the keyboard.
    page.locator("#id_owner").fill(owner.username)
    page.wait_for_selector(".picker-list [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.locator("input[name=owner]").input_value() == str(owner.pk)
    page.get_by_role("button", name="Check the file (dry run)").click()
    page.get_by_role("heading", name="What the import will do").wait_for()
    screenshot(page, f"journey-admin-check-{path.suffix[1:]}")
    assert Account.objects.count() == 0 or path.suffix == ".xlsx"
    page.get_by_role("button", name="Import now").click()
    page.get_by_role("heading", name="What the import did").wait_for()


def test_admin_imports_a_messy_gbk_list_and_an_xlsx(live_server, desktop_page, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    UserFactory(username="journey-admin", role="admin")
    rep = UserFactory(username="journey-rep", role="rep")
    TerritoryFactory(name="华东")
    gbk = tmp_path / "老客户名单.csv"
    _messy_gbk_csv(gbk)
    assert "１３９".encode("gbk") in gbk.read_bytes()
    xlsx = tmp_path / "new-accounts.xlsx"
    _xlsx_list(xlsx)
    page = desktop_page
    login(page, live_server, "journey-admin", "pw-Secret-123")

    _import(page, gbk, {"*客户名称": "name", "片区?": "territory", "Industry": "industry"}, rep)
    counts = dict(
        zip(
            page.locator(".imp-counts dt").all_inner_texts(),
            page.locator(".imp-counts dd").all_inner_texts(),
            strict=True,
        )
    )
    assert counts["accounts created"] == "3"
    screenshot(page, "journey-admin-result-csv")
    page.get_by_role("link", name="The accounts of this batch").click()
    page.get_by_role("heading", name="Accounts", level=1).wait_for()
    table = page.get_by_role("table")
    assert sorted(table.locator("tbody td > a[href^='/accounts/']").all_inner_texts()) == [
        "嘉兴新禾食品有限公司",
        "温州大成阀门有限公司",
        "绍兴恒远纺织有限公司",
    ]
    screenshot(page, "journey-admin-accounts-csv")

    _import(page, xlsx, {}, rep)
    screenshot(page, "journey-admin-result-xlsx")
    page.get_by_role("link", name="The accounts of this batch").click()
    assert table.get_by_role("link", name="Suzhou Lake Optics Co., Ltd.").count() == 1
    assert table.get_by_role("link", name="苏州湖光电子有限公司").count() == 1

    # Phones are stored folded: full-width digits and spaces as eleven plain digits.
    phones = dict(Contact.objects.values_list("name", "phone"))
    assert phones == {
        "陈静": "13905751234",
        "周强": "13857712345",
        "许丽": "15857308866",
        "Gu Min": "13962001234",
        "顾敏": "13962005678",
    }
    assert set(Account.objects.values_list("owner__username", flat=True)) == {"journey-rep"}
    territories = set(Account.objects.values_list("territory__name", flat=True))
    assert territories == {"华东"}
    industries = dict(Account.objects.values_list("name", "industry"))
    assert industries["嘉兴新禾食品有限公司"] == "食品"
