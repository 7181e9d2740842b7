"""NUL characters (zero bytes) in a file, which PostgreSQL cannot store: the row that holds
one is a row error like any other (row number, column, reason), the other rows are imported.
Past the first 4 KB, where a file is no longer taken for a binary one."""

import csv
import io
import time

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Account
from imports import services
from imports.models import ImportBatch
from tests.imports.conftest import run_import, start_worker, stop_worker
from tests.imports.test_limits import _cell, write_sheet_xml

HEADER = ["公司名称", "联系人", "备注"]
NUL_MESSAGE = (
    "The cell contains a NUL character (a zero byte), which cannot be stored; the row was "
    "not imported."
)


def _rows(count: int, nul_at: int) -> list[list[str]]:
    """Data rows of about 60 bytes; row `nul_at` (0-based) has a NUL in its notes."""
    rows = [[f"公司{i:04d}有限公司", f"联系人{i}", "备注" * 8] for i in range(count)]
    rows[nul_at][2] = "坏\x00备注"
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    data = buffer.getvalue().encode("utf-8")
    assert data.index(b"\x00") > 4096
    return data


@pytest.fixture
def celery_worker(require_redis, settings):
    redis.Redis.from_url(require_redis).delete("celery")
    settings.CRM_IMPORT_INLINE_MAX_BYTES = 0  # every file goes to the worker
    proc = start_worker(require_redis, settings.MEDIA_ROOT)
    yield proc
    stop_worker(proc, require_redis)


def _wait_for(batch_id: int, statuses: set[str], timeout: float = 90) -> ImportBatch:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = ImportBatch.objects.get(pk=batch_id)
        if batch.status in statuses:
            return batch
        time.sleep(0.3)
    raise AssertionError(f"batch {batch_id} still {batch.status}")


def _upload(admin, data: bytes) -> ImportBatch:
    return services.import_batch_create(
        actor=admin, kind="customers", upload=io.BytesIO(data), file_name="nul.csv"
    )


@pytest.mark.django_db(transaction=True)
def test_a_nul_in_a_row_is_a_row_error_and_the_good_rows_are_imported_by_the_worker(
    admin, celery_worker
):
    batch = _upload(admin, _csv(_rows(200, nul_at=99)))
    batch = services.import_batch_configure(
        actor=admin, batch=batch, data={"on_error": "skip_bad_rows"}
    )
    services.import_batch_check(actor=admin, batch=batch)
    checked = _wait_for(batch.pk, {"ready", "failed"})
    assert checked.status == "ready", checked.message
    assert (checked.counts["rows"], checked.counts["error_rows"]) == (200, 1)
    assert list(checked.row_errors.values_list("row_number", "column", "code", "value")) == [
        (101, "备注", "nul_character", "")
    ]
    services.import_batch_commit(actor=admin, batch=checked)
    done = _wait_for(batch.pk, {"done", "failed"})
    assert done.status == "done", done.message
    assert done.counts["accounts_create"] == 199
    names = set(Account.objects.values_list("name", flat=True))
    assert len(names) == 199 and "公司0099有限公司" not in names


@pytest.mark.django_db(transaction=True)
def test_a_nul_all_or_nothing_fails_the_batch_with_the_row_not_an_unexpected_error(
    admin, celery_worker, api
):
    batch = _upload(admin, _csv(_rows(200, nul_at=150)))
    services.import_batch_commit(actor=admin, batch=batch)
    failed = _wait_for(batch.pk, {"done", "failed"})
    assert (failed.status, failed.message) == (
        "failed",
        "Nothing was imported: 1 rows have errors. Fix them, or choose to import the good rows.",
    )
    assert not Account.objects.exists()
    errors = api(admin).get(f"/api/v1/imports/{batch.pk}/errors/").json()["results"]
    assert [(e["row_number"], e["column"], e["message"]) for e in errors] == [
        (152, "备注", NUL_MESSAGE)
    ]
    rejected = api(admin).get(f"/api/v1/imports/{batch.pk}/rejected/")
    rows = list(csv.reader(io.StringIO(b"".join(rejected.streaming_content).decode("utf-8-sig"))))
    assert rows == [
        ["Row", "Errors", "Warnings", *HEADER],
        ["152", f"备注: {NUL_MESSAGE}", "", "公司0150有限公司", "联系人150", "坏备注"],
    ]


@pytest.mark.django_db
def test_a_nul_in_the_sample_rows_uploads_and_shows_the_row_without_it(api, admin):
    rows = _rows(100, nul_at=70)
    rows[2][2] = "坏\x00样本"  # past the first 4 KB: the rows above are long
    for row in rows[:2]:
        row[2] = "长" * 800
    upload = SimpleUploadedFile("nul.csv", _csv(rows), "text/csv")
    response = api(admin).post(
        "/api/v1/imports/", {"kind": "customers", "file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["headers"] == HEADER
    assert ImportBatch.objects.get().sample_rows[2] == ["公司0002有限公司", "联系人2", "坏样本"]


@pytest.mark.django_db
def test_a_nul_in_a_workbook_cell_is_a_row_error_too(tmp_path, admin):
    cells = "".join(_cell(f"{c}1", h) for c, h in zip("ABC", HEADER, strict=True))
    data = [f'<row r="1">{cells}</row>']
    for r, (name, contact, notes) in enumerate(
        [("甲公司", "王伟", "ok"), ("乙公司", "李娜", "坏_x0000_值"), ("丙公司", "赵六", "ok")],
        start=2,
    ):
        values = zip("ABC", (name, contact, notes), strict=True)
        data.append(f'<row r="{r}">{"".join(_cell(f"{c}{r}", v) for c, v in values)}</row>')
    path = write_sheet_xml(tmp_path / "nul.xlsx", "".join(data))
    batch = run_import(path, actor=admin, on_error="skip_bad_rows")
    assert batch.status == "done", batch.message
    assert sorted(Account.objects.values_list("name", flat=True)) == ["丙公司", "甲公司"]
    assert list(batch.row_errors.values_list("row_number", "column", "code")) == [
        (3, "备注", "nul_character")
    ]
