"""seed_demo's contracts and payments: plans that add up, allocations within their entries."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

from receivables.models import Contract, Payment, PaymentAllocation
from receivables.selectors import contracts_with_balance

pytestmark = pytest.mark.django_db


def test_seed_demo_writes_contracts_with_plans_and_payments():
    out = io.StringIO()
    call_command("seed_demo", "--accounts", "400", "--seed", "3", stdout=out)
    assert "receivables:" in out.getvalue()
    contracts = contracts_with_balance(Contract.objects.all())
    assert 0 < contracts.count() <= 300
    for contract in contracts:
        assert contract.planned == contract.amount
        assert 0 <= contract.outstanding <= contract.amount
    assert Payment.objects.exists()
    assert (
        PaymentAllocation.objects.aggregate(s=Sum("amount"))["s"]
        == Payment.objects.aggregate(s=Sum("amount"))["s"]
    )
