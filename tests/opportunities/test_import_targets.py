"""Targets (quotas) imported from a sheet: periods in several forms, a measure and a value or a
column per measure, a rep or a team, failures per row with clear messages, modes, undo."""

import datetime
from decimal import Decimal

import pytest

from crm.models import User
from imports.models import ImportBatch, ImportRowError
from imports.upload.cleaning import error_message
from opportunities.imports.quotas import parse_period
from opportunities.models import Target
from tests.factories import TeamFactory, UserFactory
from tests.imports.conftest import run_import, run_undo, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def admin(db):
    return UserFactory(username="importer", role=User.Role.ADMIN)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01", ("month", datetime.date(2026, 1, 1))),
        ("2026/1", ("month", datetime.date(2026, 1, 1))),
        ("2026年3月", ("month", datetime.date(2026, 3, 1))),
        ("202611", ("month", datetime.date(2026, 11, 1))),
        ("2026-02-01 00:00:00", ("month", datetime.date(2026, 2, 1))),
        ("2026-Q1", ("quarter", datetime.date(2026, 1, 1))),
        ("2026 q3", ("quarter", datetime.date(2026, 7, 1))),
        ("Q4 2026", ("quarter", datetime.date(2026, 10, 1))),
        ("2026年第二季度", ("quarter", datetime.date(2026, 4, 1))),
        ("2026年Q2", ("quarter", datetime.date(2026, 4, 1))),
        ("2026年3季度", ("quarter", datetime.date(2026, 7, 1))),
    ],
)
def test_periods(raw, expected):
    assert parse_period(raw) == expected


@pytest.mark.parametrize("raw", ["2026-13", "Q5 2026", "next month", "1999-01"])
def test_not_periods(raw):
    from imports.upload.cleaning import CellError

    with pytest.raises(CellError):
        parse_period(raw)


def test_a_sheet_of_reps_and_teams_with_failures_per_row(tmp_path, admin):
    team = TeamFactory(name="华东一组")
    li = UserFactory(username="li", first_name="Na", last_name="Li", team=team)
    path = write_xlsx(
        tmp_path / "targets.xlsx",
        {
            "目标": [
                ["销售代表", "团队", "期间", "指标", "目标值"],
                ["li", "", "2026-01", "销售额", "1,200,000"],
                ["Na Li", "", "2026-Q1", "拜访次数", "60"],
                ["", "华东一组", "2026年1月", "新客户", "5"],
                ["nobody", "", "2026-01", "revenue", "1"],
                ["li", "华东一组", "2026-01", "revenue", "1"],
                ["li", "", "2026-13", "revenue", "1"],
                ["li", "", "2026-02", "height", "1"],
                ["li", "", "2026-02", "revenue", "-3"],
                ["li", "", "2026-01", "Revenue", "9"],
            ]
        },
    )
    before = list(Target.objects.values_list())
    batch = run_import(path, actor=admin, kind="targets")
    assert batch.status == ImportBatch.Status.FAILED
    assert list(Target.objects.values_list()) == before
    errors = [
        (e.row_number, e.column, e.code, e.value)
        for e in ImportRowError.objects.filter(batch=batch).order_by("row_number", "id")
    ]
    assert errors == [
        (5, "销售代表", "rep_unknown", "nobody"),
        (6, "销售代表", "rep_and_team", "li / 华东一组"),
        (7, "期间", "period_invalid", "2026-13"),
        (8, "指标", "measure_unknown", "height"),
        (9, "目标值", "negative", "-3"),
        (10, "目标值", "target_repeated", "2"),
    ]
    assert error_message("rep_and_team") == "Give the rep or the team, not both."
    batch = run_import(path, actor=admin, kind="targets", on_error="skip_bad_rows")
    assert batch.status == ImportBatch.Status.DONE
    got = set(
        Target.objects.values_list(
            "user_id", "team_id", "period", "period_start", "measure", "value"
        )
    )
    assert got == set(
        [
            (li.pk, None, "month", datetime.date(2026, 1, 1), "revenue", Decimal("1200000.00")),
            (li.pk, None, "quarter", datetime.date(2026, 1, 1), "visits", Decimal(60)),
            (None, team.pk, "month", datetime.date(2026, 1, 1), "new_customers", Decimal(5)),
        ]
    )
    assert set(Target.objects.values_list("import_batch_id", "set_by_id")) == {(batch.pk, admin.pk)}


def test_a_column_per_measure_update_mode_and_undo(tmp_path, admin):
    li = UserFactory(username="li")
    old = Target.objects.create(
        user=li,
        period="month",
        period_start=datetime.date(2026, 1, 1),
        measure="revenue",
        value=Decimal(100),
        set_by=admin,
    )
    path = write_csv(
        tmp_path / "wide.csv",
        [
            ["销售代表", "月份", "销售额目标", "拜访次数", "A类客户拜访"],
            ["li", "2026-01", "500", "40", ""],
        ],
        encoding="utf-8-sig",
    )
    dry = run_import(path, actor=admin, kind="targets", dry_run=True)
    assert (dry.counts["targets_create"], dry.counts["targets_skip"]) == (1, 1)
    batch = run_import(path, actor=admin, kind="targets", mode="update")
    assert batch.status == ImportBatch.Status.DONE, batch.message
    assert (batch.counts["targets_create"], batch.counts["targets_update"]) == (1, 1)
    old.refresh_from_db()
    assert old.value == Decimal(500)
    assert Target.objects.get(measure="visits").value == Decimal(40)
    undone = run_undo(batch, actor=admin)
    assert undone.status == ImportBatch.Status.UNDONE, undone.message
    old.refresh_from_db()
    assert list(Target.objects.values_list("pk", "value", "set_by_id")) == [
        (old.pk, Decimal(100), admin.pk)
    ]


def test_a_manager_sets_targets_for_their_team_only(tmp_path):
    team = TeamFactory(name="A队")
    other_team = TeamFactory(name="B队")
    UserFactory(username="mine", team=team)
    UserFactory(username="theirs", team=other_team)
    path = write_csv(
        tmp_path / "t.csv",
        [
            ["rep", "team", "period", "measure", "value"],
            ["mine", "", "2026-01", "visits", "10"],
            ["theirs", "", "2026-01", "visits", "10"],
            ["", "B队", "2026-01", "visits", "10"],
            ["", "A队", "2026-01", "visits", "30"],
        ],
    )
    batch = run_import(path, actor=team.manager, kind="targets", dry_run=True)
    assert sorted(batch.row_errors.values_list("row_number", "code")) == [
        (3, "owner_out_of_scope"),
        (4, "team_unknown"),
    ]
    assert Target.objects.count() == 0
