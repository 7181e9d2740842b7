import pytest

from accounts.models import AccountTeamMember
from commitments.models import Commitment
from core.models import AuditEntry
from keyaccounts.models import (
    KeyAccountPlan,
    PlanAction,
    PlanReview,
    RelationshipGoal,
    WhitespaceMark,
    WhitespaceProduct,
    WhitespaceRow,
)
from keyaccounts.services import plan_create


@pytest.fixture
def a_account(org):
    account = org["accounts"]["r1"]
    account.tier = "A"
    account.save(update_fields=["tier"])
    return account


@pytest.fixture
def plan(org, a_account):
    return plan_create(actor=org["r1"], account=a_account, year=2026)


@pytest.fixture
def db_state(db):
    """Every row the plan services write, to assert that a refused write changed nothing."""

    def state():
        models = [
            KeyAccountPlan,
            WhitespaceRow,
            WhitespaceProduct,
            WhitespaceMark,
            RelationshipGoal,
            PlanAction,
            PlanReview,
            Commitment,
            AuditEntry,
            AccountTeamMember,
        ]
        return {m.__name__: sorted(m.objects.values_list("pk", flat=True)) for m in models}

    return state
