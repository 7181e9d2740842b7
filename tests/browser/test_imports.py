"""An admin on a phone uploads a legacy list, maps a column, sees the progress bar and the
preview, imports, and finds the accounts in the list."""

import re

import pytest
import redis

from accounts.models import Account
from tests.browser.conftest import login, screenshot
from tests.factories import TerritoryFactory, UserFactory
from tests.imports.conftest import run_import, start_worker, stop_worker, write_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_imports_a_legacy_list_with_preview_and_progress(
    live_server, phone_page, tmp_path, settings, require_redis
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CRM_IMPORT_INLINE_MAX_BYTES = 0  # through the worker, so that progress shows
    UserFactory(username="chief", role="admin")
    rep = UserFactory(username="rep-east", role="rep")
    TerritoryFactory(name="华东")
    rows = [["公司名称", "辖区", "联系人", "手机"]] + [
        [f"浏览器测试{i:03d}有限公司", "华东", f"联系人{i}", f"1380000{i:04d}"] for i in range(120)
    ]
    path = write_csv(tmp_path / "旧客户名单.csv", rows, encoding="gbk")
    redis.Redis.from_url(require_redis).delete("celery")
    page = phone_page
    login(page, live_server, "chief", "pw-Secret-123")
    page.goto(f"{live_server.url}/accounts/")
    page.click(".actions a[href='/imports/new/']")
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('Upload')")
    page.wait_for_selector("text=Columns and options")
    # "辖区" is not auto-mapped… map it by hand to the territory.
    select = page.locator("select[name=col_1]")
    assert select.input_value() == ""
    assert page.locator("select[name=col_0]").input_value() == "name"
    select.select_option("territory")
    # The admin is not a sales rep: the owner of the new accounts must be chosen.
    owner = page.locator("#id_owner")  # the type-ahead picker's box (core.pickers)
    assert owner.input_value() == ""
    assert owner.get_attribute("required") is not None  # the check is not sent without it
    assert page.locator("#imp-owner-help").inner_text() == (
        "You are not a sales rep: choose the rep who will own the new accounts."
    )
    owner.click()
    page.keyboard.type("rep-e")
    page.wait_for_selector(".picker-list [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.locator("input[name=owner]").input_value() == str(rep.pk)
    page.click("#imp-check")
    page.wait_for_selector("#imp-bar")  # queued: the worker is not there yet
    assert page.locator("#imp-progress").is_visible()
    screenshot(page, "import-progress")
    worker = start_worker(require_redis, settings.MEDIA_ROOT)
    try:
        page.wait_for_selector(
            "text=Preview: the first rows as they will be stored", timeout=60_000
        )
        assert page.locator(".imp-preview tbody tr").count() == 20
        assert page.locator(".imp-preview >> text=浏览器测试000有限公司").count() == 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the import page must not scroll sideways on a phone"
        screenshot(page, "import-preview")
        page.click("#imp-commit")
        page.wait_for_selector("#imp-batch-accounts", timeout=60_000)
    finally:
        stop_worker(worker, require_redis)
    assert Account.objects.filter(territory__name="华东", owner=rep).count() == 120
    assert page.locator("text=accounts created").count() == 1
    page.click("#imp-batch-accounts")
    assert re.search(r"120 accounts\b", page.content())
    page.get_by_role("button", name=re.compile(r"^Filters")).click()  # folded on a phone
    page.fill("input[name=q]", "浏览器测试007")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.wait_for_selector("text=浏览器测试007有限公司")
    assert re.search(r"1 account\b", page.content())
    screenshot(page, "import-accounts-found")


def test_admin_undoes_an_import_and_follows_the_undo_on_the_page(
    live_server, phone_page, tmp_path, settings, require_redis
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CRM_IMPORT_INLINE_MAX_BYTES = 0  # through the worker, so that progress shows
    admin = UserFactory(username="chief", role="admin")
    rows = [["公司名称", "联系人", "手机"]] + [
        [f"撤销浏览器{i:03d}有限公司", f"联系人{i}", f"1390000{i:04d}"] for i in range(300)
    ]
    batch = run_import(write_csv(tmp_path / "撤销.csv", rows), actor=admin)
    assert Account.objects.count() == 300
    redis.Redis.from_url(require_redis).delete("celery")
    page = phone_page
    login(page, live_server, "chief", "pw-Secret-123")
    page.goto(f"{live_server.url}/imports/{batch.pk}/")
    page.click("text=Undo this import")
    page.wait_for_selector("text=300 accounts created by it will be deleted")
    page.click("button:has-text('Undo the import')")
    # Queued: the page shows the undo waiting, and nothing is undone yet.
    page.wait_for_selector("text=Undoing the import")
    assert page.locator("#imp-phase").inner_text() == "Waiting for a worker"
    assert page.locator("#imp-status").inner_text() == "Undoing"
    assert page.locator("text=Undo this import").count() == 0
    assert Account.objects.count() == 300
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the import page must not scroll sideways on a phone"
    screenshot(page, "import-undo-queued")
    worker = start_worker(require_redis, settings.MEDIA_ROOT)
    try:
        # The page follows the undo and shows the result when it ends (it reloads itself).
        page.wait_for_selector("text=What the import did (undone since)", timeout=60_000)
    finally:
        stop_worker(worker, require_redis)
    assert page.locator("#imp-status").inner_text() == "Undone"
    assert not Account.objects.exists()
    screenshot(page, "import-undone")
