"""Reads of key-account plans, always through the one visibility rule: a plan is seen by
whoever sees its account (accounts.selectors.account_scope_q)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone

from accounts.models import Account, Order
from accounts.selectors import account_scope_q
from commitments.models import Commitment
from crm.selectors import Viewer
from keyaccounts.models import KeyAccountPlan, PlanReview, WhitespaceRow


def plans_visible_to(user: Viewer) -> QuerySet[KeyAccountPlan]:
    return KeyAccountPlan.objects.filter(account_scope_q(user, account_path="account__"))


def plan_get_visible(user: Viewer, pk: int | str) -> KeyAccountPlan | None:
    """The plan if `user` sees its account; None otherwise (missing and hidden look alike)."""
    return plans_visible_to(user).select_related("account", "account__owner").filter(pk=pk).first()


def plans_of_account(account: Account) -> QuerySet[KeyAccountPlan]:
    """The card's list: the caller has already checked that the account is visible."""
    return KeyAccountPlan.objects.filter(account=account).order_by("-year")


def twelve_months(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last 12 months, both ends included: from the day after the same date a year ago
    through today (29 February counts from 1 March)."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + datetime.timedelta(days=1), today


@dataclass(frozen=True)
class WhitespaceCell:
    product: str
    bought: Decimal | None  # the last 12 months' net amount; None: no order in that time
    could_buy: bool


@dataclass(frozen=True)
class WhitespaceLine:
    row_id: int | None  # None: the whole customer (the plan's account)
    name: str
    site_account_id: int | None
    cells: list[WhitespaceCell]


@dataclass(frozen=True)
class WhitespaceMatrix:
    products: list[str]
    lines: list[WhitespaceLine] = field(default_factory=list)
    since: datetime.date | None = None
    until: datetime.date | None = None


def whitespace_matrix(
    plan: KeyAccountPlan, *, today: datetime.date | None = None
) -> WhitespaceMatrix:
    """The matrix of the customer's sites or departments against our product lines.

    Columns: every product the plan's account (or a row's linked account) has ever ordered,
    then those the rep added. The first line is the whole customer (the plan's account's own
    orders); each rep-entered row shows its linked account's orders. A cell holds the net
    amount of the last 12 months (None when nothing was ordered), and the rep's "could buy"
    mark. Two queries for the orders, whatever the size."""
    since, until = twelve_months(today or timezone.localdate())
    rows = list(plan.rows.prefetch_related("marks").order_by("name", "id"))
    account_ids = {plan.account_id} | {r.site_account_id for r in rows if r.site_account_id}
    ordered = (
        Order.objects.filter(account_id__in=account_ids)
        .exclude(product="")
        .values_list("product", flat=True)
        .distinct()
    )
    extra = list(plan.extra_products.values_list("name", flat=True))
    products = sorted(set(ordered)) + [p for p in sorted(extra) if p not in set(ordered)]
    amounts: dict[tuple[int, str], Decimal] = {
        (row["account_id"], row["product"]): row["total"]
        for row in Order.objects.filter(
            account_id__in=account_ids, date__gte=since, date__lte=until
        )
        .exclude(product="")
        .values("account_id", "product")
        .annotate(total=Sum("amount"))
        .order_by()
    }

    def cells(account_id: int | None, marks: set[str]) -> list[WhitespaceCell]:
        return [
            WhitespaceCell(p, amounts.get((account_id, p)) if account_id else None, p in marks)
            for p in products
        ]

    lines = [
        WhitespaceLine(None, str(plan.account), plan.account_id, cells(plan.account_id, set()))
    ]
    for row in rows:
        marks = {m.product for m in row.marks.all()}
        lines.append(
            WhitespaceLine(row.pk, row.name, row.site_account_id, cells(row.site_account_id, marks))
        )
    return WhitespaceMatrix(products=products, lines=lines, since=since, until=until)


def plan_actions(plan: KeyAccountPlan) -> QuerySet[Commitment]:
    """The plan's actions: its commitments with their owner and status."""
    return (
        Commitment.objects.filter(pk__in=plan.actions.values("commitment_id"))
        .select_related("owner")
        .order_by("status", "due_date", "id")
    )


def plan_goals(plan: KeyAccountPlan) -> list[Any]:
    return list(plan.goals.select_related("contact").order_by("contact__name", "id"))


def plan_snapshot(plan: KeyAccountPlan, *, today: datetime.date | None = None) -> dict[str, Any]:
    """The plan as plain JSON: every part, as a review freezes it."""
    matrix = whitespace_matrix(plan, today=today)
    return {
        "account": {"id": plan.account_id, "name": plan.account.name, "tier": plan.account.tier},
        "year": plan.year,
        "revenue_target": _text(plan.revenue_target),
        "share_target": _text(plan.share_target),
        "swot": {
            "strengths": list(plan.strengths),
            "weaknesses": list(plan.weaknesses),
            "opportunities": list(plan.opportunities),
            "threats": list(plan.threats),
        },
        "whitespace": {
            "since": matrix.since.isoformat() if matrix.since else None,
            "until": matrix.until.isoformat() if matrix.until else None,
            "products": matrix.products,
            "lines": [
                {
                    "name": line.name,
                    "cells": [
                        {"product": c.product, "bought": _text(c.bought), "could_buy": c.could_buy}
                        for c in line.cells
                    ],
                }
                for line in matrix.lines
            ],
        },
        "goals": [
            {
                "contact": g.contact.name,
                "current_stance": g.contact.stance,
                "goal_stance": g.goal_stance,
                "due_date": g.due_date.isoformat() if g.due_date else None,
                "note": g.note,
            }
            for g in plan_goals(plan)
        ],
        "actions": [
            {
                "title": c.title,
                "owner": str(c.owner),
                "due_date": c.due_date.isoformat() if c.due_date else None,
                "status": c.status,
            }
            for c in plan_actions(plan)
        ],
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def plan_reviews(plan: KeyAccountPlan) -> QuerySet[PlanReview]:
    return plan.reviews.select_related("reviewed_by").order_by("-version")


def plan_review_get(plan: KeyAccountPlan, version: int) -> PlanReview | None:
    return plan.reviews.select_related("reviewed_by").filter(version=version).first()


def plan_rows(plan: KeyAccountPlan) -> QuerySet[WhitespaceRow]:
    return plan.rows.select_related("site_account").order_by("name", "id")
