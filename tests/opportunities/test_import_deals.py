"""Deals imported through the import pipeline: Salesforce, HubSpot and Chinese headers, UTF-8
with a BOM, GBK and xlsx; the dry run writes nothing; the undo puts everything back; row
errors name the row and the column; a manager imports into their own teams' books only."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from crm.models import User
from imports.models import ImportBatch, ImportBeforeImage, ImportRowError
from imports.upload.fields import auto_map
from opportunities.models import Opportunity, OpportunityChange, Stage
from tests.factories import AccountFactory, OpportunityFactory, TeamFactory, UserFactory
from tests.imports.conftest import run_import, run_undo, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

SALESFORCE = [
    "Opportunity ID",
    "Opportunity Name",
    "Account Name",
    "Amount",
    "Close Date",
    "Stage",
    "Probability (%)",
    "Opportunity Owner",
    "Lead Source",
    "Type",
    "Next Step",
    "Forecast Category",
]
HUBSPOT = [
    "Record ID",
    "Deal Name",
    "Amount",
    "Close Date",
    "Deal Stage",
    "Deal owner",
    "Pipeline",
    "Deal Type",
    "Associated Company",
    "Create Date",
]
CHINESE = [
    "商机名称",
    "客户名称",
    "金额",
    "预计成交日期",
    "阶段",
    "赢单概率",
    "负责人",
    "来源",
    "下一步",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def admin(db):
    return UserFactory(username="importer", role=User.Role.ADMIN)


@pytest.fixture
def rep(db):
    return UserFactory(
        username="wang", first_name="Wei", last_name="Wang", email="wang@example.com"
    )


def _state() -> dict:
    return {
        "deals": sorted(Opportunity.objects.values_list(named=False).order_by("id")),
        "changes": sorted(OpportunityChange.objects.values_list(named=False).order_by("id")),
        "images": ImportBeforeImage.objects.count(),
    }


def _stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


def test_salesforce_headers_map_and_a_salesforce_export_imports(tmp_path, admin, rep):
    acme = AccountFactory(name="Acme Industrial Co., Ltd.", owner=rep)
    assert auto_map("opportunities", SALESFORCE) == [
        "source_id",
        "name",
        "account_name",
        "amount",
        "close_date",
        "stage",
        "probability",
        "owner",
        "source",
        "type",
        "next_step",
        "category",
    ]
    path = write_csv(
        tmp_path / "sf.csv",
        [
            SALESFORCE,
            [
                "006A1",
                "Acme line 2",
                "ACME INDUSTRIAL CO., LTD.",
                "$1,250,000.50",
                "3/31/2026",
                "Negotiation/Review",
                "75",
                "Wei Wang",
                "Trade Show",
                "New Business",
                "Send contract",
                "Commit",
            ],
            [
                "006A2",
                "Acme renewal",
                "Acme Industrial",
                "¥20,000",
                "2026-06-30",
                "Closed Won",
                "",
                "wang@example.com",
                "Word of mouth",
                "Existing Customer - Replacement",
                "",
                "Closed",
            ],
        ],
        encoding="utf-8-sig",
    )
    batch = run_import(path, actor=admin, kind="opportunities", owner=admin)
    assert batch.status == ImportBatch.Status.DONE, batch.message
    assert batch.counts["opportunities_create"] == 2
    first, second = Opportunity.objects.order_by("id")
    assert (first.account, first.name, first.amount) == (acme, "Acme line 2", Decimal("1250000.50"))
    assert first.close_date == datetime.date(2026, 3, 31)
    assert first.stage == _stage("negotiation")
    assert (first.probability, first.owner, first.source) == (75, rep, Opportunity.Source.EVENT)
    assert (first.kind, first.category, first.status) == ("new", "commit", "open")
    assert (first.external_source, first.external_id) == ("salesforce", "006A1")
    assert first.next_step == "Send contract" and first.import_batch == batch
    assert (second.stage, second.status) == (_stage("won"), Opportunity.Status.WON)
    assert second.closed_on == datetime.date(2026, 6, 30)
    assert (second.kind, second.source, second.amount) == ("renewal", "referral", Decimal(20000))
    created = OpportunityChange.objects.filter(kind="created").order_by("opportunity_id")
    assert [(c.opportunity_id, c.stage_after_id, c.amount_after) for c in created] == [
        (first.pk, first.stage_id, first.amount),
        (second.pk, second.stage_id, second.amount),
    ]
