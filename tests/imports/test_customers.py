"""Customer imports: duplicates in the file and in the database, modes, all-or-nothing,
good rows with a rejected-rows file, visibility, and undo back to the exact previous state."""

import pytest

from accounts.models import Account, Contact
from imports.models import ImportBatch, ImportBeforeImage
from imports.rejected import rejected_rows_csv
from imports.services import import_batch_undo
from tests.factories import AccountFactory, ContactFactory, TerritoryFactory, UserFactory
from tests.imports.conftest import customer_rows, db_state, run_import, run_undo, write_csv

pytestmark = pytest.mark.django_db


def test_repeated_rows_are_one_company_and_contacts_attach(tmp_path, admin):
    path = write_csv(tmp_path / "list.csv", customer_rows(), encoding="gbk")
    batch = run_import(path, actor=admin)
    assert batch.status == "done", batch.message
    assert batch.counts["accounts_create"] == 3
    assert batch.counts["rows_merged"] == 1
    assert batch.counts["contacts_create"] == 5
    huaxin = Account.objects.get(name="上海华信机械有限公司")
    assert (huaxin.source, huaxin.owner, huaxin.import_batch, huaxin.external_code) == (
        "legacy_list",
        admin,
        batch,
        "C001",
    )
    assert huaxin.normalized_name == "上海华信机械"
    contacts = sorted(
        huaxin.contacts.values_list(
            "name", "phone", "email", "birthday_month", "birthday_day", "birthday_year"
        )
    )
    assert contacts == [
        ("李娜", "13800000002", "", 2, 29, None),
        ("王伟", "13800000001", "wang@hx.cn", 5, 17, 1980),
    ]
    hongda = Account.objects.get(external_code="C002")
    assert sorted(hongda.contacts.values_list("name", "phone")) == [
        ("赵六", "13900000001"),
        ("钱七", "13900000002"),
    ]


def test_one_bad_row_writes_nothing_and_says_why(tmp_path, admin):
    rows = customer_rows()
    rows[2][5] = "not-an-email"
    AccountFactory(name="Existing Co.")
    path = write_csv(tmp_path / "bad.csv", rows)
    before = db_state()
    batch = run_import(path, actor=admin)
    assert batch.status == "failed"
    assert "1 rows have errors" in batch.message
    assert db_state() == before
    errors = list(batch.row_errors.values_list("row_number", "column", "code", "value"))
    assert errors == [(3, "邮箱", "email_invalid", "not-an-email")]


def test_good_rows_mode_imports_the_rest_and_offers_the_rejected_rows(tmp_path, admin):
    rows = customer_rows()
    rows[2][5] = "not-an-email"
    path = write_csv(tmp_path / "bad.csv", rows)
    batch = run_import(path, actor=admin, on_error="skip_bad_rows")
    assert batch.status == "done", batch.message
    assert batch.counts["error_rows"] == 1
    assert Account.objects.count() == 3
    assert not Contact.objects.filter(name="李娜").exists()
    rejected = b"".join(rejected_rows_csv(batch)).decode("utf-8-sig").splitlines()
    assert rejected[0].split(",")[:4] == ["Row", "Errors", "Warnings", "客户名称"]
    assert rejected[1].startswith(
        "3,邮箱: Not a valid email address. (not-an-email),,上海华信机械有限公司"
    )
    assert len(rejected) == 2


def test_duplicates_in_the_database_by_code_name_phone_and_email(tmp_path, admin):
    rep = UserFactory(username="rep-a")
    by_uscc = AccountFactory(name="Old Name A", uscc="91310000MA1K4F0X75", owner=rep)
    by_name = AccountFactory(name="上海华信机械股份有限公司", owner=rep)
    by_phone = AccountFactory(name="Phone Corp", phone="021-5555 6666", owner=rep)
    ContactFactory(account=AccountFactory(name="Mail Corp", owner=rep), email="boss@mail.cn")
    rows = [
        ["公司名称", "统一社会信用代码", "公司电话", "联系人", "邮箱"],
        ["New Name A", "91310000MA1K4F0X75", "", "", ""],
        ["上海华信机械有限公司", "", "", "", ""],
        ["Phone Corporation", "", "02155556666", "", ""],
        ["Mail Corporation", "", "", "Boss", "BOSS@mail.cn"],
        ["Brand New Ltd.", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "dups.csv", rows)
    batch = run_import(path, actor=admin, mode="skip")
    assert batch.status == "done", batch.message
    assert (batch.counts["accounts_skip"], batch.counts["accounts_create"]) == (4, 1)
    assert Account.objects.count() == 5
    # update mode: the matched accounts take the file's values
    batch = run_import(path, actor=admin, mode="update")
    assert batch.counts["accounts_update"] == 4
    by_uscc.refresh_from_db()
    by_name.refresh_from_db()
    by_phone.refresh_from_db()
    assert by_uscc.name == "New Name A"
    assert by_name.name == "上海华信机械有限公司"
    assert by_phone.name == "Phone Corporation"
    assert Contact.objects.filter(email="boss@mail.cn").count() == 1
    assert Account.objects.count() == 5


def test_create_only_mode_treats_existing_accounts_as_errors(tmp_path, admin):
    AccountFactory(name="上海华信机械有限公司")
    path = write_csv(tmp_path / "list.csv", customer_rows())
    before = db_state()
    batch = run_import(path, actor=admin, mode="create")
    assert batch.status == "failed"
    assert db_state() == before
    codes = set(batch.row_errors.values_list("row_number", "code"))
    assert codes == {(2, "exists"), (3, "see_row")}


def test_code_owned_by_another_account_is_an_error(tmp_path, admin):
    AccountFactory(name="Somebody Else", external_code="C001", uscc="91310000MA1K4F0X75")
    rows = [
        ["公司名称", "统一社会信用代码", "客户编号"],
        ["Other Co", "91110000600037341L", "C001"],
    ]
    path = write_csv(tmp_path / "taken.csv", rows)
    batch = run_import(path, actor=admin)
    assert batch.status == "failed"
    assert list(batch.row_errors.values_list("code", "column")) == [("code_taken", "客户编号")]


def test_territory_owner_and_choices_are_resolved_or_errors(tmp_path, admin):
    TerritoryFactory(name="华东")
    rep = UserFactory(username="zhang", first_name="伟", last_name="张")
    rows = [
        ["公司名称", "区域", "负责人", "渠道", "客户状态"],
        ["甲公司", "华东", "zhang", "经销商", "现有客户"],
        ["乙公司", "火星", "nobody", "外星", "maybe"],
    ]
    path = write_csv(tmp_path / "t.csv", rows)
    batch = run_import(path, actor=admin, on_error="skip_bad_rows")
    assert batch.status == "done"
    a = Account.objects.get()
    assert (a.territory.name, a.owner, a.channel, a.lifecycle) == (
        "华东",
        rep,
        "distributor",
        "existing",
    )
    assert a.lifecycle_changed_at is not None
    assert sorted(batch.row_errors.values_list("code", flat=True)) == [
        "channel_unknown",
        "lifecycle_unknown",
        "owner_unknown",
        "territory_unknown",
    ]


def test_manager_imports_into_their_team_and_cannot_touch_other_books(tmp_path, org):
    other = AccountFactory(name="Not Theirs Ltd.", owner=org["r3"])
    rows = [["公司名称", "负责人"], ["Not Theirs Ltd.", ""], ["Team Co", "r1"], ["Far Co", "r3"]]
    path = write_csv(tmp_path / "m.csv", rows)
    batch = run_import(path, actor=org["m1"], mode="update", on_error="skip_bad_rows")
    assert batch.status == "done", batch.message
    assert set(batch.row_errors.values_list("row_number", "code")) == {
        (2, "exists_elsewhere"),
        (4, "owner_unknown"),
    }
    assert Account.objects.get(name="Team Co").owner == org["r1"]
    other.refresh_from_db()
    assert other.owner == org["r3"]


def test_dry_run_writes_nothing_and_previews(tmp_path, admin):
    path = write_csv(tmp_path / "list.csv", customer_rows())
    before = db_state()
    batch = run_import(path, actor=admin, dry_run=True)
    assert batch.status == "ready"
    assert db_state() == before
    assert [(p["row"], p["action"]) for p in batch.preview] == [
        (2, "create"),
        (3, "merge"),
        (5, "create"),
        (6, "create"),
    ]
    assert batch.preview[0]["contacts"] == ["王伟 13800000001 wang@hx.cn"]


def test_undo_restores_the_exact_previous_state(tmp_path, admin):
    rep = UserFactory(username="rep-u")
    kept = AccountFactory(name="上海华信机械有限公司", industry="旧行业", owner=rep)
    contact = ContactFactory(account=kept, name="王伟", phone="13800000001", title="旧职务")
    untouched = AccountFactory(name="Untouched", owner=rep)
    before = db_state()
    rows = [
        ["客户名称", "行业", "联系人", "手机", "职务"],
        ["上海华信机械有限公司", "制造业", "王伟", "13800000001", "总经理"],
        ["上海华信机械有限公司", "制造业", "新人", "13900000009", ""],
        ["全新公司", "软件", "路人", "13700000009", ""],
    ]
    path = write_csv(tmp_path / "u.csv", rows)
    batch = run_import(path, actor=admin, mode="update")
    assert batch.status == "done", batch.message
    kept.refresh_from_db()
    contact.refresh_from_db()
    assert (kept.industry, contact.title) == ("制造业", "总经理")
    assert ImportBeforeImage.objects.filter(batch=batch).count() == 2
    assert db_state() != before
    run_undo(batch, actor=admin)
    assert db_state() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    untouched.refresh_from_db()
    assert untouched.name == "Untouched"


def test_undo_waits_for_a_later_batch_that_changed_the_same_rows(tmp_path, admin):
    from django.core.exceptions import ValidationError

    first = run_import(
        write_csv(tmp_path / "a.csv", [["公司名称", "行业"], ["甲公司", "一"]]), actor=admin
    )
    second = run_import(
        write_csv(tmp_path / "b.csv", [["公司名称", "行业"], ["甲公司", "二"]]),
        actor=admin,
        mode="update",
    )
    with pytest.raises(ValidationError, match=f"#{second.pk}"):
        import_batch_undo(actor=admin, batch=first)
    run_undo(second, actor=admin)
    assert Account.objects.get().industry == "一"
    run_undo(first, actor=admin)
    assert not Account.objects.exists()
