import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from receivables.models import Contract, PlanEntry
from receivables.selectors import contracts_with_balance, entries_with_balance
from receivables.services import (
    PlanTerm,
    contract_create,
    contract_order_link,
    contract_plan_set,
    contract_update,
    invoice_record,
    payment_delete,
    payment_record,
    plan_terms_parse,
)
from tests.factories import OrderFactory

D = Decimal
DAY = datetime.date(2026, 4, 1)


def balances(contract):
    return [
        (e.amount, e.paid, e.outstanding, e.due)
        for e in entries_with_balance(contract.entries.order_by("position"))
    ]


def test_a_plan_of_percents_splits_the_amount_and_resolves_event_dates(contract):
    assert balances(contract) == [
        (D("300.00"), D("0.00"), D("300.00"), datetime.date(2026, 1, 10)),
        (D("600.00"), D("0.00"), D("600.00"), datetime.date(2026, 3, 3)),
        (D("100.00"), D("0.00"), D("100.00"), None),
    ]


def test_percents_of_100_give_exactly_the_amount(org):
    contract = contract_create(
        actor=org["r1"],
        data={"account": org["accounts"]["r1"], "number": "CT-3", "amount": D("100.00")},
    )
    entries = contract_plan_set(
        actor=org["r1"],
        contract=contract,
        terms=plan_terms_parse("33.33% signing; 33.33% delivery +10; 33.34% acceptance +30"),
    )
    assert [e.amount for e in entries] == [D("33.33"), D("33.33"), D("33.34")]


def test_plan_terms_parse_names_the_bad_line():
    terms = plan_terms_parse("30% signing\n60% delivery +30\n500 2027-03-31")
    assert terms[1] == PlanTerm(
        label="60% delivery +30", percent=D(60), event="delivery", days_after=30
    )
    assert terms[2].amount == D("500.00") and terms[2].due_date == datetime.date(2027, 3, 31)
    with pytest.raises(ValidationError) as exc:
        plan_terms_parse("30% signing\n60% shipping +30")
    assert "Line 2" in str(exc.value)


def test_a_plan_above_the_contract_amount_is_refused(contract, org, state):
    before = state()
    with pytest.raises(ValidationError) as exc:
        contract_plan_set(
            actor=org["r1"], contract=contract, terms=plan_terms_parse("60% signing; 50% delivery")
        )
    assert "terms" in exc.value.message_dict
    assert state() == before


def test_a_payment_is_allocated_oldest_due_first(contract, org):
    payment_record(actor=org["r1"], account=contract.account, amount="500.00", received_on=DAY)
    assert [b[1:3] for b in balances(contract)] == [
        (D("300.00"), D("0.00")),
        (D("200.00"), D("400.00")),
        (D("0.00"), D("100.00")),
    ]
    row = contracts_with_balance(Contract.objects.filter(pk=contract.pk)).get()
    assert (row.planned, row.paid, row.outstanding) == (D("1000.00"), D("500.00"), D("500.00"))


def test_a_payment_may_name_its_entries(contract, org):
    last = contract.entries.get(position=3)
    payment_record(
        actor=org["r1"],
        account=contract.account,
        contract=contract,
        amount=D("40.00"),
        received_on=DAY,
        allocations=[(last, "40.00")],
    )
    assert [b[2] for b in balances(contract)] == [D("300.00"), D("600.00"), D("60.00")]


def test_a_payment_larger_than_outstanding_is_refused_unless_an_advance(contract, org, state):
    before = state()
    with pytest.raises(ValidationError) as exc:
        payment_record(actor=org["r1"], account=contract.account, amount="1000.01", received_on=DAY)
    assert "amount" in exc.value.message_dict
    assert state() == before
    payment = payment_record(
        actor=org["r1"],
        account=contract.account,
        amount="1000.01",
        received_on=DAY,
        is_advance=True,
    )
    assert [b[2] for b in balances(contract)] == [D("0.00")] * 3
    assert sum(a.amount for a in payment.allocations.all()) == D("1000.00")


def test_an_allocation_above_the_entry_balance_is_refused(contract, org, state):
    first = contract.entries.get(position=1)
    before = state()
    with pytest.raises(ValidationError) as exc:
        payment_record(
            actor=org["r1"],
            account=contract.account,
            amount="301.00",
            received_on=DAY,
            allocations=[(first, "301.00")],
        )
    assert "allocations" in exc.value.message_dict
    assert state() == before


def test_floats_and_fractions_of_a_cent_are_refused(contract, org, state):
    before = state()
    for amount in (10.5, "10.005", "abc"):
        with pytest.raises(ValidationError):
            payment_record(
                actor=org["r1"], account=contract.account, amount=amount, received_on=DAY
            )
    assert state() == before


def test_a_payment_for_an_account_outside_the_book_is_refused(contract, org, state):
    before = state()
    with pytest.raises(ValidationError) as exc:
        payment_record(actor=org["r3"], account=contract.account, amount="10.00", received_on=DAY)
    assert "account" in exc.value.message_dict
    assert state() == before


def test_a_payment_of_another_accounts_contract_is_refused(contract, org, state):
    before = state()
    with pytest.raises(ValidationError) as exc:
        payment_record(
            actor=org["m1"],
            account=org["accounts"]["r2"],
            contract=contract,
            amount="10.00",
            received_on=DAY,
        )
    assert "contract" in exc.value.message_dict
    assert state() == before


def test_deleting_a_payment_restores_the_balances(contract, org):
    payment = payment_record(
        actor=org["r1"], account=contract.account, amount="500.00", received_on=DAY
    )
    payment_delete(actor=org["r1"], payment=payment)
    assert [b[2] for b in balances(contract)] == [D("300.00"), D("600.00"), D("100.00")]


def test_a_paid_plan_cannot_be_replaced(contract, org, state):
    payment_record(actor=org["r1"], account=contract.account, amount="10.00", received_on=DAY)
    before = state()
    with pytest.raises(ValidationError):
        contract_plan_set(
            actor=org["r1"], contract=contract, terms=plan_terms_parse("100% signing")
        )
    assert state() == before


def test_a_duplicate_contract_number_names_the_field(contract, org, state):
    before = state()
    with pytest.raises(ValidationError) as exc:
        contract_create(
            actor=org["r1"],
            data={"account": org["accounts"]["r1"], "number": "CT-1", "amount": D("1.00")},
        )
    assert "number" in exc.value.message_dict
    assert state() == before


def test_contract_create_refuses_foreign_accounts_and_owners(org, state):
    before = state()
    with pytest.raises(ValidationError) as exc:
        contract_create(
            actor=org["r1"],
            data={"account": org["accounts"]["r3"], "number": "X", "amount": D("1.00")},
        )
    assert "account" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        contract_create(
            actor=org["r1"],
            data={
                "account": org["accounts"]["r1"],
                "number": "X",
                "amount": D("1.00"),
                "owner": org["r3"],
            },
        )
    assert "owner" in exc.value.message_dict
    assert state() == before


def test_contract_update_changes_dates_and_moves_due_dates(contract, org):
    contract_update(
        actor=org["r1"], contract=contract, data={"accepted_on": datetime.date(2026, 3, 1)}
    )
    assert balances(contract)[2][3] == datetime.date(2026, 5, 30)


def test_contract_update_refuses_an_invisible_contract(contract, org, state):
    before = state()
    with pytest.raises(ValidationError):
        contract_update(actor=org["r3"], contract=contract, data={"title": "x"})
    assert state() == before


def test_a_contract_with_payments_keeps_its_account(contract, org, state):
    payment_record(actor=org["r1"], account=contract.account, amount="10.00", received_on=DAY)
    before = state()
    with pytest.raises(ValidationError) as exc:
        contract_update(actor=org["m1"], contract=contract, data={"account": org["accounts"]["r2"]})
    assert "account" in exc.value.message_dict
    assert state() == before


def test_invoices_never_exceed_their_entry(contract, org, state):
    first = contract.entries.get(position=1)
    invoice_record(actor=org["r1"], entry=first, number="F-1", issued_on=DAY, amount="200.00")
    before = state()
    with pytest.raises(ValidationError) as exc:
        invoice_record(actor=org["r1"], entry=first, number="F-2", issued_on=DAY, amount="100.01")
    assert "amount" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        invoice_record(actor=org["r1"], entry=first, number="F-1", issued_on=DAY, amount="1.00")
    assert "number" in exc.value.message_dict
    assert state() == before


def test_an_order_belongs_to_at_most_one_contract_of_its_account(contract, org, state):
    order = OrderFactory(account=contract.account)
    contract_order_link(actor=org["r1"], contract=contract, order=order)
    other = contract_create(
        actor=org["r1"], data={"account": contract.account, "number": "CT-2", "amount": D("1")}
    )
    before = state()
    with pytest.raises(ValidationError) as exc:
        contract_order_link(actor=org["r1"], contract=other, order=order)
    assert "order" in exc.value.message_dict
    with pytest.raises(ValidationError):
        contract_order_link(
            actor=org["m1"], contract=other, order=OrderFactory(account=org["accounts"]["r2"])
        )
    assert state() == before


def test_entries_of_draft_contracts_take_no_payment(org, state):
    draft = contract_create(
        actor=org["r1"],
        data={
            "account": org["accounts"]["r1"],
            "number": "D-1",
            "amount": D("100.00"),
            "status": Contract.Status.DRAFT,
        },
    )
    contract_plan_set(actor=org["r1"], contract=draft, terms=plan_terms_parse("100 2026-01-01"))
    before = state()
    with pytest.raises(ValidationError):
        payment_record(actor=org["r1"], account=draft.account, amount="100.00", received_on=DAY)
    assert state() == before
    assert PlanEntry.objects.filter(contract=draft).count() == 1
