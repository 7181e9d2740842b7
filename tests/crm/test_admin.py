"""The Django admin: every model of ours is registered, and its pages open for an admin."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from core.models import AuditEntry
from tests.factories import AccountFactory, ContactFactory, OrderFactory

pytestmark = pytest.mark.django_db
OUR_APPS = {"core", "crm", "accounts", "imports", "prospects", "visits", "scoring"}


def _our_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and not model._meta.abstract
    ]


def test_every_model_of_ours_is_registered():
    missing = [m._meta.label for m in _our_models() if not admin.site.is_registered(m)]
    assert missing == []


def test_admin_pages_open_for_every_registered_model(client, org):
    superuser = org["admin"]
    superuser.is_staff = True
    superuser.is_superuser = True
    superuser.save()
    account = AccountFactory(owner=org["r1"])
    ContactFactory(account=account)
    OrderFactory(account=account)
    from accounts import services

    services.account_update(actor=org["r1"], account=account, data={"phone": "1"})  # audit
    client.force_login(superuser)
    for model in _our_models():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        changelist = client.get(reverse(f"{prefix}_changelist"))
        assert changelist.status_code == 200, model._meta.label
        obj = model.objects.first()
        if obj is not None:
            change = client.get(reverse(f"{prefix}_change", args=[obj.pk]))
            assert change.status_code == 200, model._meta.label


def test_audit_trail_is_read_only_in_the_admin(client, org):
    from accounts import services

    superuser = org["admin"]
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    account = services.account_create(actor=org["r1"], data={"name": "Audited"})
    entry = AuditEntry.objects.get(object_id=str(account.pk), model="accounts.Account")
    client.force_login(superuser)
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    delete = client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_rep_cannot_open_the_admin(client, org):
    client.force_login(org["r1"])
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_the_old_admin_addresses_of_the_moved_models_lead_to_core(client, org):
    superuser = org["admin"]
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    old = client.get("/admin/crm/auditentry/?action=update")
    assert (old.status_code, old.url) == (302, "/admin/core/auditentry/?action=update")
    assert client.get(old.url).status_code == 200
    entry = client.get("/admin/crm/pendingtask/12/change/")
    assert (entry.status_code, entry.url) == (302, "/admin/core/pendingtask/12/change/")
    assert client.get("/admin/crm/user/").status_code == 200  # what stays in crm is not redirected
