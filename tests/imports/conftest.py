"""Files made by the tests (CSV in several encodings, workbooks, hostile archives) and a
helper that runs an import the way the CLI does."""

import csv
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from accounts.models import Account, Contact, Order
from core.models import AuditEntry, PendingTask
from imports import services
from imports.models import ImportBatch
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def admin(db):
    return UserFactory(username="importer", role="admin")


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]], merges: dict | None = None) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                sheet.write(r, c, value)
        for first_row, first_col, last_row, last_col, value in (merges or {}).get(name, []):
            sheet.merge_range(first_row, first_col, last_row, last_col, value)
    workbook.close()
    return path


def write_zip_bomb(path: Path) -> Path:
    """A workbook whose sheet is 200 MB of zeros, compressed about 1000 : 1."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            block = b"0" * (1024 * 1024)
            for _ in range(200):
                part.write(block)
    return path


def write_billion_laughs(path: Path, source: Path) -> Path:
    """A real workbook whose shared strings carry the billion-laughs entity bomb."""
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + ']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as archive:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                data = bomb.encode()
            archive.writestr(info, data)
    return path


def run_import(
    path: Path,
    *,
    actor,
    kind: str = "customers",
    dry_run: bool = False,
    **config,
) -> ImportBatch:
    """Upload, configure, then run in this process (as `manage.py import_*` does)."""
    with path.open("rb") as fh:
        batch = services.import_batch_create(
            actor=actor,
            kind=kind,
            upload=fh,
            file_name=path.name,
            encoding=config.pop("encoding", ""),
            sheet_name=config.pop("sheet_name", ""),
        )
    if config:
        batch = services.import_batch_configure(actor=actor, batch=batch, data=config)
    if dry_run:
        services.import_batch_check(actor=actor, batch=batch, dispatch=False)
    else:
        services.import_batch_commit(actor=actor, batch=batch, dispatch=False)
    services.import_batch_run(batch_id=batch.pk, dry_run=dry_run)
    batch.refresh_from_db()
    return batch


def run_undo(batch: ImportBatch, *, actor) -> ImportBatch:
    """Ask for the undo, then run it in this process (as the worker does)."""
    services.import_batch_undo(actor=actor, batch=batch, dispatch=False)
    services.import_batch_undo_run(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def db_state() -> dict:
    """Everything an import may write, for 'nothing changed' assertions."""
    return {
        "accounts": sorted(Account.objects.values_list(named=False).order_by("id")),
        "contacts": sorted(Contact.objects.values_list(named=False).order_by("id")),
        "orders": sorted(Order.objects.values_list(named=False).order_by("id")),
        "outbox": PendingTask.objects.count(),
    }


def fingerprint() -> dict[str, str]:
    """Row count and md5 of every row, in id order, of accounts, contacts and orders: an
    exact comparison of big tables without loading them into Python."""
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for table in ("accounts_account", "accounts_contact", "accounts_order"):
            cursor.execute(
                "SELECT count(*), md5(COALESCE(string_agg(md5(t::text), '' ORDER BY t.id), '')) "  # nosec B608
                f"FROM {table} t"
            )
            out[table] = "{}:{}".format(*cursor.fetchone())
    return out


def data_rows_only() -> dict:
    return {
        "accounts": Account.objects.count(),
        "contacts": Contact.objects.count(),
        "orders": Order.objects.count(),
        "batches": ImportBatch.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


CUSTOMER_HEADER = [
    "客户名称",
    "统一社会信用代码",
    "客户编号",
    "联系人",
    "手机",
    "邮箱",
    "行业",
    "生日",
]


def customer_rows() -> list[list]:
    return [
        CUSTOMER_HEADER,
        [
            "上海华信机械有限公司",
            "",
            "C001",
            "王伟",
            "138-0000-0001",
            "wang@hx.cn",
            "制造业",
            "1980-05-17",
        ],
        ["上海华信机械有限公司", "", "C001", "李娜", "13800000002", "", "制造业", "02-29"],
        ["", "", "", "", "", "", "", ""],
        [
            "北京宏达电子股份有限公司",
            "",
            "C002",
            "赵六；钱七",
            "13900000001；13900000002",
            "",
            "电子",
            "",
        ],
        ['=HYPERLINK("http://evil")', "", "", "张三", "13700000000", "", "", ""],
    ]


@pytest.fixture
def csv_bytes():
    def make(rows: list[list], encoding: str = "utf-8") -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue().encode(encoding)

    return make


ROOT = Path(__file__).resolve().parents[2]


def tests_database_url() -> str:
    from django.db import connection

    from config.settings.base import database_url_for

    return database_url_for(connection.settings_dict)


def start_worker(redis_url: str, media_root: str) -> subprocess.Popen:
    """A real Celery worker on the test database and the test Redis (tasks already queued
    there are run too)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": tests_database_url(),
        "REDIS_URL": redis_url,
        "CRM_MEDIA_ROOT": str(media_root),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "--pool",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_worker(proc: subprocess.Popen, redis_url: str) -> None:
    import redis

    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    redis.Redis.from_url(redis_url).delete("celery")
