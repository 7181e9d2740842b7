"""seed_demo on PostgreSQL: the shape of the demo data (COPY path) and --if-empty."""

import io
import os
import secrets
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.db.models import Count, Sum

from accounts.models import Account, Contact, Order
from config.settings.base import database_url_for
from crm.models import Team, User

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


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


def _seed_demo_process(settings_module: str, *args: str) -> subprocess.CompletedProcess:
    """`manage.py seed_demo` in its own process under `settings_module`, on the test database."""
    url = database_url_for(connection.settings_dict)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CRM_"))}
    return subprocess.run(
        [sys.executable, "manage.py", "seed_demo", *args],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": url,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)
def test_seed_demo_refuses_production_settings_unless_told():
    """The demo users have a published password: under production settings seed_demo stops
    with a one-line error and writes nothing, unless --i-know-this-is-production is given."""
    refused = _seed_demo_process("config.settings.production", "--accounts", "5")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "CommandError: Refusing to load demo data under production settings: it creates the "
        "users admin, manager and rep with the published password crm-demo-2026. Pass "
        "--i-know-this-is-production to load it anyway."
    ]
    assert (User.objects.count(), Account.objects.count()) == (0, 0)

    told = _seed_demo_process(
        "config.settings.production", "--accounts", "5", "--i-know-this-is-production"
    )
    assert told.returncode == 0, told.stderr
    assert "Loaded 5 accounts" in told.stdout
    assert User.objects.get(username="admin").is_admin

    # `make run`'s settings are not production: no flag needed (here the accounts exist)
    local = _seed_demo_process("config.settings.local", "--if-empty", "--accounts", "5")
    assert local.returncode == 0, local.stderr
    assert "Accounts exist; demo data not loaded." in local.stdout


def test_seed_demo_tells_the_truth():
    """The demo book is shaped like a real one (issue 17): Pareto revenue without a giant,
    every rep with A, B and C customers, a month of plausible movers, and reminders on day one."""
    from scoring.models import TierRun, TierSnapshot
    from visits.selectors import reminder_count

    call_command("seed_demo", "--accounts", "400", "--seed", "3", stdout=io.StringIO())
    previous, latest = TierRun.objects.order_by("id")
    assert (previous.status, latest.status) == ("succeeded", "succeeded")
    assert (latest.as_of - previous.as_of).days == 30
    assert latest.previous_run_id == previous.pk
    revenue = sorted(
        TierSnapshot.objects.filter(run=latest, revenue__gt=0).values_list("revenue", flat=True),
        reverse=True,
    )
    total = sum(revenue)
    assert len(revenue) >= 300
    top = sum(revenue[: len(revenue) // 5])
    assert Decimal("0.75") <= top / total <= Decimal("0.85")
    assert revenue[0] / total <= Decimal("0.05")
    reps = list(User.objects.filter(role=User.Role.REP))
    assert "rep" in {u.username for u in reps} and len(reps) == 4
    for rep in reps:
        tiers = dict(
            Account.objects.filter(owner=rep)
            .values_list("tier")
            .annotate(n=Count("id"))
            .values_list("tier", "n")
        )
        assert min(tiers.get("A", 0), tiers.get("B", 0), tiers.get("C", 0)) >= 1, rep.username
    moved = TierSnapshot.objects.filter(run=latest).exclude(movement=0).count()
    assert 0 < moved < 0.2 * Account.objects.count()
    assert reminder_count(User.objects.get(username="rep")) > 0


def test_seed_demo_places_accounts_and_gives_reps_commitments():
    """The sales map and Today are not empty on the first day: most demo accounts have a place
    near their rep's city (WGS-84, in range), and some reps have open commitments, some due."""
    from commitments.models import Commitment

    call_command("seed_demo", "--accounts", "400", "--seed", "3", stdout=io.StringIO())
    placed = Account.objects.filter(latitude__isnull=False)
    assert 0.75 * 400 < placed.count() < 400
    assert not placed.exclude(location_source=Account.LocationSource.IMPORT).exists()
    assert not placed.filter(latitude__lt=18).exists()  # China's south coast and north of it
    assert not Account.objects.filter(latitude__isnull=True).exclude(location_source="").exists()
    commitments = Commitment.objects.all()
    assert 30 < commitments.count() < 110
    assert commitments.filter(status=Commitment.Status.OPEN).exists()
    assert not commitments.exclude(owner_id=models.F("account__owner_id")).exists()
