"""Writes of accounts, contacts and orders. Each checks the actor's scope itself, so that no
form, serializer or script can move a record into or out of someone else's book."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Contact, Order
from accounts.normalize import normalize_account_name
from accounts.selectors import accounts_visible_to
from crm.audit import audit_log, diff_fields, snapshot
from crm.selectors import users_assignable_by

ACCOUNT_FIELDS = [
    "name",
    "uscc",
    "external_code",
    "industry",
    "territory",
    "channel",
    "lifecycle",
    "source",
    "owner",
    "address",
    "phone",
    "website",
    "notes",
    "revenue_potential",
]


def _check_owner(actor, owner) -> None:
    if owner is None or not users_assignable_by(actor).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("You cannot assign accounts to this user.")})


def _check_account_visible(actor, account: Account) -> None:
    if account is None or not accounts_visible_to(actor).filter(pk=account.pk).exists():
        raise ValidationError({"account": _("Select an account you can see.")})


def _apply(instance, data: dict[str, Any], fields: list[str]) -> None:
    for field, value in data.items():
        if field not in fields:
            raise ValidationError({field: _("This field cannot be set here.")})
        setattr(instance, field, value)


def _blank_to_none(account: Account) -> None:
    account.uscc = (account.uscc or "").strip().upper() or None
    account.external_code = (account.external_code or "").strip() or None


@transaction.atomic
def account_create(*, actor, data: dict[str, Any]) -> Account:
    data = {"owner": actor, **data}
    account = Account()
    _apply(account, data, ACCOUNT_FIELDS)
    _check_owner(actor, account.owner)
    _blank_to_none(account)
    account.normalized_name = normalize_account_name(account.name)
    if account.lifecycle == Account.Lifecycle.EXISTING:
        account.lifecycle_changed_at = timezone.now()
    account.full_clean()
    account.save()
    audit_log(
        actor=actor,
        action="create",
        instance=account,
        account_id=account.pk,
        changes=diff_fields({}, snapshot(account, ACCOUNT_FIELDS)),
    )
    return account


@transaction.atomic
def account_update(*, actor, account: Account, data: dict[str, Any]) -> Account:
    _check_account_visible(actor, account)
    account = Account.objects.select_for_update().get(pk=account.pk)
    before = snapshot(account, ACCOUNT_FIELDS)
    old_lifecycle = account.lifecycle
    _apply(account, data, ACCOUNT_FIELDS)
    _check_owner(actor, account.owner)
    _blank_to_none(account)
    account.normalized_name = normalize_account_name(account.name)
    if account.lifecycle != old_lifecycle:
        account.lifecycle_changed_at = timezone.now()
    account.full_clean()
    account.save()
    audit_log(
        actor=actor,
        action="update",
        instance=account,
        account_id=account.pk,
        changes=diff_fields(before, snapshot(account, ACCOUNT_FIELDS)),
    )
    return account


@transaction.atomic
def account_set_lifecycle(*, actor, account: Account, lifecycle: str) -> Account:
    """Turn an account existing or potential, stamping the date (e.g. a prospect won)."""
    return account_update(actor=actor, account=account, data={"lifecycle": lifecycle})


@transaction.atomic
def account_delete(*, actor, account: Account) -> None:
    _check_account_visible(actor, account)
    if not actor.can_manage and account.owner_id != actor.pk:
        raise PermissionDenied
    audit_log(actor=actor, action="delete", instance=account, account_id=account.pk)
    account.delete()


CONTACT_FIELDS = [
    "account",
    "name",
    "title",
    "role",
    "phone",
    "email",
    "chat_handle",
    "birthday_month",
    "birthday_day",
    "birthday_year",
    "interests",
    "notes",
]


@transaction.atomic
def contact_create(*, actor, data: dict[str, Any]) -> Contact:
    contact = Contact()
    _apply(contact, data, CONTACT_FIELDS)
    _check_account_visible(actor, contact.account)
    contact.full_clean()
    contact.save()
    audit_log(
        actor=actor,
        action="create",
        instance=contact,
        account_id=contact.account_id,
        changes=diff_fields({}, snapshot(contact, CONTACT_FIELDS)),
    )
    return contact


@transaction.atomic
def contact_update(*, actor, contact: Contact, data: dict[str, Any]) -> Contact:
    _check_account_visible(actor, contact.account)
    before = snapshot(contact, CONTACT_FIELDS)
    _apply(contact, data, CONTACT_FIELDS)
    _check_account_visible(actor, contact.account)
    contact.full_clean()
    contact.save()
    audit_log(
        actor=actor,
        action="update",
        instance=contact,
        account_id=contact.account_id,
        changes=diff_fields(before, snapshot(contact, CONTACT_FIELDS)),
    )
    return contact


@transaction.atomic
def contact_delete(*, actor, contact: Contact) -> None:
    _check_account_visible(actor, contact.account)
    audit_log(actor=actor, action="delete", instance=contact, account_id=contact.account_id)
    contact.delete()


ORDER_FIELDS = [
    "account",
    "date",
    "amount",
    "invoice_number",
    "product",
    "quantity",
    "unit_price",
    "profit",
]


def _fill_amount(order: Order) -> None:
    """An order line may give quantity × unit price instead of the amount."""
    if order.amount is None and order.quantity is not None and order.unit_price is not None:
        order.amount = round(order.quantity * order.unit_price, 2)


@transaction.atomic
def order_create(*, actor, data: dict[str, Any]) -> Order:
    order = Order()
    _apply(order, data, ORDER_FIELDS)
    _fill_amount(order)
    _check_account_visible(actor, order.account)
    order.full_clean()
    order.save()
    audit_log(
        actor=actor,
        action="create",
        instance=order,
        account_id=order.account_id,
        changes=diff_fields({}, snapshot(order, ORDER_FIELDS)),
    )
    return order


@transaction.atomic
def order_update(*, actor, order: Order, data: dict[str, Any]) -> Order:
    _check_account_visible(actor, order.account)
    before = snapshot(order, ORDER_FIELDS)
    _apply(order, data, ORDER_FIELDS)
    _fill_amount(order)
    _check_account_visible(actor, order.account)
    order.full_clean()
    order.save()
    audit_log(
        actor=actor,
        action="update",
        instance=order,
        account_id=order.account_id,
        changes=diff_fields(before, snapshot(order, ORDER_FIELDS)),
    )
    return order


@transaction.atomic
def order_delete(*, actor, order: Order) -> None:
    _check_account_visible(actor, order.account)
    audit_log(actor=actor, action="delete", instance=order, account_id=order.account_id)
    order.delete()
