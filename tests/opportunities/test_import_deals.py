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
from tests.factories import AccountFactory, TeamFactory, UserFactory
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


def test_a_hubspot_export_in_xlsx_maps_its_internal_stage_ids(tmp_path, admin, rep):
    AccountFactory(name="Globex Trading", owner=rep)
    assert auto_map("opportunities", HUBSPOT) == [
        "source_id",
        "name",
        "amount",
        "close_date",
        "stage",
        "owner",
        "",  # one pipeline here: the column is left out
        "type",
        "account_name",
        "created_on",
    ]
    ids = [
        "appointmentscheduled",
        "qualifiedtobuy",
        "presentationscheduled",
        "decisionmakerboughtin",
        "contractsent",
        "closedwon",
        "closedlost",
    ]
    rows = [
        [
            f"9{n}",
            f"Deal {n}",
            "1000",
            "2026-05-31",
            stage,
            "Nobody Known",
            "default",
            "newbusiness",
            "Globex Trading",
            "2026-01-15 10:00",
        ]
        for n, stage in enumerate(ids)
    ]
    path = write_xlsx(tmp_path / "hubspot.xlsx", {"Deals": [HUBSPOT, *rows]})
    batch = run_import(path, actor=admin, kind="opportunities", owner=rep)
    assert batch.status == ImportBatch.Status.DONE, batch.message
    deals = Opportunity.objects.order_by("id")
    assert [d.stage.code for d in deals] == [
        "first_contact",
        "needs_confirmed",
        "proposal",
        "negotiation",
        "negotiation",
        "won",
        "lost",
    ]
    assert {d.external_source for d in deals} == {"hubspot"}
    # The owner "Nobody Known" is no user: the batch's default owner, with a warning per row.
    assert {d.owner for d in deals} == {rep}
    warnings = ImportRowError.objects.filter(batch=batch, level="warning")
    assert {(w.column, w.code, w.value) for w in warnings} == {
        ("Deal owner", "owner_defaulted", "Nobody Known")
    }
    assert warnings.count() == len(ids)
    created = OpportunityChange.objects.filter(kind="created")
    assert {c.changed_at.date() for c in created} == {datetime.date(2026, 1, 15)}


def test_chinese_headers_in_gbk(tmp_path, admin, rep):
    account = AccountFactory(name="上海华东机械有限公司", owner=rep)
    assert auto_map("opportunities", CHINESE) == [
        "name",
        "account_name",
        "amount",
        "close_date",
        "stage",
        "probability",
        "owner",
        "source",
        "next_step",
    ]
    path = write_csv(
        tmp_path / "商机.csv",
        [
            CHINESE,
            [
                "二期扩产",
                "上海华东机械",
                "￥350,000元",
                "2026年9月30日",
                "方案报价",
                "60%",
                "wang",
                "转介绍",
                "下周三报价",
            ],
            [
                "备件框架",
                "上海华东机械有限公司",
                "80000",
                "2026/12/1",
                "初步接触",
                "0.2",
                "王伟",
                "展会",
                "",
            ],
        ],
        encoding="gbk",
    )
    rep.first_name, rep.last_name = "伟", "王"
    rep.save()
    batch = run_import(path, actor=admin, kind="opportunities")
    assert batch.status == ImportBatch.Status.DONE, batch.message
    first, second = Opportunity.objects.order_by("id")
    assert (first.account, first.amount, first.close_date) == (
        account,
        Decimal(350000),
        datetime.date(2026, 9, 30),
    )
    assert (first.stage.code, first.probability, first.owner, first.source) == (
        "proposal",
        60,
        rep,
        "referral",
    )
    assert first.next_step == "下周三报价"
    assert (second.stage.code, second.probability, second.owner, second.source) == (
        "first_contact",
        20,
        rep,
        "event",
    )


def test_the_dry_run_writes_nothing_and_counts_what_an_import_would_do(tmp_path, admin, rep):
    AccountFactory(name="Acme", owner=rep)
    path = write_csv(
        tmp_path / "deals.csv",
        [
            ["Opportunity Name", "Account Name", "Close Date", "Stage"],
            ["A", "Acme", "2026-03-01", "First contact"],
            ["B", "Acme", "2026-03-02", "赢单"],
        ],
    )
    before = _state()
    batch = run_import(path, actor=admin, kind="opportunities", dry_run=True)
    assert batch.status == ImportBatch.Status.READY
    assert (batch.counts["opportunities_create"], batch.counts["error_rows"]) == (2, 0)
    assert [row["action"] for row in batch.preview] == ["create", "create"]
    assert _state() == before


def test_row_errors_name_the_row_the_column_and_the_value_and_nothing_is_written(
    tmp_path, admin, rep
):
    AccountFactory(name="Acme", owner=rep)
    path = write_csv(
        tmp_path / "bad.csv",
        [
            ["Opportunity Name", "Account Name", "Amount", "Close Date", "Stage"],
            ["Good", "Acme", "10", "2026-03-01", "Proposal and quotation"],
            ["Stage?", "Acme", "10", "2026-03-01", "Verbal agreement"],
            ["Negative", "Acme", "-5", "2026-03-01", "Won"],
            ["Date?", "Acme", "5", "next spring", "Won"],
            ["Who?", "Nobody Ltd", "5", "2026-03-01", "Won"],
        ],
    )
    before = _state()
    batch = run_import(path, actor=admin, kind="opportunities")
    assert batch.status == ImportBatch.Status.FAILED
    errors = {
        (e.row_number, e.column, e.code, e.value)
        for e in ImportRowError.objects.filter(batch=batch, level="error")
    }
    assert errors == {
        (3, "Stage", "stage_unknown", "Verbal agreement"),
        (4, "Amount", "negative", "-5"),
        (5, "Close Date", "date_invalid", "next spring"),
        (6, "Account Name", "account_unknown", "Nobody Ltd"),
    }
    assert _state() == before
    # The good rows only, when asked for.
    batch = run_import(path, actor=admin, kind="opportunities", on_error="skip_bad_rows")
    assert batch.status == ImportBatch.Status.DONE
    assert list(Opportunity.objects.values_list("name", flat=True)) == ["Good"]


def test_an_inactive_stage_takes_no_new_deal(tmp_path, admin, rep):
    AccountFactory(name="Acme", owner=rep)
    Stage.objects.filter(code="proposal").update(is_active=False)
    path = write_csv(
        tmp_path / "d.csv",
        [
            ["Deal Name", "Company", "Close Date", "Deal Stage"],
            ["X", "Acme", "2026-1-2", "方案报价"],
        ],
    )
    batch = run_import(path, actor=admin, kind="opportunities", dry_run=True)
    assert list(batch.row_errors.values_list("code", "value")) == [("stage_inactive", "方案报价")]


def _export(tmp_path, name, rows) -> Path:
    header = ["Opportunity ID", "Opportunity Name", "Account Name", "Amount", "Close Date", "Stage"]
    return write_csv(tmp_path / name, [header, *rows])


def test_a_second_import_of_an_export_updates_by_record_id_and_its_undo_puts_back(
    tmp_path, admin, rep
):
    AccountFactory(name="Acme", owner=rep)
    first = run_import(
        _export(
            tmp_path, "v1.csv", [["006X", "Big deal", "Acme", "100", "2026-03-01", "First contact"]]
        ),
        actor=admin,
        kind="opportunities",
        owner=rep,
    )
    deal = Opportunity.objects.get()
    deal.description = "typed by the rep"
    deal.save()
    after_first = _state()
    second = run_import(
        _export(
            tmp_path,
            "v2.csv",
            [
                ["006X", "Big deal (v2)", "Acme", "", "2026-04-30", "Won"],
                ["006Y", "New one", "Acme", "5", "2026-05-01", "Lost"],
            ],
        ),
        actor=admin,
        kind="opportunities",
        owner=rep,
        mode="update",
    )
    assert second.status == ImportBatch.Status.DONE, second.message
    assert (second.counts["opportunities_update"], second.counts["opportunities_create"]) == (1, 1)
    deal.refresh_from_db()
    # The empty amount keeps the deal's; the won stage closes it on its close date.
    assert (deal.name, deal.amount, deal.status, deal.closed_on) == (
        "Big deal (v2)",
        Decimal(100),
        "won",
        datetime.date(2026, 4, 30),
    )
    assert deal.description == "typed by the rep"
    change = OpportunityChange.objects.get(opportunity=deal, kind="changed")
    assert (change.stage_before.code, change.stage_after.code) == ("first_contact", "won")
    assert (change.close_date_before, change.close_date_after) == (
        datetime.date(2026, 3, 1),
        datetime.date(2026, 4, 30),
    )
    # The first import cannot be undone before the second, which changed its deal.
    from imports.selectors import import_batch_undo_blockers

    assert list(import_batch_undo_blockers(first)) == [second]
    from django.core.exceptions import ValidationError

    from imports import services

    with pytest.raises(ValidationError):
        services.import_batch_undo(actor=admin, batch=first, dispatch=False)
    first.refresh_from_db()
    assert first.status == ImportBatch.Status.DONE
    undone = run_undo(second, actor=admin)
    assert undone.status == ImportBatch.Status.UNDONE, undone.message
    assert _state() == {**after_first, "images": 1}
    undone = run_undo(first, actor=admin)
    assert undone.status == ImportBatch.Status.UNDONE, undone.message
    assert Opportunity.objects.count() == OpportunityChange.objects.count() == 0


def test_modes_skip_and_create_only_for_a_known_record_id(tmp_path, admin, rep):
    AccountFactory(name="Acme", owner=rep)
    row = ["006X", "Deal", "Acme", "1", "2026-03-01", "Won"]
    run_import(_export(tmp_path, "a.csv", [row]), actor=admin, kind="opportunities")
    before = _state()
    skipped = run_import(_export(tmp_path, "b.csv", [row]), actor=admin, kind="opportunities")
    assert skipped.counts["opportunities_skip"] == 1 and _state() == before
    refused = run_import(
        _export(tmp_path, "c.csv", [row, row]), actor=admin, kind="opportunities", mode="create"
    )
    assert sorted(refused.row_errors.values_list("row_number", "code")) == [
        (2, "deal_exists"),
        (3, "deal_repeated"),
    ]
    assert _state() == before


def test_a_manager_imports_into_their_teams_books_only(tmp_path):
    team = TeamFactory()
    manager = team.manager
    mine = UserFactory(username="mine", team=team)
    other = UserFactory(username="other")
    AccountFactory(name="Ours Ltd", owner=mine)
    AccountFactory(name="Theirs Ltd", owner=other)
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["Opportunity Name", "Account Name", "Close Date", "Stage", "Opportunity Owner"],
            ["1", "Ours Ltd", "2026-03-01", "Won", "mine"],
            ["2", "Theirs Ltd", "2026-03-01", "Won", "mine"],
            ["3", "Ours Ltd", "2026-03-01", "Won", "other"],
        ],
    )
    batch = run_import(path, actor=manager, kind="opportunities", owner=mine, dry_run=True)
    assert sorted(batch.row_errors.values_list("row_number", "code")) == [
        (3, "account_unknown"),
        (4, "owner_out_of_scope"),
    ]
    batch = run_import(
        path, actor=manager, kind="opportunities", owner=mine, on_error="skip_bad_rows"
    )
    assert list(Opportunity.objects.values_list("name", "owner__username")) == [("1", "mine")]


def test_a_rep_may_not_import(tmp_path, rep):
    from django.core.exceptions import PermissionDenied

    path = write_csv(tmp_path / "r.csv", [["Opportunity Name"], ["x"]])
    with pytest.raises(PermissionDenied), path.open("rb") as fh:
        from imports import services

        services.import_batch_create(actor=rep, kind="opportunities", upload=fh, file_name="r.csv")


def test_the_set_based_insert_knows_every_column_and_the_orm_path_writes_the_same(
    tmp_path, admin, rep, monkeypatch
):
    from opportunities.imports import deals

    # A field added to the models without a database default would send the import down the
    # (slower) ORM path: this test says so.
    assert deals._deal_columns() is not None and deals._change_columns() is not None
    AccountFactory(name="Acme", owner=rep)
    rows = [
        ["006A", "A", "Acme", "12.5", "2026-03-01", "Won"],
        ["", "B", "Acme", "", "2026-04-01", "First contact"],
    ]

    def written() -> list:
        return sorted(
            (
                d.name,
                d.amount,
                d.close_date,
                d.stage_id,
                d.status,
                d.closed_on,
                d.owner_id,
                d.external_source,
                d.external_id,
                d.category,
                d.kind,
                d.source,
                [(c.kind, c.stage_after_id, c.amount_after) for c in d.changes.all()],
            )
            for d in Opportunity.objects.all()
        )

    batch = run_import(_export(tmp_path, "sql.csv", rows), actor=admin, kind="opportunities")
    by_sql = written()
    run_undo(batch, actor=admin)
    monkeypatch.setattr(deals, "_deal_columns", lambda: None)
    run_import(_export(tmp_path, "orm.csv", rows), actor=admin, kind="opportunities")
    assert written() == by_sql
    assert by_sql[0][:7] == (
        "A",
        Decimal("12.50"),
        datetime.date(2026, 3, 1),
        _stage("won").pk,
        "won",
        datetime.date(2026, 3, 1),
        admin.pk,
    )
