"""Writes of key-account plans. Each re-checks that the actor sees the plan's account (the one
visibility rule), validates, writes and records the audit trail. Actions are commitments made
through commitments.services, so their owner is checked there (someone the actor may assign
work to)."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Account, Contact, Tier
from accounts.selectors import account_check_visible, accounts_visible_to
from commitments.models import Commitment
from commitments.services import commitment_create
from core.audit import audit_log, diff_fields, snapshot
from crm.models import User
from keyaccounts.models import (
    KeyAccountPlan,
    PlanAction,
    PlanReview,
    RelationshipGoal,
    WhitespaceMark,
    WhitespaceProduct,
    WhitespaceRow,
)
from keyaccounts.selectors import plan_snapshot, plans_visible_to

# Only A accounts get a plan: the plan is the work of a key account (大客户), and B accounts
# are served by the cadence of visits. A plan stays readable and editable if the account later
# drops out of A; only its creation asks for A.
PLAN_TIERS = {Tier.A}
PLAN_FIELDS = [
    "revenue_target",
    "share_target",
    "strengths",
    "weaknesses",
    "opportunities",
    "threats",
]
SWOT_FIELDS = ["strengths", "weaknesses", "opportunities", "threats"]
SWOT_MAX_ITEMS = 50
SWOT_MAX_LENGTH = 500


def _locked(actor: User, plan: KeyAccountPlan) -> KeyAccountPlan:
    """The plan, locked, if the actor sees its account; 404 otherwise (missing and hidden
    alike)."""
    found = (
        plans_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("account")
        .filter(pk=plan.pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _clean_swot(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError({name: _("Give a list of texts.")})
    items = [v.strip() for v in value if v.strip()]
    if len(items) > SWOT_MAX_ITEMS or any(len(v) > SWOT_MAX_LENGTH for v in items):
        raise ValidationError(
            {
                name: _("At most %(n)d items of %(len)d characters each.")
                % {"n": SWOT_MAX_ITEMS, "len": SWOT_MAX_LENGTH}
            }
        )
    return items


def _apply(plan: KeyAccountPlan, data: dict[str, Any]) -> None:
    for name, value in data.items():
        if name not in PLAN_FIELDS:
            raise ValidationError({name: _("This field cannot be set here.")})
        if name in SWOT_FIELDS:
            value = _clean_swot(value, name)
        setattr(plan, name, value)
    share = plan.share_target
    if share is not None and not (Decimal(0) <= Decimal(share) <= Decimal(100)):
        raise ValidationError({"share_target": _("A share is between 0 and 100 %.")})
    if plan.revenue_target is not None and Decimal(plan.revenue_target) < 0:
        raise ValidationError({"revenue_target": _("A revenue target cannot be negative.")})


@transaction.atomic
def plan_create(
    *, actor: User, account: Account, year: int, data: dict[str, Any] | None = None
) -> KeyAccountPlan:
    """Start the plan of an A account for a year: one per account and year (the database's
    unique constraint keeps it under concurrency)."""
    account_check_visible(actor, account)
    if account.tier not in PLAN_TIERS:
        raise ValidationError({"account": _("Only an A account has a key-account plan.")})
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("Give a year between 2000 and 2100.")})
    plan = KeyAccountPlan(account=account, year=int(year), created_by=actor)
    _apply(plan, data or {})
    plan.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ValidationError(
            {"year": _("This account already has a plan for this year.")}
        ) from None
    audit_log(
        actor=actor,
        action="create",
        instance=plan,
        account_id=account.pk,
        changes=diff_fields({}, snapshot(plan, ["account", "year", *PLAN_FIELDS])),
    )
    return plan


@transaction.atomic
def plan_update(*, actor: User, plan: KeyAccountPlan, data: dict[str, Any]) -> KeyAccountPlan:
    """Change the plan's objectives and SWOT."""
    plan = _locked(actor, plan)
    before = snapshot(plan, PLAN_FIELDS)
    _apply(plan, data)
    plan.full_clean(validate_constraints=False)
    plan.save()
    audit_log(
        actor=actor,
        action="update",
        instance=plan,
        account_id=plan.account_id,
        changes=diff_fields(before, snapshot(plan, PLAN_FIELDS)),
    )
    return plan


@transaction.atomic
def plan_delete(*, actor: User, plan: KeyAccountPlan) -> None:
    plan = _locked(actor, plan)
    audit_log(actor=actor, action="delete", instance=plan, account_id=plan.account_id)
    plan.delete()


def _check_site_account(actor: User, plan: KeyAccountPlan, site_account: Account | None) -> None:
    if site_account is None:
        return
    is_member = site_account.pk == plan.account_id or site_account.parent_id == plan.account_id
    if not is_member or not accounts_visible_to(actor).filter(pk=site_account.pk).exists():
        raise ValidationError(
            {"site_account": _("Choose this account or a member of its group that you can see.")}
        )


@transaction.atomic
def whitespace_row_add(
    *, actor: User, plan: KeyAccountPlan, name: str, site_account: Account | None = None
) -> WhitespaceRow:
    """Add a site or department (a row of the whitespace matrix); linked to the plan's account
    or a member of its group, its cells are filled from that account's orders."""
    plan = _locked(actor, plan)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the site or department.")})
    _check_site_account(actor, plan, site_account)
    row = WhitespaceRow(plan=plan, name=name, site_account=site_account)
    row.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError({"name": _("This plan already has this row.")}) from None
    audit_log(
        actor=actor,
        action="create",
        instance=row,
        account_id=plan.account_id,
        changes=diff_fields({}, snapshot(row, ["plan", "name", "site_account"])),
    )
    return row


@transaction.atomic
def whitespace_row_delete(*, actor: User, row: WhitespaceRow) -> None:
    plan = _locked(actor, row.plan)
    audit_log(actor=actor, action="delete", instance=row, account_id=plan.account_id)
    row.delete()


@transaction.atomic
def whitespace_product_add(*, actor: User, plan: KeyAccountPlan, name: str) -> WhitespaceProduct:
    """Add a product line to the matrix's columns (besides those of the orders)."""
    plan = _locked(actor, plan)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the product line.")})
    product = WhitespaceProduct(plan=plan, name=name)
    product.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise ValidationError({"name": _("This plan already has this product line.")}) from None
    audit_log(
        actor=actor,
        action="create",
        instance=product,
        account_id=plan.account_id,
        changes=diff_fields({}, snapshot(product, ["plan", "name"])),
    )
    return product


@transaction.atomic
def whitespace_mark_set(*, actor: User, row: WhitespaceRow, product: str, could_buy: bool) -> None:
    """Mark (or unmark) a cell "could buy"."""
    plan = _locked(actor, row.plan)
    product = (product or "").strip()
    if not product or len(product) > 200:
        raise ValidationError({"product": _("Name the product line.")})
    if could_buy:
        changed = WhitespaceMark.objects.get_or_create(row=row, product=product)[1]
    else:
        changed = WhitespaceMark.objects.filter(row=row, product=product).delete()[0] > 0
    if changed:
        audit_log(
            actor=actor,
            action="update",
            instance=row,
            account_id=plan.account_id,
            changes={f"could_buy:{product}": (not could_buy, could_buy)},
        )


@transaction.atomic
def relationship_goal_set(
    *,
    actor: User,
    plan: KeyAccountPlan,
    contact: Contact,
    goal_stance: str,
    due_date: datetime.date | None = None,
    note: str = "",
) -> RelationshipGoal:
    """Set where a buying-centre member (a contact of the plan's account) should stand, by
    when: one goal per contact and plan, replaced when set again."""
    plan = _locked(actor, plan)
    if contact is None or contact.account_id != plan.account_id:
        raise ValidationError({"contact": _("Choose a contact of this account.")})
    if goal_stance not in Contact.Stance.values:
        raise ValidationError({"goal_stance": _("Choose a stance.")})
    goal, created = RelationshipGoal.objects.select_for_update().get_or_create(
        plan=plan, contact=contact, defaults={"goal_stance": goal_stance}
    )
    before = {} if created else snapshot(goal, ["goal_stance", "due_date", "note"])
    goal.goal_stance, goal.due_date, goal.note = goal_stance, due_date, (note or "").strip()
    goal.full_clean(validate_constraints=False)
    goal.save()
    audit_log(
        actor=actor,
        action="create" if created else "update",
        instance=goal,
        account_id=plan.account_id,
        changes=diff_fields(before, snapshot(goal, ["contact", "goal_stance", "due_date", "note"])),
    )
    return goal


@transaction.atomic
def relationship_goal_delete(*, actor: User, goal: RelationshipGoal) -> None:
    plan = _locked(actor, goal.plan)
    audit_log(actor=actor, action="delete", instance=goal, account_id=plan.account_id)
    goal.delete()


@transaction.atomic
def plan_action_create(
    *,
    actor: User,
    plan: KeyAccountPlan,
    title: str,
    owner: User | None,
    due_date: datetime.date,
) -> PlanAction:
    """An action of the plan: a commitment of the plan's account, made through
    commitments.services (which checks the owner is someone the actor may assign to)."""
    plan = _locked(actor, plan)
    commitment: Commitment = commitment_create(
        actor=actor,
        data={
            "account": plan.account,
            "title": title,
            "owner": owner if owner is not None else actor,
            "due_date": due_date,
        },
    )
    action = PlanAction.objects.create(plan=plan, commitment=commitment)
    audit_log(
        actor=actor,
        action="create",
        instance=action,
        account_id=plan.account_id,
        changes={"commitment": (None, commitment.pk)},
    )
    return action


@transaction.atomic
def plan_review(*, actor: User, plan: KeyAccountPlan, note: str = "") -> PlanReview:
    """The quarterly review: freeze the plan as it is now (every part, as JSON) as its next
    version, with who and when. Versions are never changed afterwards."""
    plan = _locked(actor, plan)  # the lock serialises two reviews of one plan
    last = plan.reviews.aggregate(last=Max("version"))["last"] or 0
    review = PlanReview.objects.create(
        plan=plan,
        version=last + 1,
        snapshot=plan_snapshot(plan),
        note=(note or "").strip()[:500],
        reviewed_by=actor,
    )
    audit_log(
        actor=actor,
        action="review",
        instance=review,
        account_id=plan.account_id,
        extra={"version": review.version},
    )
    return review
