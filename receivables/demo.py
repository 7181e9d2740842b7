"""Demo rows of the receivables app for `seed_demo`: about one account in twenty (at most 300)
has a contract signed in the last year, with a 30/60/10 plan (on signing, 30 days after
delivery, 90 days after acceptance); most have paid the signing instalment, some part of the
delivery one, a few are late, so the aging page has every bucket on the first day. Small and
fast: a few bulk inserts."""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Account
from receivables.models import Contract, Payment, PaymentAllocation, PlanEntry

SHARE = 0.05
LIMIT = 300
PLAN = [
    ("签约款 30%", Decimal(30), PlanEntry.Event.SIGNING, 0),
    ("到货款 60%", Decimal(60), PlanEntry.Event.DELIVERY, 30),
    ("验收款 10%", Decimal(10), PlanEntry.Event.ACCEPTANCE, 90),
]
CENT = Decimal("0.01")


def seed(*, rng, account_ids, options, stdout) -> None:
    chosen = [aid for aid in account_ids if rng.random() < SHARE][:LIMIT]
    if not chosen:
        return
    today = timezone.localdate()
    owner_of = dict(Account.objects.filter(pk__in=chosen).values_list("pk", "owner_id").order_by())
    contracts = []
    for aid in chosen:
        signed = today - datetime.timedelta(days=rng.randint(10, 360))
        delivered = signed + datetime.timedelta(days=rng.randint(15, 60))
        accepted = delivered + datetime.timedelta(days=rng.randint(15, 90))
        contracts.append(
            Contract(
                account_id=aid,
                number=f"HT-{today.year}-{aid:06d}",
                title="年度采购合同",
                signed_on=signed,
                delivered_on=delivered if delivered <= today else None,
                accepted_on=accepted if accepted <= today else None,
                amount=Decimal(rng.randint(50, 5000) * 1000),
                owner_id=owner_of[aid],
                status=Contract.Status.ACTIVE,
            )
        )
    Contract.objects.bulk_create(contracts)
    entries = [
        PlanEntry(
            contract=c,
            position=i,
            label=label,
            percent=percent,
            amount=(c.amount * percent / 100).quantize(CENT),
            event=event,
            days_after=days,
        )
        for c in contracts
        for i, (label, percent, event, days) in enumerate(PLAN, start=1)
    ]
    PlanEntry.objects.bulk_create(entries)
    payments, parts = [], []
    for c, first in zip(contracts, entries[::3], strict=True):
        if rng.random() < 0.8:
            paid_on = min(c.signed_on + datetime.timedelta(days=rng.randint(0, 40)), today)
            payments.append(
                Payment(
                    account_id=c.account_id, contract=c, received_on=paid_on, amount=first.amount
                )
            )
            parts.append(first)
    Payment.objects.bulk_create(payments)
    PaymentAllocation.objects.bulk_create(
        PaymentAllocation(payment=p, entry=e, amount=p.amount)
        for p, e in zip(payments, parts, strict=True)
    )
    stdout.write(f"  receivables: {len(contracts)} contracts, {len(payments)} payments")
