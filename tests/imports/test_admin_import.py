"""Import as an admin meets it: phones normalised and checked (a cell that is not a phone
is a warning, kept in the note or left out), 电话 is the company's landline, the mapping
remembered for a file with the same columns, the owner asked for, the dry run's list of
rows that match existing accounts (why, with a link, paged), the result in the past tense
and the accounts of the batch."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Account, Contact
from imports import services
from imports.models import ImportBatch, ImportRowMatch
from imports.upload.cleaning import CellError, phone
from imports.upload.fields import auto_map
from tests.factories import AccountFactory, ContactFactory, UserFactory
from tests.imports.conftest import db_state, run_import, write_csv

pytestmark = pytest.mark.django_db

PHONES = [
    ("０２１－６２３４ ５６７８", "021-62345678"),  # full-width digits, dash and space
    ("+86 138 0013 8000", "13800138000"),
    ("8613800138000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    ("0086 139 0013 8000", "13900138000"),
    ("+86 21 6234 5678", "021-62345678"),  # a landline dialled from abroad: its 0 back
    ("0755-8888 1234 转 808", "0755-88881234转808"),
    ("(010)62345678", "010-62345678"),
    ("+1 (650) 253-0000", "+16502530000"),
    ("400-820-8820", "4008208820"),
]


@pytest.mark.parametrize(("raw", "clean"), PHONES)
def test_phones_are_normalised(raw, clean):
    assert phone(raw) == clean


def test_the_fast_path_of_a_plain_mobile_agrees_with_the_full_cleaner():
    # "13800138000" takes the fast path; its full-width twin goes through every step.
    assert phone("13800138000") == phone("１３８００１３８０００") == "13800138000"
    assert phone("23800138000") == "23800138000"  # 11 digits, not a mobile: kept as digits


@pytest.mark.parametrize("raw", ["n/a", "见备注", "12", "13800138000 or 139", "1" * 16, "+"])
def test_what_is_not_a_phone_is_refused(raw):
    with pytest.raises(CellError) as exc:
        phone(raw)
    assert exc.value.code == "phone_invalid"


def test_dianhua_is_the_company_phone_by_default():
    assert auto_map("customers", ["客户名称", "联系人", "手机", "电话"]) == [
        "name",
        "contact_name",
        "contact_phone",
        "phone",
    ]
    assert auto_map("customers", ["客户名称", "联系人2", "电话2"]) == [
        "name",
        "contact2_name",
        "contact2_phone",
    ]


@pytest.mark.parametrize(
    ("encoding", "header"),
    [
        ("utf-8-sig", ["客户名称", "电话", "联系人", "手机号码（必填）"]),
        ("gbk", ["公司名称", "座机", "姓名", "联系电话"]),
        ("utf-8", ["Account Name", "Company Phone", "Contact", "Mobile"]),
    ],
)
def test_phones_in_files_of_several_encodings_and_header_styles(tmp_path, admin, encoding, header):
    rows = [
        header,
        ["甲公司", "０２１－６２３４ ５６７８", "张三", "+86 138 0013 8000"],
        ["乙公司", "见备注", "李四", "8613800138001"],
        ["丙公司", "021-62345679", "王五", "n/a"],
        ["丁公司", "", "赵六", "138-0013-8002；139 0013 8003"],
    ]
    path = write_csv(tmp_path / f"phones-{encoding}.csv", rows, encoding=encoding)
    batch = run_import(path, actor=admin)
    assert batch.status == "done", batch.message
    assert (batch.counts["error_rows"], batch.counts["warning_rows"]) == (0, 2)
    accounts = {a.name: (a.phone, a.notes) for a in Account.objects.all()}
    assert accounts == {
        "甲公司": ("021-62345678", ""),
        "乙公司": ("", f"{header[1]}: 见备注"),
        "丙公司": ("021-62345679", ""),
        "丁公司": ("", ""),
    }
    contacts = {c.name: (c.phone, c.notes) for c in Contact.objects.all()}
    assert contacts == {
        "张三": ("13800138000", ""),
        "李四": ("13800138001", ""),
        "王五": ("", f"{header[3]}: n/a"),
        "赵六": ("13800138002", ""),
        "13900138003": ("13900138003", ""),
    }
    warnings = list(batch.row_errors.values_list("row_number", "column", "code", "value", "level"))
    assert warnings == [
        (3, header[1], "phone_to_note", "见备注", "warning"),
        (4, header[3], "phone_to_note", "n/a", "warning"),
    ]


def test_a_phone_that_is_not_one_may_be_left_out(tmp_path, admin):
    rows = [["客户名称", "电话", "联系人", "手机"], ["乙公司", "见备注", "李四", "n/a"]]
    path = write_csv(tmp_path / "drop.csv", rows, encoding="gbk")
    batch = run_import(path, actor=admin, invalid_phones="drop")
    assert batch.status == "done", batch.message
    account = Account.objects.get()
    assert (account.phone, account.notes) == ("", "")
    assert list(Contact.objects.values_list("name", "phone", "notes")) == [("李四", "", "")]
    assert sorted(batch.row_errors.values_list("column", "code", "level")) == [
        ("手机", "phone_dropped", "warning"),
        ("电话", "phone_dropped", "warning"),
    ]


def test_a_phone_kept_in_the_note_is_appended_once_never_replacing_it(tmp_path, admin):
    account = AccountFactory(name="老客户有限公司", notes="重要客户")
    ContactFactory(account=account, name="张三", phone="", notes="喜欢喝茶")
    rows = [["客户名称", "电话", "联系人", "手机"], ["老客户有限公司", "见备注", "张三", "n/a"]]
    path = write_csv(tmp_path / "u.csv", rows, encoding="gbk")
    batch = run_import(path, actor=admin, mode="update")
    assert batch.status == "done", batch.message
    assert batch.counts["accounts_update"] == 1
    account.refresh_from_db()
    assert account.notes == "重要客户\n电话: 见备注"
    assert Contact.objects.get(name="张三").notes == "喜欢喝茶\n手机: n/a"
    again = run_import(path, actor=admin, mode="update")
    assert again.status == "done", again.message
    assert (again.counts["accounts_update"], again.counts["accounts_same"]) == (0, 1)
    assert again.counts["contacts_update"] == 0
    account.refresh_from_db()
    assert account.notes == "重要客户\n电话: 见备注"
    assert Contact.objects.get(name="张三").notes == "喜欢喝茶\n手机: n/a"


def test_invalid_phones_option_is_checked(tmp_path, admin):
    path = write_csv(tmp_path / "x.csv", [["客户名称"], ["甲公司"]])
    batch = run_import(path, actor=admin, dry_run=True)
    with pytest.raises(services.ValidationError) as exc:
        services.import_batch_configure(actor=admin, batch=batch, data={"invalid_phones": "shout"})
    assert exc.value.message_dict == {"invalid_phones": ["Choose note or drop."]}
    batch.refresh_from_db()
    assert batch.invalid_phones == "note"


def test_phone_warnings_never_save_a_row_that_has_an_error(tmp_path, admin):
    rows = [["客户名称", "电话", "邮箱"], ["甲公司", "见备注", "bad-email"], ["乙公司", "n/a", ""]]
    path = write_csv(tmp_path / "bad.csv", rows, encoding="utf-8-sig")
    before = db_state()
    batch = run_import(path, actor=admin)  # all or nothing
    assert batch.status == "failed"
    assert db_state() == before
    assert (batch.counts["error_rows"], batch.counts["warning_rows"]) == (1, 2)


# ---- the mapping remembered for a file with the same columns ------------------------------


def _upload(actor, path, kind="customers"):
    with path.open("rb") as fh:
        return services.import_batch_create(actor=actor, kind=kind, upload=fh, file_name=path.name)


def test_the_last_mapping_used_for_the_same_columns_is_offered(tmp_path, admin):
    header = ["客户名称", "旧系统列?", "联系人", "备用列"]
    first = _upload(admin, write_csv(tmp_path / "a.csv", [header, ["甲", "华东", "张三", "x"]]))
    assert first.mapping == ["name", "", "contact_name", ""]
    assert first.mapping_from is None
    # Mapped by hand, then checked: that mapping was used.
    services.import_batch_configure(
        actor=admin, batch=first, data={"mapping": ["name", "industry", "contact_name", "notes"]}
    )
    services.import_batch_check(actor=admin, batch=first, dispatch=False)
    services.import_batch_run(batch_id=first.pk, dry_run=True)
    # The same columns (width, case and spaces aside) in another encoding: offered.
    same = ["客户名称 ", "旧系统列？", "联系人", "备用列"]
    path = write_csv(tmp_path / "b.csv", [same, ["乙", "华南", "李四", "y"]], encoding="gbk")
    second = _upload(admin, path)
    assert second.mapping == ["name", "industry", "contact_name", "notes"]
    assert second.mapping_from == first
    assert second.header_signature == first.header_signature
    # Other columns: detected as usual.
    other = _upload(admin, write_csv(tmp_path / "c.csv", [header[:3], ["丙", "华北", "王五"]]))
    assert (other.mapping, other.mapping_from) == (["name", "", "contact_name"], None)
    # A pending upload (never checked) is not a mapping that was used.
    third = _upload(admin, write_csv(tmp_path / "d.csv", [header, ["丁", "x", "y", "z"]]))
    assert third.mapping_from == first


def test_a_remembered_mapping_that_no_longer_fits_is_not_offered(tmp_path, admin):
    header = ["客户名称", "旧系统列?"]
    first = _upload(admin, write_csv(tmp_path / "a.csv", [header, ["甲", "华东"]]))
    ImportBatch.objects.filter(pk=first.pk).update(status="ready", mapping=["name", "gone"])
    second = _upload(admin, write_csv(tmp_path / "b.csv", [header, ["乙", "华南"]]))
    assert (second.mapping, second.mapping_from) == (["name", ""], None)


def test_a_manager_is_not_offered_another_importers_mapping(tmp_path, org):
    header = ["客户名称", "旧系统列?"]
    batch = _upload(org["admin"], write_csv(tmp_path / "a.csv", [header, ["甲", "华东"]]))
    services.import_batch_configure(
        actor=org["admin"], batch=batch, data={"mapping": ["name", "industry"], "owner": None}
    )
    services.import_batch_check(actor=org["admin"], batch=batch, dispatch=False)
    services.import_batch_run(batch_id=batch.pk, dry_run=True)
    theirs = _upload(org["m1"], write_csv(tmp_path / "b.csv", [header, ["乙", "华南"]]))
    assert (theirs.mapping, theirs.mapping_from) == (["name", ""], None)


# ---- rows that match existing accounts ----------------------------------------------------


def test_the_dry_run_lists_which_rows_match_which_account_and_why(tmp_path, admin, client, api):
    rep = UserFactory(username="rep-m", role="rep")
    by_name = AccountFactory(name="上海华信机械有限公司", owner=rep)
    by_code = AccountFactory(name="旧名称", external_code="C002", owner=rep)
    by_phone = AccountFactory(name="电话公司", phone="021-62345678", owner=rep)
    by_contact = AccountFactory(name="联系人公司", owner=rep)
    ContactFactory(account=by_contact, name="老王", phone="13800138000")
    rows = [
        ["客户名称", "客户编号", "电话", "联系人", "手机"],
        ["上海华信机械股份有限公司", "", "", "", ""],  # name folded: 股份有限公司
        ["北京宏达", "C002", "", "", ""],
        ["新公司甲", "", "０２１－６２３４ ５６７８", "", ""],
        ["新公司乙", "", "", "王某", "+86 138 0013 8000"],
        ["全新公司", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "m.csv", rows, encoding="gbk")
    before = db_state()
    batch = run_import(path, actor=admin, dry_run=True, mode="update")
    assert db_state() == before
    assert batch.counts["rows_matched"] == 4
    matches = list(
        ImportRowMatch.objects.filter(batch=batch).values_list(
            "row_number", "account_id", "account_name", "reason", "action"
        )
    )
    assert matches == [
        (2, by_name.pk, "上海华信机械有限公司", "name", "update"),
        (3, by_code.pk, "旧名称", "code", "update"),
        (4, by_phone.pk, "电话公司", "phone", "update"),
        (5, by_contact.pk, "联系人公司", "contact_phone", "update"),
    ]
    client.force_login(admin)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "Rows that match an existing account" in page
    assert f'<a href="/accounts/{by_code.pk}/">旧名称</a></td><td>customer code</td>' in page
    assert "<td>a contact&#x27;s phone</td>" in page
    response = api(admin).get(f"/api/v1/imports/{batch.pk}/matches/?page_size=2")
    assert response.status_code == 200
    body = response.json()
    assert [(m["row_number"], m["account_id"], m["reason"]) for m in body["results"]] == [
        (2, by_name.pk, "name"),
        (3, by_code.pk, "code"),
    ]
    assert body["results"][1]["reason_display"] == "customer code"
    rest = api(admin).get(body["next"]).json()["results"]
    assert [m["reason"] for m in rest] == ["phone", "contact_phone"]
    # A check of changed options starts the list again.
    services.import_batch_configure(actor=admin, batch=batch, data={"mode": "skip"})
    assert not ImportRowMatch.objects.filter(batch=batch).exists()


def test_the_list_of_matches_is_paged(tmp_path, admin, client):
    for i in range(60):
        AccountFactory(name=f"已有公司{i:03d}")
    rows = [["客户名称"]] + [[f"已有公司{i:03d}"] for i in range(60)]
    batch = run_import(write_csv(tmp_path / "p.csv", rows), actor=admin, dry_run=True)
    assert batch.counts["rows_matched"] == 60
    assert batch.counts["accounts_skip"] == 60
    client.force_login(admin)
    first = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "Page 1 of 2" in first
    assert ">已有公司049</a>" in first and ">已有公司050</a>" not in first
    second = client.get(f"/imports/{batch.pk}/?matches_page=2").content.decode()
    assert ">已有公司059</a>" in second and ">已有公司000</a>" not in second


def test_an_account_in_a_book_the_importer_cannot_see_is_never_named(tmp_path, org):
    AccountFactory(name="南方秘密客户", owner=org["r3"])
    rows = [["客户名称"], ["南方秘密客户"], ["北方客户"]]
    path = write_csv(tmp_path / "m.csv", rows)
    batch = run_import(path, actor=org["m1"], dry_run=True, mode="update", owner=org["r1"])
    assert not ImportRowMatch.objects.filter(batch=batch).exists()
    assert batch.counts["rows_matched"] == 0
    assert list(batch.row_errors.values_list("code", flat=True)) == ["exists_elsewhere"]


# ---- the owner, the result and the accounts of the batch ----------------------------------


def _config(batch, **extra):
    data = {
        "mode": "skip",
        "on_error": "all_or_nothing",
        "invalid_phones": "note",
        "header_row": batch.header_row,
        "encoding": "",
        "action": "check",
        **{f"col_{i}": t for i, t in enumerate(batch.mapping)},
    }
    data.update(extra)
    return data


def test_the_owner_of_new_accounts_is_asked_for(tmp_path, admin, client):
    rep = UserFactory(username="rep-o", role="rep")
    UserFactory(username="other-admin", role="admin")
    path = write_csv(tmp_path / "o.csv", [["客户名称"], ["甲公司"]])
    batch = _upload(admin, path)
    client.force_login(admin)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "You are not a sales rep: choose the rep who will own the new accounts." in page
    # A required type-ahead picker over active sales reps, empty until one is chosen.
    [owner] = re.findall(r'<input[^>]*name="owner"[^>]*>', page)
    assert 'placeholder="— choose a sales rep —"' in owner and " required " in owner
    assert 'data-picker-params="is_active=true&amp;role=rep"' in owner
    assert 'data-picker-label=""' in owner and "value=" not in owner
    response = client.post(f"/imports/{batch.pk}/", _config(batch))
    assert response.status_code == 200
    assert (
        "Choose the owner of the new accounts: you are not a sales rep, so they cannot be "
        "yours." in response.content.decode()
    )
    batch.refresh_from_db()
    assert (batch.status, batch.checked_at) == ("pending", None)
    response = client.post(f"/imports/{batch.pk}/", _config(batch, owner=rep.pk))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.owner == rep


def test_the_result_speaks_in_the_past_and_links_the_accounts_of_the_batch(tmp_path, admin, client):
    rep = UserFactory(username="rep-r", role="rep")
    AccountFactory(name="以前导入的客户", source="legacy_list", owner=rep)
    path = write_csv(tmp_path / "r.csv", [["客户名称", "生日", "联系人"], ["甲公司", "", "张三"]])
    batch = run_import(path, actor=admin, owner=rep)
    assert batch.status == "done", batch.message
    client.force_login(admin)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "What the import did" in page and "accounts created" in page
    assert "accounts to create" not in page and "What the import will do" not in page
    assert "contacts created" in page
    link = f"/accounts/?import_batch={batch.pk}&sort=-created"
    assert f'id="imp-batch-accounts" href="{link}"' in page
    listed = client.get(f"/accounts/?import_batch={batch.pk}").content.decode()
    assert "甲公司" in listed and "以前导入的客户" not in listed
    assert f'name="import_batch" value="{batch.pk}"' in listed


def test_the_accounts_of_a_batch_follow_the_visibility_rule(tmp_path, org, client, api):
    path = write_csv(tmp_path / "v.csv", [["客户名称", "负责人"], ["北一", "r1"], ["南一", "r3"]])
    batch = run_import(path, actor=org["admin"], owner=org["r1"])
    assert batch.status == "done", batch.message
    client.force_login(org["r1"])
    listed = client.get(f"/accounts/?import_batch={batch.pk}").content.decode()
    assert "北一" in listed and "南一" not in listed
    names = [
        a["name"]
        for a in api(org["r1"]).get(f"/api/v1/accounts/?import_batch={batch.pk}").json()["results"]
    ]
    assert names == ["北一"]
    bad = client.get("/accounts/?import_batch=abc")
    assert bad.status_code == 200 and "北一" not in bad.content.decode()


def test_the_api_takes_the_phone_option(api, admin):
    upload = SimpleUploadedFile("a.csv", "客户名称,电话\n甲,见备注\n".encode(), "text/csv")
    response = api(admin).post("/api/v1/imports/", {"kind": "customers", "file": upload})
    assert response.status_code == 201, response.json()
    assert response.json()["mapping"] == ["name", "phone"]
    pk = response.json()["id"]
    response = api(admin).patch(f"/api/v1/imports/{pk}/", {"invalid_phones": "drop"}, format="json")
    assert response.status_code == 200, response.json()
    assert ImportBatch.objects.get(pk=pk).invalid_phones == "drop"
    response = api(admin).patch(f"/api/v1/imports/{pk}/", {"invalid_phones": "x"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["invalid_phones"]
