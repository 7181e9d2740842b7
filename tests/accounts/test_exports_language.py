"""Exports read in the user's language: translated headers, choices' labels instead of codes,
date-times in the app's time zone; contacts and orders honour the account list's filters."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from python_calamine import CalamineWorkbook

from accounts.models import Account
from tests.factories import AccountFactory, ContactFactory, OrderFactory

pytestmark = pytest.mark.django_db

CREATED_UTC = datetime.datetime(2026, 3, 1, 16, 30, tzinfo=datetime.UTC)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [line.split(",") for line in text.splitlines()]


def _account(org, **kwargs) -> Account:
    account = AccountFactory(
        owner=org["r1"],
        name="Legacy Co",
        source=Account.Source.LEGACY_LIST,
        channel=Account.Channel.DISTRIBUTOR,
        lifecycle=Account.Lifecycle.POTENTIAL,
        **kwargs,
    )
    Account.objects.filter(pk=account.pk).update(created_at=CREATED_UTC)
    return account


def test_accounts_csv_in_chinese_with_labels_and_local_times(client, org):
    account = _account(org)
    org["r1"].language = "zh-hans"
    org["r1"].save()
    client.force_login(org["r1"])
    rows = _csv(client.get("/accounts/export/accounts.csv", {"q": "Legacy Co"}))
    assert rows[0][:4] == ["ID", "客户名称", "统一社会信用代码", "客户编号"]
    assert rows[0][6:9] == ["渠道", "客户类型", "来源"]
    assert rows[0][-1] == "创建时间"
    (row,) = rows[1:]
    assert row[0] == str(account.pk)
    assert row[6:9] == ["经销商", "潜在客户", "旧客户名单"]
    local = CREATED_UTC.astimezone(ZoneInfo(settings.TIME_ZONE))
    assert row[-1] == local.strftime("%Y-%m-%d %H:%M:%S")
    assert row[-1] == "2026-03-02 00:30:00"  # Asia/Shanghai, the default zone


def test_accounts_xlsx_in_english_with_labels(api, org):
    _account(org)
    org["r1"].language = "en"
    org["r1"].save()
    response = api(org["r1"]).get("/api/v1/exports/accounts.xlsx", {"q": "Legacy Co"})
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows[0][:3] == ["ID", "Account name", "Unified social credit code"]
    assert rows[1][6:9] == ["Distributor", "Potential customer", "Legacy list"]
    assert rows[1][-1] == "2026-03-02 00:30:00"


def test_contacts_export_honours_the_account_lists_filters(client, org):
    distributor = _account(org)
    for _i in range(3):
        ContactFactory(account=distributor, role="decision_maker")
    ContactFactory(account=org["accounts"]["r1"], role="handler")
    ContactFactory(account=org["accounts"]["r2"])
    client.force_login(org["m1"])
    url = "/accounts/export/contacts.csv"
    assert len(_csv(client.get(url))) == 1 + 5
    assert len(_csv(client.get(url, {"owner": org["r1"].pk}))) == 1 + 4
    filtered = _csv(client.get(url, {"channel": "distributor", "sort": "name", "page": "2"}))
    assert len(filtered) == 1 + 3
    assert {row[5] for row in filtered[1:]} == {"Decision maker"}
    by_search = _csv(client.get(url, {"q": "Legacy Co", "role": "decision_maker"}))
    assert len(by_search) == 1 + 3
    assert len(_csv(client.get(url, {"source": "referral"}))) == 1
    # Another team's owner finds nothing: the filters only narrow the caller's book.
    assert len(_csv(client.get(url, {"owner": org["r3"].pk}))) == 1


def test_orders_export_honours_the_account_lists_filters(api, org):
    distributor = _account(org)
    for day in (1, 2):
        OrderFactory(account=distributor, date=datetime.date(2026, 5, day))
    OrderFactory(account=org["accounts"]["r1"], date=datetime.date(2026, 5, 3))
    OrderFactory(account=org["accounts"]["r3"], date=datetime.date(2026, 5, 3))
    client = api(org["m1"])
    url = "/api/v1/exports/orders.csv"
    assert len(_csv(client.get(url))) == 1 + 3
    assert len(_csv(client.get(url, {"channel": "distributor"}))) == 1 + 2
    narrowed = _csv(client.get(url, {"channel": "distributor", "date_from": "2026-05-02"}))
    assert [row[4] for row in narrowed[1:]] == ["2026-05-02"]
    Account.objects.filter(pk=org["accounts"]["r1"].pk).update(lifecycle="existing")
    existing = _csv(client.get(url, {"lifecycle": "existing"}))
    assert [row[4] for row in existing[1:]] == ["2026-05-03"]
