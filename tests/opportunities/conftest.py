"""Fixtures of the opportunities tests: the built-in stages and reasons by code, a contact per
account, a snapshot of every row a refused write must leave alone."""

import pytest

from commitments.models import Commitment
from core.models import AuditEntry
from opportunities.models import LossReason, Opportunity, OpportunityChange, Stage
from tests.factories import ContactFactory


@pytest.fixture
def stages(db):
    return {stage.code: stage for stage in Stage.objects.exclude(code="")}


@pytest.fixture
def reasons(db):
    return {reason.code: reason for reason in LossReason.objects.exclude(code="")}


@pytest.fixture
def contacts(org):
    return {
        name: ContactFactory(account=account, name=f"Contact of {name}")
        for name, account in org["accounts"].items()
    }


@pytest.fixture
def db_state(db):
    """Every deal, history, commitment and audit row, to assert a refused write changed
    nothing."""

    def state():
        return (
            list(Opportunity.objects.order_by("pk").values()),
            list(OpportunityChange.objects.order_by("pk").values()),
            list(Commitment.objects.order_by("pk").values()),
            list(Stage.objects.order_by("pk").values()),
            list(LossReason.objects.order_by("pk").values()),
            AuditEntry.objects.count(),
        )

    return state
