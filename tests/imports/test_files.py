"""Reading files: encodings, workbooks, merged headers, dates, and hostile files refused."""

import datetime
from pathlib import Path

import pytest

from accounts.models import Account, Contact
from imports import services
from imports.upload.readers import FileRejected
from tests.imports.conftest import (
    customer_rows,
    data_rows_only,
    run_import,
    write_billion_laughs,
    write_csv,
    write_xlsx,
    write_zip_bomb,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_csv_in_each_encoding_is_detected_and_imported(tmp_path, admin, encoding):
    path = write_csv(tmp_path / f"list-{encoding}.csv", customer_rows(), encoding=encoding)
    batch = run_import(path, actor=admin, on_error="skip_bad_rows")
    assert batch.status == "done", batch.message
    names = sorted(Account.objects.values_list("name", flat=True))
    assert names == [
        '=HYPERLINK("http://evil")',
        "上海华信机械有限公司",
        "北京宏达电子股份有限公司",
    ]
    assert sorted(Contact.objects.values_list("name", flat=True)) == [
        "张三",
        "李娜",
        "王伟",
        "赵六",
        "钱七",
    ]
    expected = {"gbk": "gb18030", "gb18030": "gb18030", "utf-8-sig": "utf-8-sig"}[encoding]
    assert batch.counts["detected_encoding"] == expected


def test_gb18030_only_characters_survive(tmp_path, admin):
    # 𠀀 (U+20000) is outside GBK; GB18030 encodes it in four bytes.
    rows = [["公司名称", "联系人"], ["𠀀科技有限公司", "王𠀀"]]
    path = write_csv(tmp_path / "four-byte.csv", rows, encoding="gb18030")
    batch = run_import(path, actor=admin)
    assert batch.status == "done", batch.message
    assert Account.objects.get().name == "𠀀科技有限公司"
    assert Contact.objects.get().name == "王𠀀"


def test_formula_cells_are_stored_as_text(tmp_path, admin):
    rows = [["Company", "Notes"], ["@SUM(A1:A9)", "+1-2"], ["-cmd|' /C calc'!A0", "=1+1"]]
    path = write_csv(tmp_path / "formulas.csv", rows)
    batch = run_import(path, actor=admin)
    assert batch.status == "done", batch.message
    assert sorted(Account.objects.values_list("name", "notes")) == [
        ("-cmd|' /C calc'!A0", "=1+1"),
        ("@SUM(A1:A9)", "+1-2"),
    ]


def test_xlsx_second_sheet_merged_header_and_dates(tmp_path, admin):
    serial = (datetime.date(1985, 3, 9) - datetime.date(1899, 12, 30)).days
    sheets = {
        "说明": [["这是说明页"]],
        "客户": [
            [None, None, None, None],
            [None, "姓名", "手机", "生日"],
            ["深圳远航物流有限公司", "陈静", 13612345678, serial],
            ["深圳远航物流有限公司", "林强", "13612345679", "1990年7月1日"],
            ["Acme Trading Co., Ltd.", "Tom", "+86 136 1234 5670", "1975-12-31"],
        ],
    }
    merges = {"客户": [(0, 0, 1, 0, "客户名称"), (0, 1, 0, 3, "联系人")]}
    path = write_xlsx(tmp_path / "book.xlsx", sheets, merges)
    batch = run_import(path, actor=admin, sheet_name="客户")
    assert batch.status == "done", batch.message
    assert batch.headers == ["客户名称", "联系人姓名", "联系人手机", "联系人生日"]
    assert batch.mapping == ["name", "contact_name", "contact_phone", "contact_birthday"]
    assert batch.sheet_names == ["说明", "客户"]
    assert sorted(Account.objects.values_list("name", flat=True)) == [
        "Acme Trading Co., Ltd.",
        "深圳远航物流有限公司",
    ]
    contacts = {
        c.name: (c.phone, c.birthday_year, c.birthday_month, c.birthday_day)
        for c in Contact.objects.all()
    }
    assert contacts == {
        "陈静": ("13612345678", 1985, 3, 9),
        "林强": ("13612345679", 1990, 7, 1),
        "Tom": ("13612345670", 1975, 12, 31),  # +86 taken off
    }


def test_zip_bomb_is_rejected_and_nothing_is_written(tmp_path, admin):
    path = write_zip_bomb(tmp_path / "bomb.xlsx")
    before = data_rows_only()
    with pytest.raises(FileRejected, match="zip bomb"):
        run_import(path, actor=admin)
    assert data_rows_only() == before
    assert not list((tmp_path / "media").rglob("*.xlsx"))


def test_billion_laughs_is_rejected_and_nothing_is_written(tmp_path, admin):
    good = write_xlsx(tmp_path / "good.xlsx", {"S": [["公司名称"], ["甲公司"]]})
    path = write_billion_laughs(tmp_path / "laughs.xlsx", good)
    before = data_rows_only()
    with pytest.raises(FileRejected, match="entity"):
        run_import(path, actor=admin)
    assert data_rows_only() == before


def test_file_over_the_size_cap_is_rejected(tmp_path, admin, settings):
    settings.CRM_IMPORT_MAX_BYTES = 1000
    path = write_csv(tmp_path / "big.csv", [["公司名称"], *[[f"公司{i}"] for i in range(200)]])
    before = data_rows_only()
    with pytest.raises(FileRejected, match="limit"):
        run_import(path, actor=admin)
    assert data_rows_only() == before


def test_not_a_spreadsheet_is_rejected(tmp_path, admin):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    before = data_rows_only()
    with pytest.raises(FileRejected):
        run_import(path, actor=admin)
    assert data_rows_only() == before


def test_salesforce_and_hubspot_headers_are_mapped(tmp_path, admin):
    from imports.upload.fields import auto_map

    salesforce = [
        "Account Name",
        "Account Number",
        "Billing Street",
        "Phone",
        "Website",
        "Industry",
        "Account Owner",
        "First Name",
        "Last Name",
        "Email",
        "Title",
    ]
    assert auto_map("customers", salesforce) == [
        "name",
        "external_code",
        "address",
        "phone",
        "website",
        "industry",
        "owner",
        "contact_first_name",
        "contact_last_name",
        "contact_email",
        "contact_title",
    ]
    hubspot = ["Record ID", "Company name", "Company Domain Name", "Phone Number", "City"]
    assert auto_map("customers", hubspot) == ["external_code", "name", "website", "phone", ""]
    assert auto_map("customers", ["单位名称", "联系人2", "电话2", "第二联系人邮箱"]) == [
        "name",
        "contact2_name",
        "contact2_phone",
        "contact2_email",
    ]


def test_a_run_opens_its_csv_once(tmp_path, admin, monkeypatch):
    # Given an uploaded CSV ready to import
    path = write_csv(tmp_path / "list.csv", customer_rows())
    with path.open("rb") as fh:
        batch = services.import_batch_create(
            actor=admin, kind="customers", upload=fh, file_name=path.name
        )
    services.import_batch_commit(actor=admin, batch=batch, dispatch=False)
    opened = []
    real_open = Path.open

    def counting_open(self, mode="r", *args, **kwargs):
        opened.append(self.name)
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    # When it runs
    services.import_batch_run(batch_id=batch.pk, dry_run=False)
    # Then the stored file was opened once: sniffed and read through one handle
    batch.refresh_from_db()
    assert batch.status == "done", batch.message
    assert opened == [Path(batch.file.path).name]
