"""Accounts, contacts and order lines point back to the batch that created them, with no
FOREIGN KEY in the database (its check per row slows big imports): undo still finds them
through the index, deleting a batch still nulls the links (Django's SET_NULL), and a running
batch cannot be deleted from the admin."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Contact, Order
from imports.models import ImportBatch
from tests.imports.conftest import run_import, run_undo, write_csv

pytestmark = pytest.mark.django_db
LINKS = [(Account, "accounts_account"), (Contact, "accounts_contact"), (Order, "accounts_order")]


@pytest.fixture
def imported(tmp_path, admin):
    customers = write_csv(
        tmp_path / "c.csv",
        [["客户名称", "客户编号", "联系人", "手机"], ["甲公司", "K1", "王伟", "13800000001"]],
    )
    orders = write_csv(
        tmp_path / "o.csv", [["客户编号", "日期", "金额"], ["K1", "2024-03-31", "100"]]
    )
    first = run_import(customers, actor=admin)
    second = run_import(orders, actor=admin, kind="orders")
    assert (first.status, second.status) == ("done", "done"), (first.message, second.message)
    return {"customers": first, "orders": second}


def test_the_links_have_an_index_but_no_database_constraint():
    with connection.cursor() as cursor:
        for _model, table in LINKS:
            constraints = connection.introspection.get_constraints(cursor, table)
            on_column = [c for c in constraints.values() if c["columns"] == ["import_batch_id"]]
            assert [c["foreign_key"] for c in on_column if c["foreign_key"]] == [], table
            assert any(c["index"] for c in on_column), table


def test_deleting_a_batch_keeps_its_rows_and_nulls_their_links(imported):
    customers, orders = imported["customers"], imported["orders"]
    account = Account.objects.get(import_batch=customers)
    customers.delete()
    orders.delete()
    account.refresh_from_db()
    assert account.import_batch_id is None
    assert list(Contact.objects.values_list("name", "import_batch_id")) == [("王伟", None)]
    assert list(Order.objects.values_list("account_id", "import_batch_id")) == [(account.pk, None)]


def test_undo_without_the_constraint_removes_exactly_the_batch_rows(imported, admin):
    run_undo(imported["orders"], actor=admin)
    assert not Order.objects.exists()
    assert Account.objects.filter(import_batch=imported["customers"]).count() == 1
    run_undo(imported["customers"], actor=admin)
    assert not Account.objects.exists() and not Contact.objects.exists()


def test_the_admin_does_not_delete_a_running_batch(client, imported, admin, settings):
    settings.CRM_IMPORT_STALE_SECONDS = 600
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    batch = imported["customers"]
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING, phase="writing", heartbeat_at=timezone.now()
    )
    url = reverse("admin:imports_importbatch_delete", args=[batch.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:imports_importbatch_changelist"),
        {"action": "delete_selected", "_selected_action": [batch.pk], "post": "yes"},
    )
    assert bulk.status_code == 403
    assert ImportBatch.objects.filter(pk=batch.pk).exists()
    # Once its process is known dead (stale), or the batch is done, it may go.
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not ImportBatch.objects.filter(pk=batch.pk).exists()
    assert Account.objects.get().import_batch_id is None
