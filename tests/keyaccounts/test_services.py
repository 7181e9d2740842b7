"""Key-account plan services: the one access rule, every refused write, nothing half-written."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from core.models import AuditEntry
from keyaccounts import services
from keyaccounts.models import KeyAccountPlan, PlanAction
from keyaccounts.selectors import plan_actions, plans_visible_to
from tests.factories import AccountFactory, AccountTeamMemberFactory, ContactFactory

DUE = dt.date(2026, 6, 30)


def test_create_an_a_accounts_plan_is_audited(org, a_account):
    plan = services.plan_create(
        actor=org["r1"],
        account=a_account,
        year=2026,
        data={"revenue_target": Decimal("500000"), "share_target": Decimal("35.5")},
    )
    plan.refresh_from_db()
    assert (plan.year, plan.revenue_target, plan.share_target) == (
        2026,
        Decimal("500000.00"),
        Decimal("35.50"),
    )
    entry = AuditEntry.objects.get(model="keyaccounts.KeyAccountPlan", action="create")
    assert entry.account_id == a_account.pk
    assert entry.changes["year"] == [None, 2026]


@pytest.mark.parametrize("tier", ["B", "C", ""])
def test_an_account_not_a_is_refused(org, db_state, tier):
    account = org["accounts"]["r1"]
    account.tier = tier
    account.save(update_fields=["tier"])
    before = db_state()
    with pytest.raises(ValidationError) as err:
        services.plan_create(actor=org["r1"], account=account, year=2026)
    assert "account" in err.value.message_dict
    assert db_state() == before


def test_a_second_plan_for_the_same_account_and_year_is_refused(org, plan, db_state):
    before = db_state()
    with pytest.raises(ValidationError) as err:
        services.plan_create(actor=org["m1"], account=plan.account, year=2026)
    assert "year" in err.value.message_dict
    assert db_state() == before
    # Another year is another plan.
    services.plan_create(actor=org["r1"], account=plan.account, year=2027)
    assert KeyAccountPlan.objects.filter(account=plan.account).count() == 2


def test_the_database_keeps_one_plan_per_account_and_year(plan):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        KeyAccountPlan.objects.create(account=plan.account, year=plan.year)


@pytest.mark.parametrize("share", [Decimal("-0.01"), Decimal("100.01"), Decimal("250")])
def test_share_outside_0_to_100_is_refused(org, plan, db_state, share):
    before = db_state()
    with pytest.raises(ValidationError) as err:
        services.plan_update(actor=org["r1"], plan=plan, data={"share_target": share})
    assert "share_target" in err.value.message_dict
    assert db_state() == before
    plan.refresh_from_db()
    assert plan.share_target is None


@pytest.mark.parametrize("share", [Decimal("0"), Decimal("100")])
def test_share_at_the_bounds_is_accepted(org, plan, share):
    services.plan_update(actor=org["r1"], plan=plan, data={"share_target": share})
    plan.refresh_from_db()
    assert plan.share_target == share


def test_swot_lists_are_cleaned(org, plan):
    services.plan_update(
        actor=org["r1"],
        plan=plan,
        data={"strengths": " Service nearby \n\n Long history", "threats": ["Price war", " "]},
    )
    plan.refresh_from_db()
    assert plan.strengths == ["Service nearby", "Long history"]
    assert plan.threats == ["Price war"]


def test_a_rep_who_does_not_see_the_account_gets_nothing(org, plan, db_state):
    before = db_state()
    with pytest.raises(ValidationError):
        services.plan_create(actor=org["r2"], account=plan.account, year=2027)
    with pytest.raises(Http404):
        services.plan_update(actor=org["r2"], plan=plan, data={"share_target": 1})
    with pytest.raises(Http404):
        services.plan_review(actor=org["r3"], plan=plan)
    assert db_state() == before
    assert list(plans_visible_to(org["r2"])) == []
    assert list(plans_visible_to(org["m1"])) == [plan]
    assert list(plans_visible_to(org["m2"])) == []


def test_an_account_team_member_sees_and_works_on_the_plan(org, plan):
    AccountTeamMemberFactory(account=plan.account, user=org["r3"])
    assert list(plans_visible_to(org["r3"])) == [plan]
    services.plan_update(actor=org["r3"], plan=plan, data={"share_target": Decimal("10")})


def test_relationship_goal_for_a_contact_of_the_account(org, plan):
    contact = ContactFactory(account=plan.account, stance="neutral")
    goal = services.relationship_goal_set(
        actor=org["r1"], plan=plan, contact=contact, goal_stance="champion", due_date=DUE
    )
    again = services.relationship_goal_set(
        actor=org["r1"], plan=plan, contact=contact, goal_stance="supporter"
    )
    assert again.pk == goal.pk
    again.refresh_from_db()
    assert (again.goal_stance, again.due_date) == ("supporter", None)


def test_a_contact_of_another_account_is_refused(org, plan, db_state):
    stranger = ContactFactory(account=org["accounts"]["r2"])
    before = db_state()
    with pytest.raises(ValidationError) as err:
        services.relationship_goal_set(
            actor=org["r1"], plan=plan, contact=stranger, goal_stance="champion"
        )
    assert "contact" in err.value.message_dict
    assert db_state() == before


def test_an_unknown_goal_stance_is_refused(org, plan, db_state):
    contact = ContactFactory(account=plan.account)
    before = db_state()
    with pytest.raises(ValidationError) as err:
        services.relationship_goal_set(
            actor=org["r1"], plan=plan, contact=contact, goal_stance="friend"
        )
    assert "goal_stance" in err.value.message_dict
    assert db_state() == before


def test_an_action_is_a_commitment_of_the_account(org, plan):
    action = services.plan_action_create(
        actor=org["m1"], plan=plan, title="Present the roadmap", owner=org["r1"], due_date=DUE
    )
    c = action.commitment
    assert (c.account_id, c.owner, c.requested_by, c.due_date, c.status) == (
        plan.account_id,
        org["r1"],
        org["m1"],
        DUE,
        "open",
    )
    assert list(plan_actions(plan)) == [c]


def test_an_owner_the_actor_may_not_assign_to_is_refused(org, plan, db_state):
    before = db_state()
    with pytest.raises(ValidationError) as err:
        services.plan_action_create(
            actor=org["r1"], plan=plan, title="Call", owner=org["r3"], due_date=DUE
        )
    assert "owner" in err.value.message_dict
    assert db_state() == before
    assert PlanAction.objects.count() == 0


def test_a_row_linked_to_an_account_outside_the_group_is_refused(org, plan, db_state):
    before = db_state()
    with pytest.raises(ValidationError) as err:
        services.whitespace_row_add(
            actor=org["r1"], plan=plan, name="Plant", site_account=org["accounts"]["r2"]
        )
    assert "site_account" in err.value.message_dict
    assert db_state() == before


def test_a_row_twice_and_a_blank_row_are_refused(org, plan, db_state):
    services.whitespace_row_add(actor=org["r1"], plan=plan, name="Plant 1")
    before = db_state()
    for name in ("Plant 1", "  "):
        with pytest.raises(ValidationError):
            services.whitespace_row_add(actor=org["r1"], plan=plan, name=name)
    with pytest.raises(ValidationError):
        services.whitespace_product_add(actor=org["r1"], plan=plan, name="")
    assert db_state() == before


def test_group_member_row(org, plan):
    member = AccountFactory(owner=org["r1"], parent=plan.account)
    row = services.whitespace_row_add(actor=org["r1"], plan=plan, name="Plant", site_account=member)
    assert row.site_account == member
