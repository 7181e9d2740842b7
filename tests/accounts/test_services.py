"""Account, contact and order services: scope checks, validation, and nothing written on failure."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Account, Contact, Order
from core.models import AuditEntry
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
    assert (contact.birthday_month, contact.birthday_day, contact.birthday_year) == (2, 29, None)


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


def test_credit_code_is_stored_half_width_upper_case(org):
    account = services.account_create(
        actor=org["r1"], data={"name": "W", "uscc": " ９１３５０１００ｍ０００１００ｙ４３ "}
    )
    assert account.uscc == VALID_USCC


def test_keeping_an_owner_who_left_is_allowed_but_not_choosing_one(org):
    account = org["accounts"]["r2"]
    org["r2"].is_active = False
    org["r2"].save()
    services.account_update(actor=org["m1"], account=account, data={"phone": "010-1"})
    account.refresh_from_db()
    assert (account.owner, account.phone) == (org["r2"], "010-1")
    other = org["accounts"]["r1"]
    with pytest.raises(ValidationError) as exc:
        services.account_update(actor=org["m1"], account=other, data={"owner": org["r2"]})
    assert exc.value.message_dict == {"owner": ["You cannot assign accounts to this user."]}
    other.refresh_from_db()
    assert other.owner == org["r1"]


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_code_is_a_field_error_not_a_crash(org):
    """Two writers pass full_clean() at once; the unique index decides, and the loser gets a
    validation error on the field. The other writer holds its insert open until ours waits."""
    import threading

    import psycopg
    from django.db import connection

    settings_dict = connection.settings_dict
    other = psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
    )
    owner = org["r2"]
    other.execute(
        "INSERT INTO accounts_account (name, normalized_name, uscc, industry, channel, "
        "lifecycle, source, owner_id, address, phone, website, notes, tier, created_at, "
        "updated_at) VALUES ('First', 'first', %s, '', 'direct', 'potential', 'other', %s, "
        "'', '', '', '', '', now(), now())",
        [VALID_USCC, owner.pk],
    )
    outcome = {}

    def create():
        from django.db import connection as thread_connection

        try:
            services.account_create(actor=org["r1"], data={"name": "Second", "uscc": VALID_USCC})
        except ValidationError as exc:
            outcome["error"] = exc.message_dict
        finally:
            thread_connection.close()

    writer = threading.Thread(target=create)
    writer.start()
    watcher = psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"] or None,
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        autocommit=True,
    )
    try:
        for _ in range(600):  # until our insert waits on the other's unique index entry
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO \"accounts_account\"%%'",
                [settings_dict["NAME"]],
            ).fetchone()[0]
            if waiting or not writer.is_alive():
                break
            threading.Event().wait(0.05)
        other.commit()
        writer.join(timeout=30)
    finally:
        other.close()
        watcher.close()
    assert outcome == {
        "error": {"uscc": ["Another account already has this unified social credit code."]}
    }
    assert list(Account.objects.filter(uscc=VALID_USCC).values_list("name", flat=True)) == ["First"]
