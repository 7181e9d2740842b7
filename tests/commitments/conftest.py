"""Fixtures of the commitments tests: the shared org, a contact per account, a snapshot."""

import pytest

from commitments.models import Commitment
from core.models import AuditEntry
from tests.factories import CommitmentFactory, ContactFactory


@pytest.fixture
def contacts(org):
    return {
        name: ContactFactory(account=account, name=f"Contact of {name}")
        for name, account in org["accounts"].items()
    }


@pytest.fixture
def commitment_factory(db):
    return CommitmentFactory


@pytest.fixture
def db_state(db):
    """Every commitment and audit row, to assert that a refused write changed nothing."""

    def state():
        return (
            list(Commitment.objects.order_by("pk").values()),
            AuditEntry.objects.count(),
        )

    return state
