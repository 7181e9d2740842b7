"""Warnings: a cell that cannot be kept as it is (a bad optional field) is a warning on that
cell, shown and stored with its row, column and reason; it never rejects the row."""

import csv
import io

import pytest

from accounts.models import Account, Contact
from imports.models import ImportRowError
from imports.rejected import rejected_rows_csv
from tests.imports.conftest import db_state, run_import, write_csv

pytestmark = pytest.mark.django_db

HEADER = ["客户名称", "联系人", "手机", "生日"]


def test_a_bad_birthday_is_a_warning_the_cell_left_empty_and_the_row_kept(tmp_path, admin):
    path = write_csv(
        tmp_path / "birthdays.csv",
        [HEADER, ["甲公司", "张三", "13800138000", "去年夏天"], ["乙公司", "李四", "", "05-17"]],
        encoding="utf-8-sig",
    )
    batch = run_import(path, actor=admin)  # all or nothing: a warning does not stop it
    assert batch.status == "done", batch.message
    assert (batch.counts["errors"], batch.counts["error_rows"]) == (0, 0)
    assert (batch.counts["warnings"], batch.counts["warning_rows"]) == (1, 1)
    assert batch.counts["accounts_create"] == 2
    zhang = Contact.objects.get(name="张三")
    assert (zhang.account.name, zhang.birthday_month, zhang.birthday_day) == ("甲公司", None, None)
    assert Contact.objects.get(name="李四").birthday_month == 5
    assert list(batch.row_errors.values_list("row_number", "column", "code", "value", "level")) == [
        (2, "生日", "birthday_ignored", "去年夏天", "warning")
    ]
    rejected = list(csv.reader(io.StringIO(b"".join(rejected_rows_csv(batch)).decode("utf-8-sig"))))
    assert rejected == [
        ["Row", "Errors", "Warnings", *HEADER],
        [
            "2",
            "",
            "生日: Not a birthday (use e.g. 1980-05-17 or 05-17): left empty. (去年夏天)",
            "甲公司",
            "张三",
            "13800138000",
            "去年夏天",
        ],
    ]


def test_the_dry_run_shows_the_warning_and_writes_nothing(tmp_path, admin):
    path = write_csv(
        tmp_path / "birthdays.csv", [HEADER, ["甲公司", "张三", "", "13/45"]], encoding="gbk"
    )
    before = db_state()
    batch = run_import(path, actor=admin, dry_run=True)
    assert batch.status == "ready"
    assert db_state() == before
    assert batch.preview[0]["warnings"] == [["生日", "birthday_ignored", "13/45"]]
    assert batch.preview[0]["errors"] == []
    assert batch.counts["warning_rows"] == 1


def test_a_warning_does_not_save_a_row_with_an_error(tmp_path, admin):
    path = write_csv(
        tmp_path / "both.csv",
        [HEADER, ["", "张三", "", "13/45"], ["乙公司", "李四", "", ""]],
        encoding="utf-8",
    )
    before = db_state()
    batch = run_import(path, actor=admin)
    assert batch.status == "failed"
    assert db_state() == before
    assert not Account.objects.exists()
    levels = sorted(batch.row_errors.values_list("code", "level"))
    assert levels == [("birthday_ignored", "warning"), ("required", "error")]
    assert ImportRowError.objects.filter(level="error").count() == 1
