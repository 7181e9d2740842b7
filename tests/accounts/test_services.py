"""Account, contact and order services: scope checks, validation, and nothing written on failure."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Account, Contact, Order
from crm.models import AuditEntry
from tests.factories import AccountFactory, ContactFactory, OrderFactory

pytestmark = pytest.mark.django_db
VALID_USCC = "91350100M000100Y43"


def test_create_sets_normalized_name_owner_and_audit(org):
    account = services.account_create(
        actor=org["r1"], data={"name": "上海华信机械有限公司", "uscc": VALID_USCC.lower()}
    )
    assert account.owner == org["r1"]
    assert account.normalized_name == "上海华信机械"
    assert account.uscc == VALID_USCC
    entry = AuditEntry.objects.get(model="accounts.Account", object_id=str(account.pk))
    assert entry.action == "create" and entry.actor == org["r1"]
    assert entry.changes["phone"] == ["***", "***"]


def test_blank_codes_are_stored_as_null_so_uniqueness_ignores_them(org):
    a = services.account_create(
        actor=org["r1"], data={"name": "A", "uscc": "", "external_code": ""}
    )
    b = services.account_create(actor=org["r1"], data={"name": "B", "uscc": " "})
    assert a.uscc is None and b.uscc is None and a.external_code is None


def test_duplicate_uscc_is_rejected_and_nothing_written(org):
    services.account_create(actor=org["r1"], data={"name": "First", "uscc": VALID_USCC})
    before = Account.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.account_create(actor=org["r2"], data={"name": "Second", "uscc": VALID_USCC})
    assert "unified social credit code" in str(exc.value)
    assert Account.objects.count() == before


def test_invalid_uscc_is_rejected(org):
    with pytest.raises(ValidationError) as exc:
        services.account_create(actor=org["r1"], data={"name": "X", "uscc": "123"})
    assert "uscc" in exc.value.error_dict
    assert not Account.objects.filter(name="X").exists()


def test_rep_cannot_give_an_account_to_another_rep(org):
    account = org["accounts"]["r1"]
    with pytest.raises(ValidationError):
        services.account_update(actor=org["r1"], account=account, data={"owner": org["r2"]})
    account.refresh_from_db()
    assert account.owner == org["r1"]


def test_rep_cannot_create_for_someone_else(org):
    with pytest.raises(ValidationError):
        services.account_create(actor=org["r1"], data={"name": "Steal", "owner": org["r3"]})
    assert not Account.objects.filter(name="Steal").exists()


def test_rep_cannot_update_another_reps_account(org):
    account = org["accounts"]["r3"]
    with pytest.raises(ValidationError):
        services.account_update(actor=org["r1"], account=account, data={"owner": org["r1"]})
    account.refresh_from_db()
    assert account.owner == org["r3"]


def test_manager_reassigns_within_team_but_not_outside(org):
    account = org["accounts"]["r1"]
    services.account_update(actor=org["m1"], account=account, data={"owner": org["r2"]})
    account.refresh_from_db()
    assert account.owner == org["r2"]
    with pytest.raises(ValidationError):
        services.account_update(actor=org["m1"], account=account, data={"owner": org["r3"]})
    account.refresh_from_db()
    assert account.owner == org["r2"]


def test_admin_can_assign_to_anyone(org):
    account = org["accounts"]["r1"]
    services.account_update(actor=org["admin"], account=account, data={"owner": org["r4"]})
    account.refresh_from_db()
    assert account.owner == org["r4"]


def test_lifecycle_change_is_stamped(org):
    account = AccountFactory(owner=org["r1"], lifecycle=Account.Lifecycle.POTENTIAL)
    assert account.lifecycle_changed_at is None
    services.account_set_lifecycle(
        actor=org["r1"], account=account, lifecycle=Account.Lifecycle.EXISTING
    )
    account.refresh_from_db()
    assert account.lifecycle == "existing" and account.lifecycle_changed_at is not None


def test_unknown_field_is_refused(org):
    with pytest.raises(ValidationError):
        services.account_update(actor=org["r1"], account=org["accounts"]["r1"], data={"tier": "A"})
    assert org["accounts"]["r1"].tier == ""


def test_rep_cannot_delete_other_reps_account_even_via_service(org):
    with pytest.raises(ValidationError):
        services.account_delete(actor=org["r1"], account=org["accounts"]["r3"])
    assert Account.objects.filter(pk=org["accounts"]["r3"].pk).exists()


def test_rep_delete_of_own_account_removes_contacts_and_orders(org):
    account = org["accounts"]["r1"]
    ContactFactory(account=account)
    OrderFactory(account=account)
    services.account_delete(actor=org["r1"], account=account)
    assert not Contact.objects.filter(account_id=account.pk).exists()
    assert not Order.objects.filter(account_id=account.pk).exists()


def test_manager_can_delete_but_a_rep_cannot_delete_a_manager_owned_one(org):
    owned_by_manager = AccountFactory(owner=org["m1"])
    with pytest.raises(ValidationError):
        services.account_delete(actor=org["r1"], account=owned_by_manager)
    assert Account.objects.filter(pk=owned_by_manager.pk).exists()
    services.account_delete(actor=org["m1"], account=org["accounts"]["r2"])
    assert not Account.objects.filter(pk=org["accounts"]["r2"].pk).exists()


def test_contact_cannot_be_moved_to_an_invisible_account(org):
    contact = ContactFactory(account=org["accounts"]["r1"])
    with pytest.raises(ValidationError):
        services.contact_update(
            actor=org["r1"], contact=contact, data={"account": org["accounts"]["r3"]}
        )
    contact.refresh_from_db()
    assert contact.account == org["accounts"]["r1"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"birthday_month": 2, "birthday_day": 30}, "birthday_day"),
        ({"birthday_month": 2}, "birthday_day"),
        ({"birthday_month": 2, "birthday_day": 29, "birthday_year": 2023}, "birthday_day"),
        ({"birthday_year": 1980}, "birthday_year"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_contact_validation(org, data, field):
    with pytest.raises(ValidationError) as exc:
        services.contact_create(
            actor=org["r1"], data={"account": org["accounts"]["r1"], "name": "Li", **data}
        )
    assert field in exc.value.error_dict
    assert not Contact.objects.exists()


def test_feb_29_birthday_without_year_is_valid(org):
    contact = services.contact_create(
        actor=org["r1"],
        data={
            "account": org["accounts"]["r1"],
            "name": "Li",
            "birthday_month": 2,
            "birthday_day": 29,
        },
    )
    assert contact.birthday_display == "--02-29"


def test_order_amount_from_quantity_times_unit_price(org):
    order = services.order_create(
        actor=org["r1"],
        data={
            "account": org["accounts"]["r1"],
            "date": datetime.date(2026, 1, 5),
            "amount": None,
            "quantity": Decimal("3"),
            "unit_price": Decimal("19.99"),
        },
    )
    assert order.amount == Decimal("59.97")


def test_negative_order_is_a_return(org):
    order = services.order_create(
        actor=org["r1"],
        data={
            "account": org["accounts"]["r1"],
            "date": datetime.date(2026, 1, 5),
            "amount": Decimal("-10.00"),
        },
    )
    assert order.amount == Decimal("-10.00")


def test_order_on_invisible_account_is_refused(org):
    with pytest.raises(ValidationError):
        services.order_create(
            actor=org["r1"],
            data={
                "account": org["accounts"]["r3"],
                "date": datetime.date(2026, 1, 5),
                "amount": Decimal("10"),
            },
        )
    assert not Order.objects.exists()
