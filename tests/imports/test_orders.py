"""Order-line imports: account references, quantity × price, returns, duplicates, missing
accounts, the tier recompute queued in the same transaction, and undo."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Account, Order
from core.models import PendingTask
from tests.factories import AccountFactory, OrderFactory, UserFactory
from tests.imports.conftest import db_state, run_import, run_undo, write_csv

pytestmark = pytest.mark.django_db
TIER_TASK = "scoring.tasks.recompute_tiers_task"


@pytest.fixture
def book(admin):
    rep = UserFactory(username="rep-o")
    return {
        "a": AccountFactory(name="上海华信机械有限公司", external_code="C001", owner=rep),
        "b": AccountFactory(name="Acme Trading Co., Ltd.", owner=rep),
    }


def test_orders_attach_by_code_or_name_and_queue_the_tier_recompute(tmp_path, admin, book):
    rows = [
        ["客户编号", "客户名称", "日期", "数量", "单价", "金额", "发票号", "产品"],
        ["C001", "", "2024-03-31", "2", "50.5", "", "INV-1", "传感器"],
        ["", "ACME TRADING LIMITED", "45382", "", "", "1,200.00", "INV-2", "耗材"],
        ["", "上海华信机械股份有限公司", "2024/4/1", "-1", "50.5", "", "INV-3", "传感器"],
        ["C001", "", "2024-04-02", "", "", "(300)", "", "退货"],
    ]
    path = write_csv(tmp_path / "orders.csv", rows, encoding="gbk")
    batch = run_import(path, actor=admin, kind="orders")
    assert batch.status == "done", batch.message
    got = sorted(
        Order.objects.values_list("account__name", "date", "amount", "quantity", "invoice_number")
    )
    assert got == [
        ("Acme Trading Co., Ltd.", datetime.date(2024, 3, 31), Decimal("1200.00"), None, "INV-2"),
        (
            "上海华信机械有限公司",
            datetime.date(2024, 3, 31),
            Decimal("101.00"),
            Decimal("2.000"),
            "INV-1",
        ),
        (
            "上海华信机械有限公司",
            datetime.date(2024, 4, 1),
            Decimal("-50.50"),
            Decimal("-1.000"),
            "INV-3",
        ),
        ("上海华信机械有限公司", datetime.date(2024, 4, 2), Decimal("-300.00"), None, ""),
    ]
    assert set(Order.objects.values_list("import_batch", flat=True)) == {batch.pk}
    task = PendingTask.objects.get(task_name=TIER_TASK)
    assert (task.args, task.kwargs) == ([], {"trigger": "import", "actor_id": admin.pk})


def test_a_failed_orders_import_queues_nothing(tmp_path, admin, book):
    rows = [["客户编号", "日期", "金额"], ["C001", "2024-03-31", "10"], ["NOPE", "2024-03-31", "5"]]
    path = write_csv(tmp_path / "orders.csv", rows)
    before = db_state()
    batch = run_import(path, actor=admin, kind="orders")
    assert batch.status == "failed"
    assert db_state() == before
    assert not PendingTask.objects.filter(task_name=TIER_TASK).exists()
    assert list(batch.row_errors.values_list("row_number", "code")) == [(3, "account_unknown")]


def test_only_lines_already_stored_are_skipped_as_duplicates(tmp_path, admin, book):
    OrderFactory(
        account=book["a"],
        date=datetime.date(2024, 1, 5),
        amount=Decimal("10.00"),
        invoice_number="INV-9",
        product="",
    )
    rows = [
        ["客户编号", "日期", "金额", "发票号"],
        ["C001", "2024-01-05", "10", "INV-9"],
        ["C001", "2024-01-06", "20", "INV-10"],
        ["C001", "2024-01-06", "20", "INV-10"],
        ["C001", "2024-01-06", "20", ""],
        ["C001", "2024-01-06", "20", ""],
    ]
    path = write_csv(tmp_path / "dups.csv", rows)
    batch = run_import(path, actor=admin, kind="orders", mode="skip")
    assert batch.status == "done", batch.message
    # Row 2 is stored already; rows 3 and 4 are two identical lines of one invoice: both
    # kept, each with a warning that counts them.
    assert (batch.counts["orders_create"], batch.counts["orders_skip"]) == (4, 1)
    assert batch.counts["orders_repeated"] == 2
    assert sorted(batch.row_errors.values_list("row_number", "code", "value", "level")) == [
        (3, "lines_repeated", "INV-10 × 2", "warning"),
        (4, "lines_repeated", "INV-10 × 2", "warning"),
    ]
    assert Order.objects.count() == 5
    # The same file again adds none of its invoice lines: each is now stored as often as it
    # is in the file (the lines without an invoice number are never taken for duplicates).
    batch = run_import(path, actor=admin, kind="orders", mode="skip")
    assert (batch.counts["orders_create"], batch.counts["orders_skip"]) == (2, 3)
    assert set(Order.objects.filter(import_batch=batch).values_list("invoice_number")) == {("",)}
    Order.objects.filter(import_batch=batch).delete()
    before = db_state()
    batch = run_import(path, actor=admin, kind="orders", mode="create")
    assert batch.status == "failed"
    assert db_state() == before
    assert set(batch.row_errors.filter(level="error").values_list("row_number", "code")) == {
        (2, "duplicate_line"),
        (3, "duplicate_line"),
        (4, "duplicate_line"),
    }


def test_missing_accounts_are_created_when_asked_and_undo_removes_them(tmp_path, admin, book):
    rows = [
        ["Account Name", "Date", "Amount"],
        ["Brand New Co., Ltd.", "2024-05-01", "99"],
        ["BRAND NEW CO LTD", "2024-05-02", "1"],
        ["Acme Trading Co., Ltd.", "2024-05-03", "5"],
    ]
    path = write_csv(tmp_path / "new.csv", rows)
    before = db_state()
    batch = run_import(path, actor=admin, kind="orders", create_missing_accounts=True)
    assert batch.status == "done", batch.message
    created = Account.objects.get(import_batch=batch)
    assert (created.name, created.lifecycle, created.source, created.owner) == (
        "Brand New Co., Ltd.",
        "existing",
        "legacy_list",
        admin,
    )
    assert created.orders.count() == 2
    assert batch.counts["accounts_create"] == 1
    run_undo(batch, actor=admin)
    after = db_state()
    assert after["accounts"] == before["accounts"]
    assert after["orders"] == before["orders"]
    assert PendingTask.objects.filter(task_name=TIER_TASK).count() == 2


def test_ambiguous_names_and_invisible_accounts_are_errors(tmp_path, org):
    AccountFactory(name="Twin Co", owner=org["r1"])
    AccountFactory(name="Twin Co.", owner=org["r2"])
    AccountFactory(name="Far Away Ltd", owner=org["r3"])
    rows = [
        ["Company", "Date", "Amount"],
        ["twin co", "2024-01-01", "1"],
        ["Far Away Ltd", "2024-01-01", "1"],
    ]
    path = write_csv(tmp_path / "o.csv", rows)
    batch = run_import(path, actor=org["m1"], kind="orders")
    assert batch.status == "failed"
    assert sorted(batch.row_errors.values_list("row_number", "code")) == [
        (2, "account_ambiguous"),
        (3, "account_unknown"),
    ]
    assert not Order.objects.exists()
