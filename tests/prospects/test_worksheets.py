"""Worksheets: totals, history, the current flag, invalid scores, comparison and export."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import AuditEntry
from prospects.models import CRITERION_FIELDS, Worksheet
from prospects.selectors import (
    latest_worksheet_totals,
    worksheet_compare,
    worksheet_history,
    worksheet_score_distribution,
)
from prospects.services import worksheet_create
from tests.factories import AccountFactory, WorksheetFactory
from tests.prospects.conftest import scores_of

pytestmark = pytest.mark.django_db


def test_total_is_the_sum_of_the_seven_scores_and_kept_with_author_and_date(org, fill):
    account = org["accounts"]["r1"]
    before = timezone.now()
    worksheet = fill(
        account, 1, 0, 1, 1, 0, 1, 0, notes={"growth": "扩产中", "relationship_note": ""}
    )
    worksheet.refresh_from_db()
    assert worksheet.total == 4
    assert worksheet.author == org["r1"]
    assert worksheet.filled_at >= before
    assert worksheet.growth_note == "扩产中"
    assert worksheet.is_current is True
    assert [r["score"] for r in worksheet.rows()] == [1, 0, 1, 1, 0, 1, 0]
    assert [str(r["word"]) for r in worksheet.rows()] == [
        "good",
        "low",
        "high",
        "many",
        "poor",
        "strong",
        "weak",
    ]
    entry = AuditEntry.objects.get(model="prospects.Worksheet")
    assert (entry.action, entry.account_id, entry.changes["total"]) == (
        "create",
        account.pk,
        [None, 4],
    )


def test_all_zero_and_all_one_are_the_bounds(org, fill):
    assert fill(org["accounts"]["r1"], 0, 0, 0, 0, 0, 0, 0).total == 0
    assert fill(org["accounts"]["r2"], 1, 1, 1, 1, 1, 1, 1).total == 7


def test_history_keeps_every_worksheet_and_the_newest_is_current(org, fill):
    account = org["accounts"]["r1"]
    first = fill(account, 1, 0, 0, 0, 0, 0, 0)
    second = fill(account, 1, 1, 1, 0, 0, 0, 0)
    third = fill(account, 0, 1, 1, 0, 0, 0, 0)
    assert list(
        Worksheet.objects.filter(account=account).values_list("id", "is_current").order_by("id")
    ) == [
        (first.pk, False),
        (second.pk, False),
        (third.pk, True),
    ]
    history = worksheet_history(account)
    assert [h["worksheet"].pk for h in history] == [third.pk, second.pk, first.pk]
    assert [h["delta"] for h in history] == [-1, 2, None]
    assert [[c.field for c in h["changed"]] for h in history] == [
        ["growth"],
        ["business_plans", "revenue_potential"],
        [],
    ]


def test_latest_worksheet_totals_one_row_per_account_in_one_query(
    org, fill, django_assert_num_queries
):
    a1, a3 = org["accounts"]["r1"], org["accounts"]["r3"]
    fill(a1, 1, 1, 1, 1, 1, 1, 1)
    fill(a1, 1, 1, 0, 0, 0, 0, 0)
    fill(a3, 1, 0, 0, 0, 0, 0, 0)
    with django_assert_num_queries(1):
        rows = sorted(latest_worksheet_totals(), key=lambda r: r["account_id"])
    assert rows == [{"account_id": a1.pk, "total": 2}, {"account_id": a3.pk, "total": 1}]
    # It composes as a subquery too, as scoring uses it.
    assert set(
        latest_worksheet_totals().filter(total__gte=2).values_list("account_id", flat=True)
    ) == {a1.pk}


@pytest.mark.parametrize("bad", [2, -1, "1", None, 1.0, True])
def test_a_score_other_than_0_or_1_is_refused_and_nothing_changes(org, fill, db_state, bad):
    account = org["accounts"]["r1"]
    fill(account, 1, 1, 0, 0, 0, 0, 0)
    before = db_state()
    scores = scores_of(1, 1, 1, 1, 1, 1, 1)
    scores["solution_fit"] = bad
    with pytest.raises(ValidationError) as exc:
        worksheet_create(actor=org["r1"], account=account, scores=scores)
    assert "solution_fit" in exc.value.error_dict
    assert db_state() == before


def test_missing_or_unknown_criteria_are_refused(org, db_state):
    account = org["accounts"]["r1"]
    before = db_state()
    scores = scores_of(1, 1, 1, 1, 1, 1, 1)
    del scores["relationship"]
    with pytest.raises(ValidationError) as exc:
        worksheet_create(actor=org["r1"], account=account, scores=scores)
    assert list(exc.value.error_dict) == ["relationship"]
    with pytest.raises(ValidationError) as exc:
        worksheet_create(
            actor=org["r1"], account=account, scores={**scores_of(1, 1, 1, 1, 1, 1, 1), "eighth": 1}
        )
    assert list(exc.value.error_dict) == ["eighth"]
    with pytest.raises(ValidationError) as exc:
        worksheet_create(
            actor=org["r1"],
            account=account,
            scores=scores_of(1, 1, 1, 1, 1, 1, 1),
            notes={"growth": "x" * 501},
        )
    assert list(exc.value.error_dict) == ["growth_note"]
    assert db_state() == before


def test_a_worksheet_for_an_account_out_of_scope_is_refused(org, db_state):
    before = db_state()
    with pytest.raises(ValidationError):
        worksheet_create(
            actor=org["r1"], account=org["accounts"]["r3"], scores=scores_of(1, 1, 1, 1, 1, 1, 1)
        )
    with pytest.raises(ValidationError):
        worksheet_create(
            actor=org["m1"], account=org["accounts"]["r3"], scores=scores_of(1, 1, 1, 1, 1, 1, 1)
        )
    assert db_state() == before
    assert (
        worksheet_create(
            actor=org["m1"], account=org["accounts"]["r1"], scores=scores_of(1, 1, 1, 1, 1, 1, 1)
        ).total
        == 7
    )


def test_the_database_refuses_scores_other_than_0_or_1_and_a_wrong_total(org):
    account = org["accounts"]["r1"]
    for scores in ({"growth": 2, "total": 2}, {"growth": 1, "total": 5}):
        with pytest.raises(IntegrityError), transaction.atomic():
            WorksheetFactory(account=account, **scores)
    WorksheetFactory(account=account, total=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorksheetFactory(account=account, total=0)
    assert Worksheet.objects.count() == 1


def test_compare_ranks_by_total_and_orders_ties_by_name_then_id(org, fill):
    r1 = org["r1"]
    beta = AccountFactory(owner=r1, name="Beta")
    alpha = AccountFactory(owner=r1, name="Alpha")
    alpha_twin = AccountFactory(owner=r1, name="Alpha")
    top = AccountFactory(owner=r1, name="Zeta")
    none = AccountFactory(owner=r1, name="Aaa no worksheet")
    fill(beta, 1, 1, 1, 0, 0, 0, 0)
    fill(alpha_twin, 1, 1, 1, 0, 0, 0, 0)
    fill(alpha, 0, 0, 0, 1, 1, 1, 0)
    fill(top, 1, 1, 1, 1, 1, 0, 0)
    fill(top, 1, 1, 1, 1, 1, 1, 0)  # only the latest counts
    ids = [none.pk, beta.pk, alpha_twin.pk, top.pk, alpha.pk]
    result = worksheet_compare(user=r1, account_ids=ids)
    assert alpha.pk < alpha_twin.pk
    assert [(c["account"].pk, c["total"], c["rank"]) for c in result["columns"]] == [
        (top.pk, 6, 1),
        (alpha.pk, 3, 2),
        (alpha_twin.pk, 3, 2),
        (beta.pk, 3, 2),
        (none.pk, None, None),
    ]
    # The same order whatever order the accounts were picked in.
    again = worksheet_compare(user=r1, account_ids=list(reversed(ids)))
    assert [c["account"].pk for c in again["columns"]] == [
        c["account"].pk for c in result["columns"]
    ]
    assert [row["criterion"].field for row in result["rows"]] == CRITERION_FIELDS
    competitiveness = result["rows"][5]
    assert competitiveness["criterion"].field == "competitiveness"
    assert [cell["score"] for cell in competitiveness["cells"]] == [1, 1, 0, 0, None]
    assert [str(cell["word"]) for cell in competitiveness["cells"]] == [
        "strong",
        "strong",
        "weak",
        "weak",
        "",
    ]


def test_compare_refuses_an_account_out_of_scope_and_more_than_twenty(org):
    out_of_scope = [org["accounts"]["r1"].pk, org["accounts"]["r3"].pk]
    assert worksheet_compare(user=org["r1"], account_ids=out_of_scope) is None
    many = [AccountFactory(owner=org["r1"]).pk for _ in range(21)]
    with pytest.raises(ValueError):
        worksheet_compare(user=org["r1"], account_ids=many)
    assert len(worksheet_compare(user=org["r1"], account_ids=many[:20])["columns"]) == 20
    assert (
        len(
            worksheet_compare(
                user=org["m1"], account_ids=[org["accounts"]["r1"].pk, org["accounts"]["r2"].pk]
            )["columns"]
        )
        == 2
    )


def test_score_distribution_counts_current_totals_in_scope(org, fill):
    fill(org["accounts"]["r1"], 1, 1, 0, 0, 0, 0, 0)
    fill(org["accounts"]["r1"], 1, 1, 1, 0, 0, 0, 0)
    fill(org["accounts"]["r2"], 1, 1, 1, 0, 0, 0, 0)
    fill(org["accounts"]["r3"], 1, 1, 1, 1, 1, 1, 1)
    dist = worksheet_score_distribution(user=org["m1"])
    assert dist == [{"total": t, "accounts": 2 if t == 3 else 0} for t in range(8)]
    assert worksheet_score_distribution(user=org["admin"])[7] == {"total": 7, "accounts": 1}
    assert worksheet_score_distribution(user=org["m1"], owner=org["r2"])[3] == {
        "total": 3,
        "accounts": 1,
    }
    assert worksheet_score_distribution(user=org["admin"], team=org["t2"])[3] == {
        "total": 3,
        "accounts": 0,
    }
