"""Demo rows of the commitments app for `seed_demo`: about one account in six has a promise
its rep made (a quote, samples, a technical answer), due from a few days ago to two weeks
ahead, a fifth of them done; so Today, the digest and the calendar feed show some on the first
day. Written with COPY (core.bulk.copy_rows)."""

import datetime

from django.utils import timezone

from accounts.models import Account
from commitments.models import Commitment
from core.bulk import copy_rows

PROMISES = [
    "寄送样品",
    "发送报价单",
    "回复技术问题",
    "提供案例资料",
    "安排工厂参观",
    "确认交货期",
    "Send the revised quote",
    "Answer the payment-terms question",
]


def seed(*, rng, account_ids, options, stdout) -> None:
    if not account_ids:
        return
    today = timezone.localdate()
    now = timezone.now()
    owner_of = dict(
        Account.objects.filter(pk__in=list(account_ids)).values_list("pk", "owner_id").order_by()
    )
    count = 0

    def rows():
        nonlocal count
        for aid in account_ids:
            if rng.random() >= 1 / 6:
                continue
            count += 1
            due = today + datetime.timedelta(days=rng.randint(-5, 14))
            done = due < today and rng.random() < 0.2
            yield (
                aid,
                rng.choice(PROMISES),
                "",
                due.isoformat(),
                rng.choice([None, "10:00", "16:00"]),
                owner_of[aid],
                owner_of[aid],
                Commitment.Status.DONE if done else Commitment.Status.OPEN,
                now.isoformat() if done else None,
                Commitment.Source.MANUAL,
                now.isoformat(),
                now.isoformat(),
            )

    copy_rows(
        Commitment,
        [
            "account_id",
            "title",
            "notes",
            "due_date",
            "due_time",
            "owner_id",
            "requested_by_id",
            "status",
            "done_at",
            "source",
            "created_at",
            "updated_at",
        ],
        rows(),
    )
    stdout.write(f"Commitments demo: {count} commitments.")
