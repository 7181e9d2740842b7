import datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receivables.models import PlanEntry
from receivables.selectors import BUCKET_KEYS, aging, entries_with_balance
from receivables.services import (
    contract_create,
    contract_plan_set,
    payment_record,
    plan_terms_parse,
)

D = Decimal
AS_OF = datetime.date(2026, 6, 30)


def _contract(org, rep, number, terms, amount="1000.00"):
    contract = contract_create(
        actor=org[rep],
        data={"account": org["accounts"][rep], "number": number, "amount": D(amount)},
    )
    contract_plan_set(actor=org[rep], contract=contract, terms=plan_terms_parse(terms))
    return contract


def test_aging_buckets_by_days_overdue(org):
    # due 2026-06-30 (today: not due), 2026-06-01 (29 days), 2026-05-01 (60), 2026-04-01 (90),
    # 2026-03-01 (121), and one on an event that has not happened (not due).
    _contract(
        org,
        "r1",
        "A-1",
        "100 2026-06-30; 200 2026-06-01; 300 2026-05-01; 150 2026-04-01; 50 2026-03-01;"
        " 200 acceptance +30",
    )
    result = aging(org["r1"], group_by="account", as_of=AS_OF)
    assert [r.label for r in result.rows] == ["Account of r1"]
    assert result.totals.buckets == {
        "not_due": D("300.00"),
        "d0_30": D("200.00"),
        "d31_60": D("300.00"),
        "d61_90": D("150.00"),
        "d90_plus": D("50.00"),
    }
    assert result.totals.total == D("1000.00")
    assert result.overdue_total == D("700.00")
    assert result.unscheduled == D("200.00")
    assert result.expected == [(datetime.date(2026, 6, 1), D("100.00"))]


def test_aging_as_of_a_past_day_ignores_later_payments(org):
    contract = _contract(org, "r1", "A-2", "1000 2026-05-01")
    payment_record(actor=org["r1"], account=contract.account, amount="400.00", received_on=AS_OF)
    before = aging(org["r1"], as_of=AS_OF - datetime.timedelta(days=1))
    after = aging(org["r1"], as_of=AS_OF)
    assert before.totals.total == D("1000.00")
    assert after.totals.total == D("600.00")
    assert after.dso == D("54.0")  # 600 owed / 1000 fell due in 90 days × 90


def test_aging_groups_by_rep_team_and_follows_the_book(org):
    _contract(org, "r1", "A-3", "100 2026-06-01")
    _contract(org, "r2", "A-4", "200 2026-06-01")
    _contract(org, "r3", "A-5", "400 2026-06-01")
    by_rep = aging(org["m1"], group_by="rep", as_of=AS_OF)
    assert [(r.label, r.total) for r in by_rep.rows] == [
        ("r1", D("100.00")),
        ("r2", D("200.00")),
    ]
    by_team = aging(org["admin"], group_by="team", as_of=AS_OF)
    assert [(r.label, r.total) for r in by_team.rows] == [
        ("North", D("300.00")),
        ("South", D("400.00")),
    ]
    assert aging(org["r3"], group_by="tier", as_of=AS_OF).totals.total == D("400.00")


amounts = st.lists(st.integers(min_value=1, max_value=50_000), min_size=1, max_size=6)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payments=amounts, data=st.data())
def test_payments_in_any_order_give_the_same_balances(org, payments, data):
    """Whatever the order payments arrive in, each entry ends with the same balance; the
    buckets always add up to the outstanding total."""
    from django.db import transaction

    total_plan = sum(payments) + 5_000
    order = data.draw(st.permutations(list(range(len(payments)))))
    results = []
    for run, sequence in enumerate((list(range(len(payments))), order)):
        sid = transaction.savepoint()
        contract = _contract(
            org,
            "r1",
            f"P-{run}",
            f"{D(total_plan) / 400:.2f} 2026-03-01; {D(total_plan) / 4:.2f} 2026-05-15;"
            f" {D(total_plan) / 2:.2f} 2026-06-20; {D(total_plan) / 8:.2f} delivery +10",
            amount=f"{total_plan:.2f}",
        )
        for index in sequence:
            payment_record(
                actor=org["r1"],
                account=contract.account,
                amount=D(payments[index]) / 100,
                received_on=AS_OF,
            )
        rows = entries_with_balance(
            PlanEntry.objects.filter(contract=contract).order_by("position")
        )
        results.append([(e.position, e.outstanding) for e in rows])
        result = aging(org["r1"], as_of=AS_OF)
        assert sum(result.totals.buckets[k] for k in BUCKET_KEYS) == result.totals.total
        assert result.totals.total == sum(o for _p, o in results[-1])
        transaction.savepoint_rollback(sid)
    assert results[0] == results[1]
