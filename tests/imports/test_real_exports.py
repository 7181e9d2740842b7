"""Real exports that no one here wrote: a CRM's standard account export (Salesforce Account
in its API-name and its label header style, HubSpot companies, Odoo res.partner) and an
e-commerce/ERP order history with CamelCase, snake_case, spaced or Chinese headers and only a
customer id. The headers are the vendors' documented standard fields (docs/IMPORTS.md)."""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from accounts.models import Account, Order
from imports.upload.fields import auto_map, match_header, source_system
from scoring.models import TierRun
from scoring.services import tiers_recompute
from tests.factories import UserFactory
from tests.imports.conftest import db_state, run_import, run_undo, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

# Salesforce Account: 63 standard fields, as a Data Loader / Data Export file heads them.
SALESFORCE_API = [
    "Id",
    "IsDeleted",
    "MasterRecordId",
    "Name",
    "Type",
    "RecordTypeId",
    "ParentId",
    "BillingStreet",
    "BillingCity",
    "BillingState",
    "BillingPostalCode",
    "BillingCountry",
    "BillingLatitude",
    "BillingLongitude",
    "BillingGeocodeAccuracy",
    "ShippingStreet",
    "ShippingCity",
    "ShippingState",
    "ShippingPostalCode",
    "ShippingCountry",
    "ShippingLatitude",
    "ShippingLongitude",
    "ShippingGeocodeAccuracy",
    "Phone",
    "Fax",
    "AccountNumber",
    "Website",
    "PhotoUrl",
    "Sic",
    "Industry",
    "AnnualRevenue",
    "NumberOfEmployees",
    "Ownership",
    "TickerSymbol",
    "Description",
    "Rating",
    "Site",
    "OwnerId",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
    "LastActivityDate",
    "LastViewedDate",
    "LastReferencedDate",
    "Jigsaw",
    "JigsawCompanyId",
    "CleanStatus",
    "AccountSource",
    "DunsNumber",
    "Tradestyle",
    "NaicsCode",
    "NaicsDesc",
    "YearStarted",
    "SicDesc",
    "DandbCompanyId",
    "OperatingHoursId",
    "IsPartner",
    "IsCustomerPortal",
    "ChannelProgramName",
    "ChannelProgramLevelName",
    "IsBuyer",
]
# The same fields by their labels, as a report export heads them.
SALESFORCE_LABELS = {
    "Id": "Account ID",
    "Name": "Account Name",
    "Type": "Account Type",
    "ParentId": "Parent Account ID",
    "BillingStreet": "Billing Street",
    "BillingCity": "Billing City",
    "BillingState": "Billing State/Province",
    "BillingPostalCode": "Billing Zip/Postal Code",
    "BillingCountry": "Billing Country",
    "ShippingStreet": "Shipping Street",
    "ShippingCity": "Shipping City",
    "Phone": "Account Phone",
    "Fax": "Account Fax",
    "AccountNumber": "Account Number",
    "Website": "Website",
    "Industry": "Industry",
    "AnnualRevenue": "Annual Revenue",
    "NumberOfEmployees": "Employees",
    "Description": "Account Description",
    "Rating": "Account Rating",
    "OwnerId": "Account Owner",
    "AccountSource": "Account Source",
    "CreatedDate": "Created Date",
}
# What each standard field becomes; every other column stays unmapped (and is listed so).
SALESFORCE_MAPPED = {
    "Id": "source_id",
    "Name": "name",
    "Type": "account_type",
    "BillingStreet": "address",
    "BillingCity": "address_city",
    "BillingState": "address_state",
    "BillingPostalCode": "address_postal_code",
    "BillingCountry": "address_country",
    # The sales map's location (issue 18): Salesforce's geocoded billing address.
    "BillingLatitude": "latitude",
    "BillingLongitude": "longitude",
    "Phone": "phone",
    "AccountNumber": "external_code",
    "Website": "website",
    "Industry": "industry",
    "AnnualRevenue": "revenue_potential",
    "Description": "notes",
}
# Type's standard picklist, one account each, and what it means here: (lifecycle, channel).
SALESFORCE_TYPES = {
    "Prospect": ("potential", "direct"),
    "Customer - Direct": ("existing", "direct"),
    "Customer - Channel": ("existing", "distributor"),
    "Channel Partner / Reseller": ("potential", "distributor"),
    "Installation Partner": ("potential", "direct"),
    "Technology Partner": ("potential", "direct"),
    "Other": ("potential", "direct"),
}


def salesforce_rows(header_style: str, phone_suffix: str = "0") -> list[list]:
    companies = [
        ("Prospect", "Shanghai Huaxin Machinery Co., Ltd.", "Shanghai", "SH"),
        ("Customer - Direct", "Beijing Hongda Electronics Co., Ltd.", "Beijing", "BJ"),
        ("Customer - Channel", "Guangzhou Nanfang Trading Co., Ltd.", "Guangzhou", "GD"),
        ("Channel Partner / Reseller", "Hangzhou Xihu Distribution Ltd.", "Hangzhou", "ZJ"),
        ("Installation Partner", "Suzhou Precision Installers Ltd.", "Suzhou", "JS"),
        ("Technology Partner", "Shenzhen Cloudtech Ltd.", "Shenzhen", "GD"),
        ("Other", "Chengdu Tianfu Services Ltd.", "Chengdu", "SC"),
        ("Competitor", "Wuhan Rival Instruments Ltd.", "Wuhan", "HB"),  # not standard
    ]
    rows = []
    for i, (kind, name, city, state) in enumerate(companies):
        record = dict.fromkeys(SALESFORCE_API, "")
        record.update(
            {
                "Id": f"0015g00000Xk{i:02d}AAAA",
                "IsDeleted": "false",
                "Name": name,
                "Type": kind,
                "RecordTypeId": "0125g000001AbCdAAK",
                "BillingStreet": f"{100 + i} Century Avenue",
                "BillingCity": city,
                "BillingState": state,
                "BillingPostalCode": f"2000{i}",
                "BillingCountry": "China",
                "BillingLatitude": "31.230416",
                "BillingLongitude": "121.473701",
                "BillingGeocodeAccuracy": "Address",
                "ShippingStreet": "1 Dock Road",
                "ShippingCity": city,
                "Phone": f"+86 21 5555 010{i}{phone_suffix}",
                "Fax": "+86 21 5555 0199",
                "AccountNumber": f"CD-{1000 + i}",
                "Website": f"www.example{i}.cn",
                "Industry": "Manufacturing",
                "AnnualRevenue": f"{(i + 1) * 1_250_000}",
                "NumberOfEmployees": str(50 * (i + 1)),
                "Ownership": "Private",
                "Description": f"Key account {i}",
                "Rating": "Warm",
                "OwnerId": "0055g00000AbCdEAAV",
                "CreatedDate": "2023-04-01T08:30:00.000Z",
                "CreatedById": "0055g00000AbCdEAAV",
                "LastModifiedDate": "2024-05-01T08:30:00.000Z",
                "AccountSource": "Trade Show",
                "IsPartner": "false",
                "IsCustomerPortal": "false",
            }
        )
        rows.append([record[field] for field in SALESFORCE_API])
    if header_style == "labels":
        header = [SALESFORCE_LABELS.get(field, field) for field in SALESFORCE_API]
        # A report export names the owner, not its id.
        owner = SALESFORCE_API.index("OwnerId")
        for row in rows:
            row[owner] = "Wei Zhang"
    else:
        header = list(SALESFORCE_API)
    return [header, *rows]


def test_header_words_are_split_and_abbreviations_spelled_out():
    for header, target in [
        ("OrderNo", "invoice_number"),
        ("order_no", "invoice_number"),
        ("Order No.", "invoice_number"),
        ("InvoiceNo", "invoice_number"),
        ("ItemCode", "product"),
        ("item-code", "product"),
        ("StockCode", "product"),
        ("SKU", "product"),
        ("Description", "product"),
        ("Qty", "quantity"),
        ("ORDER_QTY", "quantity"),
        ("OrderDate", "date"),
        ("NetPrice", "unit_price"),
        ("UnitPrice", "unit_price"),
        ("NetAmount", "amount"),
        ("CustomerNo", "account_code"),
        ("CustomerID", "account_code"),
        ("cust_no", "account_code"),
        ("存货编码", "product"),
        ("OwnerId", ""),
        ("ItemName", "product"),
    ]:
        assert match_header("orders", header) == target, header
    # One target per file: the first product column wins, the next stays unmapped.
    assert auto_map("orders", ["ItemCode", "ItemName", "CustomerNo"]) == [
        "product",
        "",
        "account_code",
    ]


@pytest.mark.parametrize("header_style", ["api", "labels"])
def test_salesforce_account_export_imports_and_a_second_import_updates(
    tmp_path, admin, header_style
):
    UserFactory(username="wzhang", first_name="Wei", last_name="Zhang")
    rows = salesforce_rows(header_style)
    assert len(rows[0]) == 63
    path = write_csv(tmp_path / "Account.csv", rows)
    # The dry run: every column is listed with its target, the unmapped ones as such.
    batch = run_import(path, actor=admin, dry_run=True)
    mapping = dict(zip(batch.headers, batch.mapping, strict=True))
    expected = {
        (SALESFORCE_LABELS.get(f, f) if header_style == "labels" else f): t
        for f, t in SALESFORCE_MAPPED.items()
    }
    if header_style == "labels":
        expected["Account Owner"] = "owner"
    assert {h: t for h, t in mapping.items() if t} == expected
    assert sum(1 for t in batch.mapping if not t) == 63 - len(expected)
    assert batch.counts["accounts_create"] == 8
    assert batch.counts["error_rows"] == 0
    assert Account.objects.count() == 0

    batch = run_import(path, actor=admin)
    assert batch.status == "done", batch.message
    assert batch.counts["accounts_create"] == 8
    # The Type outside the standard picklist is a warning, its cell left empty.
    assert list(batch.row_errors.values_list("row_number", "code", "value", "level")) == [
        (9, "account_type_ignored", "Competitor", "warning")
    ]
    accounts = {a.external_id: a for a in Account.objects.all()}
    assert len(accounts) == 8
    for i, (kind, (lifecycle, channel)) in enumerate(SALESFORCE_TYPES.items()):
        account = accounts[f"0015g00000Xk{i:02d}AAAA"]
        assert (account.lifecycle, account.channel, account.external_source) == (
            lifecycle,
            channel,
            "salesforce",
        ), kind
    first = accounts["0015g00000Xk00AAAA"]
    assert (first.name, first.external_code, first.address, first.website) == (
        "Shanghai Huaxin Machinery Co., Ltd.",
        "CD-1000",
        "100 Century Avenue, Shanghai, SH, 20000, China",
        "https://www.example0.cn",
    )
    assert (first.revenue_potential, first.notes, first.phone) == (
        Decimal("1250000.00"),
        "Key account 0",
        "021-555501000",  # as stored: +86 folded into the area code
    )
    assert (first.latitude, first.longitude, first.location_source) == (
        Decimal("31.230416"),
        Decimal("121.473701"),
        "import",
    )
    rival = accounts["0015g00000Xk07AAAA"]
    assert (rival.lifecycle, rival.channel) == ("potential", "direct")  # the defaults

    # The same export again, a phone changed in Salesforce meanwhile: found by its record
    # id, updated, nothing added.
    rows = salesforce_rows(header_style, phone_suffix="9")
    path = write_csv(tmp_path / "Account-2.csv", rows)
    before = db_state()
    second = run_import(path, actor=admin, mode="update")
    assert second.status == "done", second.message
    assert (second.counts["accounts_create"], second.counts["accounts_update"]) == (0, 8)
    assert Account.objects.count() == 8
    first.refresh_from_db()
    assert first.phone == "021-555501009"
    # Undo puts the accounts back as they were before the second import.
    run_undo(second, actor=admin)
    assert db_state()["accounts"] == before["accounts"]


def test_a_renamed_account_is_still_found_by_its_record_id(tmp_path, admin, client):
    rows = salesforce_rows("api")
    write_csv(tmp_path / "a.csv", rows)
    assert run_import(tmp_path / "a.csv", actor=admin).status == "done"
    rows[1][SALESFORCE_API.index("Name")] = "Huaxin Group (renamed)"
    rows[1][SALESFORCE_API.index("AccountNumber")] = ""
    path = write_csv(tmp_path / "b.csv", rows)
    batch = run_import(path, actor=admin, mode="update")
    assert batch.status == "done", batch.message
    assert batch.counts["accounts_create"] == 0
    assert Account.objects.get(external_id="0015g00000Xk00AAAA").name == "Huaxin Group (renamed)"
    # The account list's search finds an account by its record id too.
    client.force_login(admin)
    found = client.get("/accounts/", {"q": "0015g00000Xk00AAAA"}).content.decode()
    assert "Huaxin Group (renamed)" in found and "Beijing Hongda" not in found


def test_hubspot_companies_export(tmp_path, admin):
    header = [
        "Record ID",
        "Company name",
        "Company owner",
        "Create Date",
        "Phone Number",
        "Last Activity Date",
        "City",
        "Country/Region",
        "Industry",
        "Lifecycle Stage",
        "Company Domain Name",
        "Type",
        "Annual Revenue",
        "Number of Employees",
        "State/Region",
        "Street Address",
        "Postal Code",
    ]
    rows = [
        header,
        [
            "9876543210",
            "Nanjing Zhongshan Pharma",
            "",
            "2024-01-02 10:00",
            "+86 25 8888 0000",
            "",
            "Nanjing",
            "China",
            "Pharmaceuticals",
            "Customer",
            "zhongshan-pharma.cn",
            "Reseller",
            "3000000",
            "120",
            "Jiangsu",
            "8 Zhongshan Road",
            "210000",
        ],
        [
            "9876543211",
            "Qingdao Haibin Foods",
            "",
            "2024-02-03 11:00",
            "",
            "",
            "Qingdao",
            "China",
            "Food",
            "Marketing Qualified Lead",
            "haibin.cn",
            "Prospect",
            "",
            "",
            "Shandong",
            "",
            "",
        ],
        [
            "9876543212",
            "Xiamen Ocean Logistics",
            "",
            "",
            "",
            "",
            "Xiamen",
            "China",
            "Logistics",
            "Evangelist",
            "",
            "Vendor",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    path = write_xlsx(tmp_path / "hubspot-crm-exports-all-companies.xlsx", {"Sheet1": rows})
    batch = run_import(path, actor=admin)
    assert batch.status == "done", batch.message
    got = sorted(
        Account.objects.values_list(
            "external_source", "external_id", "name", "lifecycle", "channel", "address"
        )
    )
    assert got == [
        (
            "hubspot",
            "9876543210",
            "Nanjing Zhongshan Pharma",
            "existing",
            "distributor",
            "8 Zhongshan Road, Nanjing, Jiangsu, 210000, China",
        ),
        (
            "hubspot",
            "9876543211",
            "Qingdao Haibin Foods",
            "potential",
            "direct",
            "Qingdao, Shandong, China",
        ),
        ("hubspot", "9876543212", "Xiamen Ocean Logistics", "existing", "direct", "Xiamen, China"),
    ]
    again = run_import(path, actor=admin)
    assert (again.counts["accounts_create"], again.counts["accounts_skip"]) == (0, 3)


def test_odoo_res_partner_export(tmp_path, admin):
    # Odoo's "import-compatible" export heads columns with the field names.
    rows = [
        [
            "id",
            "name",
            "is_company",
            "street",
            "city",
            "zip",
            "country_id",
            "vat",
            "ref",
            "phone",
            "website",
            "comment",
            "industry_id",
        ],
        [
            "__export__.res_partner_14_5c1f2b8e",
            "Tianjin Binhai Steel Co., Ltd.",
            "True",
            "66 Harbour Road",
            "Tianjin",
            "300000",
            "China",
            "91120116MA05T8XK2F",
            "P-014",
            "+86 22 6666 0000",
            "https://binhai-steel.cn",
            "Pays by transfer",
            "Manufacturing",
        ],
    ]
    path = write_csv(tmp_path / "res.partner.csv", rows)
    batch = run_import(path, actor=admin)
    assert batch.status == "done", batch.message
    account = Account.objects.get()
    assert (
        account.external_source,
        account.external_id,
        account.uscc,
        account.external_code,
        account.address,
        account.notes,
        account.industry,
    ) == (
        "odoo",
        "__export__.res_partner_14_5c1f2b8e",
        "91120116MA05T8XK2F",
        "P-014",
        "66 Harbour Road, Tianjin, 300000, China",
        "Pays by transfer",
        "Manufacturing",
    )


def test_odoo_export_with_field_labels_maps_too():
    labels = [
        "External ID",
        "Name",
        "Is a Company",
        "Related Company",
        "Street",
        "Street2",
        "City",
        "State",
        "ZIP",
        "Country",
        "Tax ID",
        "Reference",
        "Phone",
        "Mobile",
        "Email",
        "Website",
        "Job Position",
        "Salesperson",
        "Internal Notes",
        "Industry",
        "Tags",
    ]
    mapping = auto_map("customers", labels)
    assert dict(zip(labels, mapping, strict=True)) == {
        "External ID": "source_id",
        "Name": "name",
        "Is a Company": "",
        "Related Company": "",
        "Street": "address",
        "Street2": "",
        "City": "address_city",
        "State": "address_state",
        "ZIP": "address_postal_code",
        "Country": "address_country",
        "Tax ID": "uscc",
        "Reference": "external_code",
        "Phone": "phone",
        "Mobile": "contact_phone",
        "Email": "contact_email",
        "Website": "website",
        "Job Position": "contact_title",
        "Salesperson": "owner",
        "Internal Notes": "notes",
        "Industry": "industry",
        "Tags": "",
    }
    assert source_system(labels, mapping) == "odoo"


def test_source_system_of_a_file_of_no_known_vendor_is_its_id_column():
    headers = ["客户名称", "客户ID", "电话"]
    assert source_system(headers, auto_map("customers", headers)) == "file:客户id"
    assert source_system(["Name", "Phone"], ["name", "phone"]) == ""


# ---- an order history: CamelCase headers, only a customer id -------------------------------

HEADER_STYLES = {
    "camel": ["OrderNo", "ItemCode", "ItemName", "Qty", "OrderDate", "NetPrice", "CustomerNo"],
    "snake": [
        "order_no",
        "item_code",
        "item_name",
        "qty",
        "order_date",
        "net_price",
        "customer_no",
    ],
    "spaced": [
        "Order No.",
        "Stock Code",
        "Item Description",
        "Qty.",
        "Order Date",
        "Net Price",
        "Customer No.",
    ],
    "chinese": ["订单号", "存货编码", "存货名称", "数量", "单据日期", "单价", "客户编码"],
}
AS_OF = datetime.date(2024, 12, 31)


def order_history(seed: int) -> list[tuple]:
    """(order no, item code, item name, qty, date, net price, customer no) lines of 40
    customers whose sales span a wide range; about 40% of the lines repeat another line of
    the same invoice exactly (the same item bought twice on one order)."""
    rnd = random.Random(seed)
    lines = []
    for c in range(40):
        customer = f"K{10_000 + c}"
        weight = 0.8**c  # a long tail: a few customers bring most of the sales
        for o in range(rnd.randint(1, 4)):
            order_no = f"SO-{c:03d}-{o}"
            date = AS_OF - datetime.timedelta(days=rnd.randint(0, 300))
            for _ in range(rnd.randint(1, 4)):
                item = rnd.randint(1, 30)
                price = Decimal(rnd.randint(100, 200_000)) / 100 * Decimal(str(round(weight, 4)))
                price = max(price.quantize(Decimal("0.01")), Decimal("0.01"))
                qty = rnd.randint(1, 9)
                line = (order_no, f"ITM-{item:04d}", f"Item {item}", qty, date, price, customer)
                lines.append(line)
                if rnd.random() < 0.7:
                    lines.append(line)  # the same line again in this invoice
    rnd.shuffle(lines)
    return lines


def expected_tiers(lines) -> dict[str, str]:
    """A/B/C per customer from the file alone (docs/DOMAIN.md, by revenue share with the
    default 80 / 95 % cut-offs; ties take the tier of their group's first member)."""
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for _, _, _, qty, _, price, customer in lines:
        revenue[customer] += (qty * price).quantize(Decimal("0.01"))
    total = sum(v for v in revenue.values() if v > 0)
    ranked = sorted(revenue.items(), key=lambda kv: -kv[1])
    tiers, before, i = {}, Decimal(0), 0
    while i < len(ranked):
        group = [c for c, v in ranked if v == ranked[i][1]]
        share = before / total
        tier = "A" if share < Decimal("0.80") else "B" if share < Decimal("0.95") else "C"
        for customer in group:
            tiers[customer] = tier if revenue[customer] > 0 else "C"
        before += sum(max(revenue[c], Decimal(0)) for c in group)
        i += len(group)
    return tiers


@pytest.mark.parametrize("style", list(HEADER_STYLES))
def test_an_order_history_with_only_customer_ids(tmp_path, admin, style):
    lines = order_history(seed=len(style))
    repeats = len(lines) - len(set(lines))
    assert repeats / len(lines) > 0.25  # a good share of the file repeats a line
    rows = [HEADER_STYLES[style]] + [
        [o, code, name, str(qty), date.strftime("%Y%m%d"), str(price), customer]
        for o, code, name, qty, date, price, customer in lines
    ]
    path = write_csv(tmp_path / f"orders-{style}.csv", rows)
    before = db_state()
    batch = run_import(path, actor=admin, kind="orders", create_missing_accounts=True)
    assert batch.status == "done", batch.message
    assert batch.mapping == [
        "invoice_number",
        "product",
        "",
        "quantity",
        "date",
        "unit_price",
        "account_code",
    ]
    customers = {line[6] for line in lines}
    assert batch.counts["accounts_create"] == batch.counts["accounts_to_enrich"] == len(customers)
    assert (batch.counts["orders_create"], batch.counts["orders_skip"]) == (len(lines), 0)
    # Every repeated line is kept, with a warning that counts its copies.
    counted = defaultdict(int)
    for line in lines:
        counted[line] += 1
    assert batch.counts["orders_repeated"] == sum(n for n in counted.values() if n > 1)
    # Accounts named after their code, to be renamed.
    created = Account.objects.filter(import_batch=batch)
    assert sorted(created.values_list("external_code", flat=True)) == sorted(customers)
    assert set(created.values_list("to_enrich", flat=True)) == {True}
    assert created.get(external_code="K10000").name.endswith("K10000")
    # The revenue imported is the file's sum, to the cent.
    file_sum = sum((qty * price).quantize(Decimal("0.01")) for *_, qty, _, price, _ in lines)
    stored = sum(Order.objects.values_list("amount", flat=True))
    assert stored == file_sum
    assert Order.objects.count() == len(lines)
    # The tiers recomputed equal an independent calculation over the file.
    tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=AS_OF)
    assert dict(Account.objects.values_list("external_code", "tier")) == expected_tiers(lines)

    # The same file again adds nothing.
    again = run_import(path, actor=admin, kind="orders", create_missing_accounts=True)
    assert again.status == "done", again.message
    assert (again.counts["orders_create"], again.counts["orders_skip"]) == (0, len(lines))
    assert again.counts["accounts_create"] == 0
    assert Order.objects.count() == len(lines)

    # Undo removes the accounts made from ids and every line kept, repeats included.
    run_undo(again, actor=admin)
    run_undo(batch, actor=admin)
    after = db_state()
    assert (after["accounts"], after["orders"]) == (before["accounts"], before["orders"])


def test_a_line_stored_once_and_twice_in_the_file_is_added_once(tmp_path, admin):
    rows = [
        ["OrderNo", "OrderDate", "NetAmount", "CustomerNo", "ItemCode"],
        ["SO-1", "2024-01-02", "5.10", "K1", "A"],
    ]
    path = write_csv(tmp_path / "one.csv", rows)
    first = run_import(path, actor=admin, kind="orders", create_missing_accounts=True)
    assert first.status == "done", first.message
    rows.append(["SO-1", "2024-01-02", "5.10", "K1", "A"])
    rows.append(["SO-1", "2024-01-02", "5.10", "K1", "B"])
    path = write_csv(tmp_path / "two.csv", rows)
    batch = run_import(path, actor=admin, kind="orders", create_missing_accounts=True)
    assert batch.status == "done", batch.message
    assert (batch.counts["orders_create"], batch.counts["orders_skip"]) == (2, 1)
    assert sorted(Order.objects.values_list("product", flat=True)) == ["A", "A", "B"]
    assert list(batch.row_errors.values_list("row_number", "code", "value")) == [
        (3, "lines_repeated", "SO-1 × 2")
    ]


def test_a_bad_customer_id_rejects_its_lines_and_writes_nothing(tmp_path, admin):
    rows = [
        ["OrderNo", "OrderDate", "NetAmount", "CustomerNo"],
        ["SO-1", "2024-01-02", "5", "K1"],
        ["SO-2", "2024-01-03", "7", "K" * 65],
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = db_state()
    batch = run_import(path, actor=admin, kind="orders", create_missing_accounts=True)
    assert batch.status == "failed"
    assert list(batch.row_errors.values_list("row_number", "column", "code", "level")) == [
        (2, "CustomerNo", "account_to_enrich", "warning"),
        (3, "CustomerNo", "too_long", "error"),
    ]
    assert db_state() == before


def test_an_account_made_from_a_customer_id_is_to_enrich_until_renamed(tmp_path, admin, client):
    from accounts.services import account_update

    rows = [["OrderNo", "OrderDate", "NetAmount", "CustomerNo"], ["SO-1", "2024-01-02", "5", "K7"]]
    path = write_csv(tmp_path / "o.csv", rows)
    batch = run_import(path, actor=admin, kind="orders", create_missing_accounts=True)
    assert batch.status == "done", batch.message
    account = Account.objects.get(external_code="K7")
    assert (account.to_enrich, account.lifecycle, account.source) == (
        True,
        "existing",
        "legacy_list",
    )
    other = Account.objects.create(name="Named Co", owner=admin)
    client.force_login(admin)
    page = client.get(account.get_absolute_url()).content.decode()
    assert "To enrich" in page
    # The account list (and the API) find the accounts waiting for a name.
    listed = client.get("/accounts/", {"to_enrich": "true"}).content.decode()
    assert account.name in listed and other.name not in listed
    api = client.get("/api/v1/accounts/", {"to_enrich": "true"}).json()
    assert [a["id"] for a in api["results"]] == [account.pk]
    assert client.get("/api/v1/accounts/", {"to_enrich": "maybe"}).status_code == 400
    account_update(actor=admin, account=account, data={"notes": "called them"})
    account.refresh_from_db()
    assert account.to_enrich is True  # only a new name ends it
    account_update(actor=admin, account=account, data={"name": "Qingdao Haibin Foods"})
    account.refresh_from_db()
    assert (account.name, account.to_enrich) == ("Qingdao Haibin Foods", False)
    assert "To enrich" not in client.get(account.get_absolute_url()).content.decode()


def test_exports_of_people_map_to_contacts():
    salesforce_contact = [
        "Id",
        "AccountId",
        "LastName",
        "FirstName",
        "Name",
        "MailingStreet",
        "Phone",
        "MobilePhone",
        "ReportsToId",
        "Email",
        "Title",
        "Birthdate",
        "OwnerId",
    ]
    assert auto_map("customers", salesforce_contact) == [
        "",  # the contact's id: not an account's reference
        "",
        "contact_last_name",
        "contact_first_name",
        "contact_name",
        "",
        "contact_phone",
        "",  # a second phone: one per contact
        "",
        "contact_email",
        "contact_title",
        "contact_birthday",
        "",
    ]
    hubspot_contacts = [
        "Record ID",
        "First Name",
        "Last Name",
        "Email",
        "Phone Number",
        "Contact owner",
        "Company Name",
        "Job Title",
    ]
    assert auto_map("customers", hubspot_contacts) == [
        "",
        "contact_first_name",
        "contact_last_name",
        "contact_email",
        "contact_phone",
        "owner",
        "name",
        "contact_title",
    ]


def test_unknown_values_of_optional_choices_are_warnings_and_left_empty(tmp_path, admin):
    rows = [
        ["Company name", "Lifecycle Stage", "Type", "Contact", "Role", "渠道"],
        ["Harbin Ice Works", "Other", "Competitor", "Li Na", "Chief Pizza Officer", "直播带货"],
    ]
    path = write_csv(tmp_path / "choices.csv", rows)
    batch = run_import(path, actor=admin)  # all or nothing: a warning rejects nothing
    assert batch.status == "done", batch.message
    account = Account.objects.get()
    assert (account.lifecycle, account.channel) == ("potential", "direct")
    assert account.contacts.get().role == ""
    assert sorted(batch.row_errors.values_list("column", "code", "value", "level")) == [
        ("Lifecycle Stage", "lifecycle_ignored", "Other", "warning"),
        ("Role", "role_ignored", "Chief Pizza Officer", "warning"),
        ("Type", "account_type_ignored", "Competitor", "warning"),
        ("渠道", "channel_ignored", "直播带货", "warning"),
    ]


def test_the_dry_run_page_lists_the_unmapped_columns(tmp_path, admin, client):
    path = write_csv(tmp_path / "Account.csv", salesforce_rows("api"))
    batch = run_import(path, actor=admin, dry_run=True)
    client.force_login(admin)
    response = client.get(f"/imports/{batch.pk}/")
    assert response.status_code == 200
    form = response.context["form"]
    shown = {field.label: field.initial for field, _values in form.column_rows()}
    assert len(shown) == 63
    assert shown["NumberOfEmployees"] == "" and shown["ShippingStreet"] == ""
    assert shown["Type"] == "account_type" and shown["Id"] == "source_id"
    page = response.content.decode()
    assert "NumberOfEmployees" in page and "OwnerId" in page


def test_a_bare_id_column_is_a_record_id_only_in_a_known_vendors_export():
    assert auto_map("customers", ["ID", "客户名称", "电话"]) == ["", "name", "phone"]
    assert auto_map("customers", ["Id", "Name", "BillingStreet"]) == [
        "source_id",
        "name",
        "address",
    ]
    assert auto_map("customers", ["客户ID", "客户名称"]) == ["source_id", "name"]


def test_two_records_of_one_name_are_two_accounts(tmp_path, admin):
    rows = salesforce_rows("api")[:3]
    name = SALESFORCE_API.index("Name")
    rows[2][name] = rows[1][name]  # a branch with its parent's name: another Salesforce record
    for row in rows[1:]:
        row[SALESFORCE_API.index("AccountNumber")] = ""
    path = write_csv(tmp_path / "Account.csv", rows)
    batch = run_import(path, actor=admin)
    assert batch.status == "done", batch.message
    assert batch.counts["accounts_create"] == 2
    assert sorted(Account.objects.values_list("external_id", flat=True)) == [
        "0015g00000Xk00AAAA",
        "0015g00000Xk01AAAA",
    ]
    again = run_import(path, actor=admin, mode="update")
    assert again.status == "done", again.message
    assert (again.counts["accounts_create"], again.counts["accounts_same"]) == (0, 2)


def test_an_account_of_another_record_is_not_found_by_its_name(tmp_path, admin):
    rows = salesforce_rows("api")[:3]
    name = SALESFORCE_API.index("Name")
    rows[2][name] = rows[1][name]
    for row in rows[1:]:
        row[SALESFORCE_API.index("AccountNumber")] = ""
    assert run_import(write_csv(tmp_path / "a.csv", rows[:2]), actor=admin).status == "done"
    batch = run_import(write_csv(tmp_path / "b.csv", [rows[0], rows[2]]), actor=admin)
    assert batch.status == "done", batch.message
    assert batch.counts["accounts_create"] == 1  # not matched to the same-named account
    assert Account.objects.filter(name=rows[1][name]).count() == 2
