"""Locations in a customer import (the sales map): latitude and longitude columns under their
English and Chinese headers, or one coordinates cell; a bad or out-of-range cell, or half a
location, is a warning on that cell (the row kept, no location)."""

from decimal import Decimal

import pytest

from accounts.models import Account
from imports.upload.fields import auto_map
from tests.imports.conftest import run_import, run_undo, write_csv

pytestmark = pytest.mark.django_db

SHANGHAI = (Decimal("31.230400"), Decimal("121.473700"), "import")


def _locations() -> dict[str, tuple]:
    return {
        a.name: (a.latitude, a.longitude, a.location_source)
        for a in Account.objects.order_by("name")
    }


@pytest.mark.parametrize(
    ("headers", "targets"),
    [
        (["lat", "lng"], ["latitude", "longitude"]),
        (["Latitude", "Longitude"], ["latitude", "longitude"]),
        (["LAT", "LON"], ["latitude", "longitude"]),
        (["latitude", "long"], ["latitude", "longitude"]),
        (["纬度", "经度"], ["latitude", "longitude"]),
        (["Billing Latitude", "Billing Longitude"], ["latitude", "longitude"]),
        (["坐标"], ["coordinates"]),
        (["经纬度"], ["coordinates"]),
    ],
)
def test_the_location_headers_map_themselves(headers, targets):
    assert auto_map("customers", ["客户名称", *headers]) == ["name", *targets]


@pytest.mark.parametrize(
    "header",
    [
        ["客户名称", "纬度", "经度"],
        ["Account Name", "Latitude", "Longitude"],
        ["name", "lat", "lng"],
    ],
)
def test_an_import_places_the_accounts(tmp_path, admin, header):
    path = write_csv(
        tmp_path / "located.csv",
        [header, ["甲公司", "31.2304", "121.4737"], ["乙公司", "", ""]],
        encoding="utf-8-sig",
    )
    batch = run_import(path, actor=admin)
    assert batch.status == "done", batch.message
    assert batch.counts["warnings"] == 0
    assert _locations() == {"甲公司": SHANGHAI, "乙公司": (None, None, "")}
    assert Account.objects.get(name="甲公司").location_updated_at is not None


def test_one_coordinates_cell_in_either_order(tmp_path, admin):
    path = write_csv(
        tmp_path / "pairs.csv",
        [["客户名称", "坐标"], ["甲公司", "31.2304,121.4737"], ["乙公司", "121.4737, 31.2304"]],
    )
    batch = run_import(path, actor=admin)
    assert batch.status == "done", batch.message
    assert _locations() == {"甲公司": SHANGHAI, "乙公司": SHANGHAI}


def test_bad_cells_are_warnings_and_the_rows_are_kept_without_a_location(tmp_path, admin):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            ["客户名称", "纬度", "经度"],
            ["甲公司", "north", "121.4737"],
            ["乙公司", "95", "121.4737"],
            ["丙公司", "31.2304", "190"],
            ["丁公司", "31.2304", ""],
            ["戊公司", "31.2304", "121.4737"],
        ],
        encoding="utf-8-sig",
    )
    batch = run_import(path, actor=admin)
    assert batch.status == "done", batch.message
    assert (batch.counts["errors"], batch.counts["warnings"]) == (0, 4)
    assert batch.counts["accounts_create"] == 5
    assert list(
        batch.row_errors.order_by("row_number").values_list(
            "row_number", "column", "code", "value", "level"
        )
    ) == [
        (2, "纬度", "coordinate_invalid", "north", "warning"),
        (3, "纬度", "coordinate_out_of_range", "95", "warning"),
        (4, "经度", "coordinate_out_of_range", "190", "warning"),
        (5, "经度", "coordinate_half", "31.2304", "warning"),
    ]
    located = {k: v for k, v in _locations().items() if v[0] is not None}
    assert located == {"戊公司": SHANGHAI}


def test_an_ambiguous_coordinates_cell_is_a_warning(tmp_path, admin):
    path = write_csv(
        tmp_path / "paris.csv", [["name", "coordinates"], ["Paris SA", "48.8566, 2.3522"]]
    )
    batch = run_import(path, actor=admin)
    assert batch.status == "done", batch.message
    assert list(batch.row_errors.values_list("column", "code", "level")) == [
        ("coordinates", "coordinate_ambiguous", "warning")
    ]
    assert _locations() == {"Paris SA": (None, None, "")}


def test_an_update_moves_the_pin_and_the_undo_puts_it_back(tmp_path, admin):
    first = write_csv(tmp_path / "a.csv", [["name", "lat", "lng"], ["Acme", "1", "2"]])
    run_import(first, actor=admin)
    account = Account.objects.get(name="Acme")
    Account.objects.filter(pk=account.pk).update(location_source="pin")
    second = write_csv(
        tmp_path / "b.csv", [["name", "lat", "lng"], ["Acme", "31.2304", "121.4737"]]
    )
    batch = run_import(second, actor=admin, mode="update")
    assert batch.status == "done", batch.message
    assert _locations() == {"Acme": SHANGHAI}
    # The same location again changes nothing (its source stays what it is).
    Account.objects.filter(pk=account.pk).update(location_source="pin")
    again = run_import(second, actor=admin, mode="update")
    assert again.counts.get("accounts_update", 0) == 0
    assert _locations() == {"Acme": (*SHANGHAI[:2], "pin")}
    run_undo(batch, actor=admin)
    assert _locations() == {"Acme": (Decimal("1.000000"), Decimal("2.000000"), "pin")}
