"""Fixtures of the receivables tests: a contract with a 30/60/10 plan on r1's account, and a
snapshot of every row a refused write must leave alone."""

import datetime
from decimal import Decimal

import pytest

from core.models import AuditEntry
from receivables.models import (
    Contract,
    ContractAttachment,
    ContractOrder,
    Invoice,
    Payment,
    PaymentAllocation,
    PlanEntry,
)
from receivables.services import PlanTerm, contract_create, contract_plan_set

SIGNED = datetime.date(2026, 1, 10)


@pytest.fixture
def contract(org):
    """CT-1 of r1's account, 1000.00 signed 2026-01-10 and delivered 2026-02-01: 300 due at
    signing (2026-01-10), 600 thirty days after delivery (2026-03-03), 100 ninety days after
    acceptance (no acceptance yet: not scheduled)."""
    made = contract_create(
        actor=org["r1"],
        data={
            "account": org["accounts"]["r1"],
            "number": "CT-1",
            "signed_on": SIGNED,
            "delivered_on": datetime.date(2026, 2, 1),
            "amount": Decimal("1000.00"),
        },
    )
    contract_plan_set(
        actor=org["r1"],
        contract=made,
        terms=[
            PlanTerm(label="signing", percent=Decimal(30), event="signing", days_after=0),
            PlanTerm(label="delivery", percent=Decimal(60), event="delivery", days_after=30),
            PlanTerm(label="acceptance", percent=Decimal(10), event="acceptance", days_after=90),
        ],
    )
    return made


@pytest.fixture
def state():
    """Every row of the app and the audit trail, to compare before and after a refusal."""

    def take():
        return {
            model.__name__: sorted(model.objects.values_list(flat=False))
            for model in (
                Contract,
                PlanEntry,
                Payment,
                PaymentAllocation,
                Invoice,
                ContractOrder,
                ContractAttachment,
                AuditEntry,
            )
        }

    return take
