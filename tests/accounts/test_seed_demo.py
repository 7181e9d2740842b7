"""seed_demo on PostgreSQL: the shape of the demo data (COPY path) and --if-empty."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum

from accounts.models import Account, Contact, Order
from crm.models import Team, User

pytestmark = pytest.mark.django_db


def _foreign_keys() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid::regclass::text LIKE 'accounts_%%' ORDER BY 1, 2"
        )
        return cursor.fetchall()


def test_seed_demo_loads_a_realistic_book():
    keys = _foreign_keys()
    out = io.StringIO()
    call_command("seed_demo", "--accounts", "600", "--seed", "7", stdout=out)
    # The foreign keys taken off for the bulk load are all back, unchanged.
    assert _foreign_keys() == keys and len(keys) >= 4
    assert "Loaded 600 accounts" in out.getvalue()
    assert set(User.objects.values_list("username", flat=True)) >= {"admin", "manager", "rep"}
    assert User.objects.get(username="admin").is_admin
    assert Team.objects.get(name="Team 1").manager.username == "manager"
    assert Account.objects.count() == 600
    per_account = Contact.objects.values("account").annotate(n=Count("id"))
    assert {row["n"] for row in per_account} <= {1, 2, 3, 4, 5}
    assert per_account.count() == 600
    assert Contact.objects.filter(role="decision_maker").count() >= 600
    # Orders only for existing customers; revenue Pareto-shaped: the top 20% of accounts bring
    # well over half of it.
    assert not Order.objects.filter(account__lifecycle="potential").exists()
    revenue = sorted(
        (r["total"] for r in Order.objects.values("account").annotate(total=Sum("amount"))),
        reverse=True,
    )
    top = sum(revenue[: len(revenue) // 5])
    assert top / sum(revenue) > Decimal("0.5")
    names = list(Account.objects.values_list("name", flat=True))
    assert any("有限公司" in n for n in names) and any("Ltd." in n or "Inc." in n for n in names)
    created = list(Account.objects.order_by("id").values_list("created_at", flat=True))
    assert created == sorted(created) and created[0] < created[-1]
    again = io.StringIO()
    call_command("seed_demo", "--if-empty", "--accounts", "5", stdout=again)
    assert "Accounts exist; demo data not loaded." in again.getvalue()
    assert Account.objects.count() == 600
