"""`Account.last_visit_date`: the date of the account's latest visit, kept by every path that
writes or deletes visits (the services, the admin, the demo seed) and backfilled by the
migration; a refused write leaves it as it was."""

import datetime as dt
import importlib
import io

import pytest
from django.contrib import admin as django_admin
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import Max
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from tests.factories import AccountFactory, VisitFactory
from visits.admin import VisitAdmin
from visits.models import Visit
from visits.services import (
    accounts_last_visit_refresh,
    visit_create,
    visit_delete,
    visit_update,
)

D = dt.date
pytestmark = pytest.mark.django_db


def _last(account: Account) -> dt.date | None:
    account.refresh_from_db(fields=["last_visit_date"])
    return account.last_visit_date


def _truth() -> dict[int, dt.date | None]:
    """Every account's latest visit date, computed from the visits."""
    latest = dict(
        Visit.objects.values("account_id")
        .annotate(latest=Max("visit_date"))
        .values_list("account_id", "latest")
    )
    return {pk: latest.get(pk) for pk in Account.objects.values_list("pk", flat=True)}


def _stored() -> dict[int, dt.date | None]:
    return dict(Account.objects.values_list("pk", "last_visit_date"))


def test_the_services_keep_the_latest_visit_date(org):
    r1 = org["r1"]
    account = org["accounts"]["r1"]
    other = AccountFactory(owner=r1, name="r1 second")
    assert _last(account) is None
    first = visit_create(actor=r1, data={"account": account, "visit_date": D(2026, 3, 2)})
    assert _last(account) == D(2026, 3, 2)
    # An older visit logged later does not move it back.
    older = visit_create(actor=r1, data={"account": account, "visit_date": D(2026, 1, 10)})
    assert _last(account) == D(2026, 3, 2)
    # The latest visit's date edited earlier: the date follows it.
    visit_update(actor=r1, visit=first, data={"visit_date": D(2025, 12, 1)})
    assert _last(account) == D(2026, 1, 10)
    # A visit moved to another account: both accounts follow.
    visit_update(actor=r1, visit=older, data={"account": other})
    assert (_last(account), _last(other)) == (D(2025, 12, 1), D(2026, 1, 10))
    # Deleted: the one before, or none left.
    visit_delete(actor=r1, visit=Visit.objects.get(pk=first.pk))
    assert _last(account) is None
    visit_delete(actor=r1, visit=Visit.objects.get(pk=older.pk))
    assert _last(other) is None
    assert _stored() == _truth()


def test_a_refused_visit_leaves_the_date_as_it_was(org):
    r1 = org["r1"]
    account = org["accounts"]["r1"]
    visit_create(actor=r1, data={"account": account, "visit_date": D(2026, 3, 2)})
    # Refused after the visit was saved (the next visit before this one): all rolled back.
    with pytest.raises(ValidationError):
        visit_create(
            actor=r1,
            data={"account": account, "visit_date": D(2026, 5, 1)},
            next_visit_date=D(2026, 4, 1),
        )
    assert _last(account) == D(2026, 3, 2)
    # Outside the book: neither the visit nor the date.
    with pytest.raises(ValidationError):
        visit_create(actor=r1, data={"account": org["accounts"]["r3"], "visit_date": D(2026, 6, 1)})
    assert _last(org["accounts"]["r3"]) is None
    assert _stored() == _truth()


def test_the_refresh_is_one_statement_for_many_accounts_and_skips_unchanged_ones(org):
    accounts = [AccountFactory(owner=org["r1"]) for _ in range(5)]
    for i, account in enumerate(accounts):
        VisitFactory(account=account, visit_date=D(2026, 2, 1 + i))
    Account.objects.filter(pk__in=[a.pk for a in accounts[:3]]).update(last_visit_date=None)
    with CaptureQueriesContext(connection) as ctx:
        changed = accounts_last_visit_refresh(account_ids=[a.pk for a in accounts] * 2)
    assert (changed, len(ctx.captured_queries)) == (3, 1)
    assert _stored() == _truth()
    assert accounts_last_visit_refresh(account_ids=[]) == 0


def test_the_admin_keeps_it_too(org):
    account, other = org["accounts"]["r1"], org["accounts"]["r2"]
    site_admin = VisitAdmin(Visit, django_admin.site)
    request = RequestFactory().post("/")
    request.user = org["admin"]
    visit = Visit(account=account, visit_date=D(2026, 4, 1), duration_minutes=30)
    site_admin.save_model(request, visit, form=None, change=False)
    assert _last(account) == D(2026, 4, 1)
    visit.account = other
    site_admin.save_model(request, visit, form=None, change=True)
    assert (_last(account), _last(other)) == (None, D(2026, 4, 1))
    site_admin.delete_model(request, visit)
    assert _last(other) is None
    VisitFactory(account=account, visit_date=D(2026, 4, 2))
    VisitFactory(account=other, visit_date=D(2026, 4, 3))
    site_admin.delete_queryset(request, Visit.objects.all())
    assert (_last(account), _last(other)) == (None, None)
    assert _stored() == _truth()


def test_the_migration_backfills_every_account_from_its_visits(org):
    for i, account in enumerate(org["accounts"].values()):
        for day in range(i):  # 0, 1, 2, 3 visits
            VisitFactory(account=account, visit_date=D(2026, 1, 1) + dt.timedelta(days=day * 9))
    Account.objects.update(last_visit_date=None)
    migration = importlib.import_module("visits.migrations.0005_account_last_visit_backfill")
    with connection.cursor() as cursor:
        for statement in migration.FORWARD:
            cursor.execute(statement)
    assert _stored() == _truth()
    assert sum(1 for d in _stored().values() if d is not None) == 3


def test_the_demo_seed_sets_it(db):
    out = io.StringIO()
    call_command("seed_demo", "--accounts", "30", "--orders-per-account", "1", stdout=out)
    truth = _truth()
    assert any(truth.values())
    assert _stored() == truth
