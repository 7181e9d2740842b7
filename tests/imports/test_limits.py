"""Limits of what an upload may cost: sparse workbooks whose used range is huge, very wide and
very long CSV files, the upload's preview reading a bounded prefix, and the spooled upload
removed on every failure."""

import json
import os
import resource
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Account
from imports import services
from imports.models import ImportBatch
from imports.upload import readers
from imports.upload.readers import PREVIEW_BYTES, FileRejected
from tests.imports.conftest import ROOT, data_rows_only, run_import, write_csv

pytestmark = pytest.mark.django_db

HEADER = ["客户名称", "联系人", "手机"]
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def write_sheet_xml(
    path: Path,
    sheet_data: str,
    *,
    dimension: str = "",
    name="客户",
    target: str = "worksheets/sheet1.xml",
    extra: dict | None = None,
) -> Path:
    """A minimal real workbook (one sheet) whose sheet XML is written by hand, so that the
    `<dimension>` and the cell references are exactly the ones the test wants; the sheet's
    part is `target` (relative to xl/), `extra` more parts."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{dim}'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}"><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="{target}"/></Relationships>'
        ),
        f"xl/{target}": sheet,
        **(extra or {}),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name_, data in parts.items():
            archive.writestr(name_, data)
    return path


def sparse_workbook(path: Path, far: str, *, dimension: str = "", **options) -> Path:
    """A header at A2 (a real customer list's header) and one more cell at `far`."""
    row = "".join(c for c in far if c.isdigit())
    header = "".join(_cell(f"{col}2", h) for col, h in zip("ABC", HEADER, strict=True))
    data = f'<row r="2">{header}</row><row r="{row}">{_cell(far, "x")}</row>'
    return write_sheet_xml(path, data, dimension=dimension, **options)


@pytest.fixture
def spool_dir(tmp_path, monkeypatch):
    """Where this test's uploads are spooled (crm-import-*): the spool folder beside the
    stored files in this test's MEDIA_ROOT; the system temp folder is this test's own too, so
    a spool written anywhere else would be seen."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    folder = services.spool_folder()
    assert folder.is_relative_to(tmp_path / "media")
    return folder


def _spooled(folder: Path) -> list[str]:
    temp = Path(tempfile.gettempdir())
    return sorted(p.name for p in [*folder.glob("crm-import-*"), *temp.glob("crm-import-*")])


def test_a_kept_upload_is_its_spool_moved_not_read_again(tmp_path, admin, spool_dir, monkeypatch):
    """The upload is read once, while it is spooled: keeping it renames the spool into the
    storage (the stored file is the same inode)."""
    spooled: list[tuple[str, int]] = []
    real_spool = services._spool

    def spool(upload):
        path, sha256, size, head = real_spool(upload)
        spooled.append((path.name, path.stat().st_ino))
        return path, sha256, size, head

    monkeypatch.setattr(services, "_spool", spool)
    rows = [HEADER, *[[f"公司{i}", "王伟", f"138{i:08d}"] for i in range(5000)]]
    batch = run_import(write_csv(tmp_path / "list.csv", rows), actor=admin, dry_run=True)
    [(name, inode)] = spooled
    stored = Path(batch.file.path)
    assert stored.is_relative_to(tmp_path / "media" / "imports")
    assert stored.stat().st_ino == inode
    assert not (spool_dir / name).exists()
    assert _spooled(spool_dir) == []


@pytest.fixture
def memory_cap():
    """This process may take at most 1 GiB more address space during the test (so a reader
    that allocates by the sheet's extent fails at once instead of eating the machine)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/status") as fh:
        vm_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (vm_kb * 1024 + (1 << 30), hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


READ_IN_A_SUBPROCESS = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
import django
django.setup()
from pathlib import Path
from imports.upload import readers
path = Path(sys.argv[1])
try:
    readers.check_xlsx(path)
    table = readers.open_table(path, kind="customers", file_format="xlsx")
    rows = readers.sample(table, 5)
except readers.FileRejected as exc:
    print(json.dumps({"refused": str(exc)}))
else:
    print(json.dumps({"headers": table.headers, "rows": rows, "header_row": table.header_row}))
"""


def _read_capped(path: Path) -> dict:
    """What the upload's reading does, in a process limited to 1 GiB of address space."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", READ_IN_A_SUBPROCESS, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("far", "dimension", "reason"),
    [
        # 549,755,813,888 bytes asked of the allocator by the old reader: a worker aborted.
        (
            "XFD1048576",
            "A1:XFD1048576",
            "The sheet “客户” has cells as far right as column XFD (column 16,384); at most "
            "1,000 columns can be imported.",
        ),
        # 3.2 GB and 21 s, twice (upload and dry run).
        (
            "CV1000000",
            "",
            "The cells of the sheet “客户” span A2:CV1000000, 99,999,900 cells; at most "
            "20,000,000 cells of a workbook can be read.",
        ),
        # The declared dimension is not trusted: it says A1:C2.
        (
            "A2000000",
            "A1:C2",
            "The sheet “客户” has cells down to row 2,000,000; at most 1,048,576 rows can be "
            "imported.",
        ),
    ],
)
def test_a_sparse_workbook_is_refused_in_bounded_memory(tmp_path, far, dimension, reason):
    path = sparse_workbook(tmp_path / "sparse.xlsx", far, dimension=dimension)
    assert path.stat().st_size < 4000
    assert _read_capped(path)["refused"].startswith(reason)


def test_a_false_dimension_does_not_matter_and_empty_cells_do_not_count(tmp_path):
    header = "".join(_cell(f"{col}1", h) for col, h in zip("ABC", HEADER, strict=True))
    row = "".join(
        _cell(f"{c}2", v) for c, v in zip("ABC", ["甲公司", "王伟", "13800000001"], strict=True)
    )
    # A styled but empty cell at the far corner, and a formula with no value: calamine keeps
    # neither, so neither makes the sheet too big.
    far = '<row r="1048576"><c r="XFD1048576" s="1"/><c r="XFC1048576"><f>1+1</f></c></row>'
    path = write_sheet_xml(
        tmp_path / "ok.xlsx",
        f'<row r="1">{header}</row><row r="2">{row}</row>{far}',
        dimension="A1:XFD1048576",
    )
    assert _read_capped(path) == {
        "headers": HEADER,
        "rows": [["甲公司", "王伟", "13800000001"]],
        "header_row": 1,
    }


def test_cells_written_unusually_are_measured_exactly(tmp_path):
    # A namespace prefix, no references (calamine places them one after the other) and a
    # reference that is not the first attribute: the fast pass cannot tell, the exact one does.
    data = (
        f'<row r="2">{"".join(_cell(f"{c}2", h) for c, h in zip("ABC", HEADER, strict=True))}'
        "</row>"
        f'<row r="900000"><x:c xmlns:x="{MAIN_NS}" t="inlineStr" r="Z900000">'
        "<x:is><x:t>far</x:t></x:is></x:c></row>"
    )
    path = write_sheet_xml(tmp_path / "prefixed.xlsx", data)
    assert _read_capped(path)["refused"].startswith(
        "The cells of the sheet “客户” span A2:Z900000, 23,399,974 cells"
    )
    no_refs = '<row r="3">' + '<c t="inlineStr"><is><t>v</t></is></c>' * 1001 + "</row>"
    path = write_sheet_xml(
        tmp_path / "wide.xlsx", f'<row r="2">{_cell("A2", "名称")}</row>{no_refs}'
    )
    assert _read_capped(path)["refused"].startswith(
        "The sheet “客户” has cells as far right as column ALM (column 1,001)"
    )


def test_binary_parts_are_not_sheets_but_whatever_a_relationship_names_is(tmp_path):
    header = "".join(_cell(f"{col}1", h) for col, h in zip("ABC", HEADER, strict=True))
    # An image whose bytes happen to look like cells far away: calamine never reads it.
    image = b'\x89PNG\r\n\x1a\n<c <c r="XFD1048576"><v>1</v></c>\x00\xff'
    path = write_sheet_xml(
        tmp_path / "image.xlsx",
        f'<row r="1">{header}</row>',
        extra={"xl/media/image1.png": image},
    )
    assert _read_capped(path)["headers"] == HEADER
    # A sheet stored under a name that does not end in .xml is measured all the same.
    path = sparse_workbook(tmp_path / "bin.xlsx", "XFD1048576", target="Worksheets/Sheet1.BIN")
    assert "column XFD" in _read_capped(path)["refused"]


def test_the_api_refuses_a_sparse_workbook_with_the_reason_and_keeps_no_spool(
    api, admin, tmp_path, spool_dir, memory_cap
):
    client = api(admin)
    for far, reason in (("XFD1048576", "column XFD"), ("CV1000000", "A2:CV1000000")):
        path = sparse_workbook(tmp_path / f"{far}.xlsx", far)
        upload = SimpleUploadedFile("list.xlsx", path.read_bytes(), "application/octet-stream")
        response = client.post(
            "/api/v1/imports/", {"kind": "customers", "file": upload}, format="multipart"
        )
        assert response.status_code == 400
        assert reason in response.json()["file"][0]
    assert not ImportBatch.objects.exists()
    assert _spooled(spool_dir) == []
    assert not list((tmp_path / "media").rglob("*.xlsx"))


def test_the_upload_page_refuses_a_sparse_workbook_with_the_reason(
    client, admin, tmp_path, spool_dir, memory_cap
):
    client.force_login(admin)
    path = sparse_workbook(tmp_path / "sparse.xlsx", "CV1000000")
    with path.open("rb") as fh:
        response = client.post("/imports/new/", {"kind": "customers", "file": fh})
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any("A2:CV1000000, 99,999,900 cells" in e for e in errors), errors
    assert not ImportBatch.objects.exists()
    assert _spooled(spool_dir) == []


def test_the_spool_is_removed_on_every_failure(tmp_path, admin, spool_dir, settings, monkeypatch):
    before = data_rows_only()
    # The upload itself fails: bigger than the cap while it streams (no declared size).
    settings.CRM_IMPORT_MAX_BYTES = 1000
    big = write_csv(tmp_path / "big.csv", [HEADER, *[[f"公司{i}", "", ""] for i in range(200)]])
    with pytest.raises(FileRejected, match="limit"):
        run_import(big, actor=admin)
    settings.CRM_IMPORT_MAX_BYTES = 256 * 1024 * 1024
    # The reader refuses it.
    with pytest.raises(FileRejected, match="column XFD"):
        run_import(sparse_workbook(tmp_path / "sparse.xlsx", "XFD1048576"), actor=admin)
    # Anything else goes wrong after the file was spooled.
    good = write_csv(tmp_path / "good.csv", [HEADER, ["甲公司", "王伟", "13800000001"]])

    def broken(*args, **kwargs):
        raise RuntimeError("mapping broke")

    monkeypatch.setattr(services, "auto_map", broken)
    with pytest.raises(RuntimeError):
        run_import(good, actor=admin)
    assert _spooled(spool_dir) == []
    assert data_rows_only() == before


# --- CSV: columns, rows, lines, and what the upload request reads ---------------------------


def test_a_header_of_100001_columns_is_refused_naming_the_limit(api, admin, client, spool_dir):
    header = ",".join(["公司名称", *[f"c{i}" for i in range(100_000)]]) + "\n甲公司\n"
    upload = SimpleUploadedFile("wide.csv", header.encode(), "text/csv")
    response = api(admin).post(
        "/api/v1/imports/", {"kind": "customers", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {
        "file": ["Row 1 has 100,001 columns; at most 1,000 columns can be imported."]
    }
    client.force_login(admin)
    upload.seek(0)
    page = client.post("/imports/new/", {"kind": "customers", "file": upload})
    assert page.context["form"].errors["file"] == [
        "Row 1 has 100,001 columns; at most 1,000 columns can be imported."
    ]
    assert not ImportBatch.objects.exists()
    assert _spooled(spool_dir) == []


def test_a_file_at_the_column_limit_is_accepted_and_its_batch_stays_cheap_to_read(
    api, admin, client, django_assert_max_num_queries
):
    page_client = client
    header = ["公司名称", *[f"列{i}" for i in range(999)]]
    rows = [",".join(header), ",".join(["甲公司", *["x"] * 999])]
    upload = SimpleUploadedFile("at-limit.csv", "\n".join(rows).encode(), "text/csv")
    client = api(admin)
    created = client.post(
        "/api/v1/imports/", {"kind": "customers", "file": upload}, format="multipart"
    )
    assert created.status_code == 201, created.json()
    with django_assert_max_num_queries(10):
        response = client.get(f"/api/v1/imports/{created.json()['id']}/")
    body = response.json()
    assert (len(body["headers"]), len(body["mapping"])) == (1000, 1000)
    assert len(response.content) < 200_000
    # The page's mapping table: one select per column, rendered without a template per option.
    page_client.force_login(admin)
    with django_assert_max_num_queries(15):
        page = page_client.get(f"/imports/{created.json()['id']}/")
    assert page.content.count(b'<select id="id_col_') == 1000


def _good_rows(count: int) -> list[list[str]]:
    return [[f"公司{i}", f"联系人{i}"] for i in range(count)]


def test_a_wide_row_below_the_header_fails_the_check_with_its_row(tmp_path, admin, settings):
    settings.CRM_IMPORT_MAX_COLUMNS = 5
    # Below the rows the upload's preview reads: the check finds it.
    rows = [["公司名称", "联系人"], *_good_rows(30), ["乙公司", *["x"] * 9]]
    batch = run_import(write_csv(tmp_path / "w.csv", rows), actor=admin, dry_run=True)
    assert (batch.status, batch.message) == (
        "failed",
        "Row 32 has 10 columns; at most 5 columns can be imported.",
    )
    assert batch.row_errors.count() == 0


def test_more_rows_than_the_limit_are_refused(tmp_path, admin, settings):
    settings.CRM_IMPORT_MAX_ROWS = 10
    rows = [["公司名称"], *[[f"公司{i}"] for i in range(10)]]
    with pytest.raises(FileRejected, match="more than 10 rows"):
        run_import(write_csv(tmp_path / "long.csv", rows), actor=admin)
    assert not Account.objects.exists()


def test_a_line_longer_than_the_limit_is_refused_with_its_row(tmp_path, admin):
    path = write_csv(tmp_path / "long-line.csv", [["公司名称", "联系人"], *_good_rows(30)])
    with path.open("a") as fh:
        fh.write("乙公司," + "," * readers.MAX_LINE_BYTES + "\n")
    batch = run_import(path, actor=admin, dry_run=True)
    assert (batch.status, batch.message) == (
        "failed",
        "Row 32 is longer than 4 MB.",
    )
    # A header longer than that is refused by the upload, which reads only a prefix.
    wide = tmp_path / "wide-header.csv"
    wide.write_text("公司名称" + "," * readers.MAX_LINE_BYTES + "\n甲公司\n")
    with pytest.raises(FileRejected, match="Row 1 is longer than 4 MB"):
        run_import(wide, actor=admin)
    assert not Account.objects.exists()


@pytest.fixture
def csv_sources(monkeypatch):
    """Every CSV source the readers open, with its count of bytes read."""
    opened = []
    real = readers._csv_source

    def counted(raw, size, encoding, preview):
        source = real(raw, size, encoding, preview)
        opened.append((preview, source[2]))
        return source

    monkeypatch.setattr(readers, "_csv_source", counted)
    return opened


def test_blank_lines_are_answered_quickly_reading_a_bounded_prefix(
    api, admin, tmp_path, spool_dir, csv_sources
):
    path = tmp_path / "blank.csv"
    with path.open("wb") as fh:
        for _ in range(30):
            fh.write(b"\r\n" * (512 * 1024))  # 30 MB
    with path.open("rb") as fh:
        upload = SimpleUploadedFile("blank.csv", fh.read(), "text/csv")
    response = api(admin).post(
        "/api/v1/imports/", {"kind": "customers", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {
        "file": ["The file has more than 1,048,576 rows (blank rows count too); split it."]
    }
    assert [(preview, read()) for preview, read in csv_sources] == [(True, PREVIEW_BYTES)]
    assert _spooled(spool_dir) == []


def test_blank_lines_without_a_row_in_the_prefix_are_answered_clearly(
    api, admin, tmp_path, csv_sources
):
    # Rows of empty cells (8 bytes each, fewer than the row limit), the header after them.
    lines = b",,,,,,,\n" * (PREVIEW_BYTES // 8 + 1000) + "公司名称\n".encode()
    upload = SimpleUploadedFile("commas.csv", lines, "text/csv")
    response = api(admin).post(
        "/api/v1/imports/", {"kind": "customers", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {
        "file": ["The first 4 MB of the file hold no rows, only blank lines."]
    }
    assert [read() for _preview, read in csv_sources] == [PREVIEW_BYTES]


def test_a_big_file_uploads_from_its_prefix_and_is_read_whole_by_the_check(
    tmp_path, admin, csv_sources
):
    notes = "备注" * 200
    rows = [
        [*HEADER, "备注"],
        *[[f"公司{i}有限公司", f"联系人{i}", f"1390000{i:04d}", notes] for i in range(9000)],
    ]
    path = write_csv(tmp_path / "big.csv", rows)
    size = path.stat().st_size
    assert size > PREVIEW_BYTES
    with path.open("rb") as fh:
        batch = services.import_batch_create(
            actor=admin, kind="customers", upload=fh, file_name="big.csv"
        )
    assert [(p, read()) for p, read in csv_sources] == [(True, PREVIEW_BYTES)]
    assert batch.headers == [*HEADER, "备注"]
    assert batch.sample_rows[0] == ["公司0有限公司", "联系人0", "13900000000", notes]
    services.import_batch_check(actor=admin, batch=batch, dispatch=False)
    checked = services.import_batch_run(batch_id=batch.pk, dry_run=True)
    assert checked.status == "ready", checked.message
    assert checked.counts["accounts_create"] == 9000
    assert [(p, read()) for p, read in csv_sources[1:]] == [(False, size)]
