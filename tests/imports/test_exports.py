"""Exports: the visibility rule and formula escaping, CSV and xlsx."""

import io

import pytest
from python_calamine import CalamineWorkbook

from accounts.exports import csv_safe
from tests.factories import AccountFactory, ContactFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_csv_export_shows_only_the_callers_book_and_escapes_formulas(client, org):
    AccountFactory(owner=org["r1"], name='=HYPERLINK("http://evil","x")', notes="@SUM(A1)")
    client.force_login(org["r1"])
    response = client.get("/accounts/export/accounts.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("ID,Account name,")
    assert len(lines) == 3  # header + the rep's two accounts
    assert "Account of r3" not in text
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text


def test_xlsx_export_of_orders_and_contacts_through_the_api(api, org):
    account = org["accounts"]["r1"]
    ContactFactory(account=account, name="+86 trick", phone="-1")
    OrderFactory(account=account, amount="-12.50", invoice_number="=1+1")
    OrderFactory(account=org["accounts"]["r3"])
    client = api(org["m1"])
    response = client.get("/api/v1/exports/orders.xlsx")
    assert response.status_code == 200
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert len(rows) == 2
    assert rows[1][5] == -12.5 and rows[1][8] == "=1+1"  # text cell, not a formula
    contacts = client.get("/api/v1/exports/contacts.csv")
    text = b"".join(contacts.streaming_content).decode("utf-8-sig")
    assert "'+86 trick" in text and ",'-1," in text
    assert api(org["r3"]).get("/api/v1/exports/nothing.csv").status_code == 404


def test_csv_safe_leaves_numbers_and_plain_text_alone():
    assert [csv_safe(v) for v in (-5, "abc", "-x", "\tTab", None)] == [
        "-5",
        "abc",
        "'-x",
        "'\tTab",
        "",
    ]
