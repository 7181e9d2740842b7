"""The whitespace matrix against orders computed by hand, and reviews as frozen versions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from keyaccounts import services
from keyaccounts.models import PlanReview
from keyaccounts.selectors import plan_snapshot, twelve_months, whitespace_matrix
from tests.factories import AccountFactory, ContactFactory, OrderFactory

TODAY = dt.date(2026, 6, 15)


def test_twelve_months_are_the_day_after_a_year_ago_through_today():
    assert twelve_months(TODAY) == (dt.date(2025, 6, 16), TODAY)
    assert twelve_months(dt.date(2028, 2, 29)) == (dt.date(2027, 3, 1), dt.date(2028, 2, 29))


def test_the_matrix_is_filled_from_orders(org, plan):
    account = plan.account
    member = AccountFactory(owner=org["r1"], parent=account)
    # The customer's own orders: pumps twice in the window and a return; valves only before it.
    OrderFactory(account=account, product="Pumps", date=dt.date(2025, 6, 16), amount=Decimal("100"))
    OrderFactory(account=account, product="Pumps", date=TODAY, amount=Decimal("250.50"))
    OrderFactory(account=account, product="Pumps", date=dt.date(2026, 1, 2), amount=Decimal("-50"))
    OrderFactory(account=account, product="Pumps", date=dt.date(2025, 6, 15), amount=Decimal("999"))
    OrderFactory(account=account, product="Valves", date=dt.date(2024, 3, 1), amount=Decimal("70"))
    OrderFactory(account=account, product="", date=TODAY, amount=Decimal("5"))
    OrderFactory(account=account, product="Pumps", date=dt.date(2026, 6, 16), amount=Decimal("8"))
    # The member plant bought valves in the window.
    OrderFactory(account=member, product="Valves", date=dt.date(2026, 3, 1), amount=Decimal("30"))
    # Another customer's orders never count.
    OrderFactory(account=org["accounts"]["r2"], product="Seals", date=TODAY)

    plant = services.whitespace_row_add(
        actor=org["r1"], plan=plan, name="Plant", site_account=member
    )
    office = services.whitespace_row_add(actor=org["r1"], plan=plan, name="Head office")
    services.whitespace_product_add(actor=org["r1"], plan=plan, name="Service contracts")
    services.whitespace_product_add(actor=org["r1"], plan=plan, name="Pumps")
    services.whitespace_mark_set(actor=org["r1"], row=plant, product="Pumps", could_buy=True)
    services.whitespace_mark_set(actor=org["r1"], row=office, product="Valves", could_buy=True)
    services.whitespace_mark_set(actor=org["r1"], row=office, product="Valves", could_buy=False)
    services.whitespace_mark_set(
        actor=org["r1"], row=office, product="Service contracts", could_buy=True
    )

    matrix = whitespace_matrix(plan, today=TODAY)

    assert matrix.products == ["Pumps", "Valves", "Service contracts"]
    table = {
        line.name: [(c.product, c.bought, c.could_buy) for c in line.cells] for line in matrix.lines
    }
    assert table == {
        str(account): [
            ("Pumps", Decimal("300.50"), False),  # 100 + 250.50 - 50
            ("Valves", None, False),
            ("Service contracts", None, False),
        ],
        "Head office": [
            ("Pumps", None, False),
            ("Valves", None, False),
            ("Service contracts", None, True),
        ],
        "Plant": [
            ("Pumps", None, True),
            ("Valves", Decimal("30.00"), False),
            ("Service contracts", None, False),
        ],
    }
    assert [line.name for line in matrix.lines] == [str(account), "Head office", "Plant"]


def test_a_review_freezes_the_plan_and_keeps_previous_versions(org, plan):
    contact = ContactFactory(account=plan.account, name="Wang", stance="neutral")
    services.plan_update(
        actor=org["r1"],
        plan=plan,
        data={"share_target": Decimal("30"), "strengths": ["Local service"]},
    )
    services.relationship_goal_set(
        actor=org["r1"], plan=plan, contact=contact, goal_stance="champion"
    )
    services.plan_action_create(
        actor=org["r1"], plan=plan, title="Visit the plant", owner=None, due_date=TODAY
    )
    first = services.plan_review(actor=org["r1"], plan=plan, note="Q1")
    plan.refresh_from_db()
    frozen = plan_snapshot(plan)
    assert first.snapshot == frozen
    assert first.snapshot["share_target"] == "30.00"
    assert first.snapshot["goals"][0]["contact"] == "Wang"
    assert first.snapshot["actions"][0]["title"] == "Visit the plant"

    # The plan moves on; the first version does not.
    services.plan_update(
        actor=org["m1"], plan=plan, data={"share_target": Decimal("45"), "strengths": []}
    )
    contact.name = "Wang Wei"
    contact.save()
    second = services.plan_review(actor=org["m1"], plan=plan)

    first.refresh_from_db()
    assert first.snapshot == frozen
    assert (first.version, first.reviewed_by, first.note) == (1, org["r1"], "Q1")
    assert (second.version, second.reviewed_by) == (2, org["m1"])
    assert second.snapshot["share_target"] == "45.00"
    assert second.snapshot["swot"]["strengths"] == []
    assert second.snapshot["goals"][0]["contact"] == "Wang Wei"
    assert list(PlanReview.objects.filter(plan=plan).values_list("version", flat=True)) == [2, 1]


def test_a_review_cannot_be_rewritten(org, plan):
    review = services.plan_review(actor=org["r1"], plan=plan)
    review.snapshot = {"forged": True}
    with pytest.raises(ValidationError):
        review.save()
    review.refresh_from_db()
    assert "forged" not in review.snapshot
