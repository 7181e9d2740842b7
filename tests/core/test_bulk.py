"""core.bulk.copy_rows: what goes in comes out, whatever the characters; ids move on."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Account, Order
from core.bulk import copy_rows
from core.models import PendingTask
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db
AWKWARD = ["tab\there", "new\nline", "back\\slash", "cr\rhere", r"\N literally", "全角（注）"]


def test_copy_rows_round_trips_awkward_text_and_nulls(org):
    owner = UserFactory(username="bulk-owner")
    now = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    rows = [
        (
            1000 + i,
            name,
            name.lower(),
            None,
            "",
            "direct",
            "existing",
            "other",
            owner.pk,
            "",
            "",
            "",
            f"note {name}",
            "",
            now,
            now,
        )
        for i, name in enumerate(AWKWARD)
    ]
    columns = ["id", "name", "normalized_name", "uscc", "industry", "channel", "lifecycle",
               "source", "owner_id", "address", "phone", "website", "notes", "tier",
               "created_at", "updated_at"]  # fmt: skip
    copy_rows(Account, columns, iter(rows))
    got = list(Account.objects.filter(owner=owner).order_by("id").values_list("id", "name", "uscc"))
    assert got == [(1000 + i, name, None) for i, name in enumerate(AWKWARD)]
    # The id sequence moved past the copied ids: the next ordinary insert does not collide.
    fresh = AccountFactory(name="After", owner=owner)
    assert fresh.pk > 1000 + len(AWKWARD) - 1


def test_copy_rows_takes_python_values_and_json(org):
    account = org["accounts"]["r1"]
    copy_rows(
        Order,
        ["account_id", "date", "amount", "invoice_number", "product", "created_at"],
        [(account.pk, datetime.date(2026, 3, 1), Decimal("-12.50"), "", "备件", "2026-03-01")],
    )
    order = Order.objects.get(account=account)
    assert (order.date, order.amount, order.product) == (
        datetime.date(2026, 3, 1),
        Decimal("-12.50"),
        "备件",
    )
    copy_rows(
        PendingTask,
        ["task_name", "args", "kwargs", "created_at", "attempts"],
        [("a.task", [1, "两"], {"k": None}, "2026-01-01 00:00:00+00", 0)],
    )
    task = PendingTask.objects.get(task_name="a.task")
    assert (task.args, task.kwargs) == ([1, "两"], {"k": None})
