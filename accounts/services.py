"""Writes of accounts, contacts and orders. Each checks the actor's scope itself, so that no
form, serializer or script can move a record into or out of someone else's book."""

import datetime
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import sql
from accounts.filters import AccountFilter
from accounts.models import (
    Account,
    AccountCompetitor,
    AccountTeamMember,
    Competitor,
    Contact,
    Order,
)
from accounts.normalize import clean_uscc, normalize_account_name
from accounts.selectors import (
    account_check_editable,
    account_check_team_manageable,
    account_check_visible,
    accounts_visible_to,
)
from accounts.signals import accounts_reassigned
from core.audit import audit_created, audit_log, diff_fields, snapshot
from crm.models import User
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
    "parent",
]


def _check_owner(actor: User, owner: User | None, *, current_owner_id: int | None = None) -> None:
    """The new owner must be in the actor's scope. Keeping the current owner is always
    allowed (an account the actor can see is in their scope, even if its owner left)."""
    if owner is not None and owner.pk == current_owner_id:
        return
    if owner is None or not users_assignable_by(actor).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("You cannot assign accounts to this user.")})


def _apply(instance: models.Model, data: dict[str, Any], fields: list[str]) -> None:
    for field, value in data.items():
        if field not in fields:
            raise ValidationError({field: _("This field cannot be set here.")})
        setattr(instance, field, value)


def _normalize_codes(account: Account) -> None:
    """Blank codes become NULL (so uniqueness ignores them); a credit code is stored in its
    canonical form (half-width, upper case, no spaces), so that "９１３５…" and "9135…" collide."""
    uscc = (account.uscc or "").strip()
    if uscc:
        try:
            uscc = clean_uscc(uscc)
        except ValidationError as exc:
            raise ValidationError({"uscc": exc.messages}) from exc
    account.uscc = uscc or None
    account.external_code = (account.external_code or "").strip() or None


# Unique constraints of Account and the field each one guards; a concurrent writer that wins
# the race past full_clean() ends here as a field error, never as a server error.
_UNIQUE_FIELDS = {"account_uscc_unique": "uscc", "account_external_code_unique": "external_code"}


def _unique_error(constraint: str) -> ValidationError:
    message = next(
        c.violation_error_message
        for c in Account._meta.constraints
        if getattr(c, "name", None) == constraint
    )
    return ValidationError({_UNIQUE_FIELDS[constraint]: [message]})


def _full_clean_account(account: Account) -> None:
    """full_clean(), with a duplicate code reported on its field (Django reports a conditional
    unique constraint as a form-wide error)."""
    try:
        account.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
        general = errors.pop(NON_FIELD_ERRORS, [])
        for constraint in _UNIQUE_FIELDS:
            message = str(_unique_error(constraint).message_dict[_UNIQUE_FIELDS[constraint]][0])
            if message in general:
                general.remove(message)
                errors.setdefault(_UNIQUE_FIELDS[constraint], []).append(message)
        if general:
            errors[NON_FIELD_ERRORS] = general
        raise ValidationError(errors) from exc


def _save_account(account: Account) -> None:
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        if constraint not in _UNIQUE_FIELDS:
            raise
        raise _unique_error(constraint) from exc


# One transaction-level advisory lock serialises every change of a group tree: two edits that
# each look fine alone (A under B, B under A) cannot both pass the cycle check. Held until the
# transaction ends; only parent changes take it.
GROUP_TREE_LOCK = 0x6372_6D67_7270  # "crmgrp"


def _lock_group_trees() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GROUP_TREE_LOCK])


def _parent_changes(account: Account, data: dict[str, Any]) -> bool:
    if "parent" not in data:
        return False
    new_id = getattr(data["parent"], "pk", data["parent"])
    current = Account.objects.filter(pk=account.pk).values_list("parent_id", flat=True).first()
    return new_id != current


def _check_parent(actor: User, account: Account, *, current_parent_id: int | None = None) -> None:
    """The parent (集团) must be an account the actor sees (a hidden or missing one answers
    alike) and must not make a cycle: the account may not sit under itself or under any of its
    own members, directly or not. Keeping the current parent is always allowed."""
    parent_id = account.parent_id
    if parent_id is None or parent_id == current_parent_id:
        return
    if not accounts_visible_to(actor).filter(pk=parent_id).exists():
        raise ValidationError({"parent": _("Select a parent account you can see.")})
    if account.pk is None:
        return  # a new account has no members yet: no cycle possible
    if parent_id == account.pk:
        raise ValidationError({"parent": _("An account cannot be its own parent.")})
    _lock_group_trees()  # already held when account_update saw the change coming
    with connection.cursor() as cursor:
        cursor.execute(sql.PARENT_CHAIN_HAS, [parent_id, account.pk])
        in_chain = cursor.fetchone()[0]
    if in_chain:
        raise ValidationError(
            {
                "parent": _(
                    "This would make a cycle: the chosen parent is a member of this "
                    "account's group, under it."
                )
            }
        )


@transaction.atomic
def account_create(*, actor: User, data: dict[str, Any]) -> Account:
    data = {"owner": actor, **data}
    account = Account()
    _apply(account, data, ACCOUNT_FIELDS)
    _check_owner(actor, account.owner)
    _check_parent(actor, account)
    _normalize_codes(account)
    account.normalized_name = normalize_account_name(account.name)
    if account.lifecycle == Account.Lifecycle.EXISTING:
        account.lifecycle_changed_at = timezone.now()
    _full_clean_account(account)
    _save_account(account)
    audit_created(actor=actor, instance=account, fields=ACCOUNT_FIELDS, account_id=account.pk)
    return account


@transaction.atomic
def account_update(*, actor: User, account: Account, data: dict[str, Any]) -> Account:
    """Change the account itself: only for who may edit it (accounts.selectors.
    account_check_editable: the owner's book and "edit" members of its team; a "read" member
    gets PermissionDenied)."""
    account_check_editable(actor, account)
    return _account_write(actor=actor, account=account, data=data)


def _account_write(*, actor: User, account: Account, data: dict[str, Any]) -> Account:
    if _parent_changes(account, data):
        # The group lock before any row lock: saving the new parent takes a key-share lock on
        # the parent's row, which a concurrent edit of that parent holds for update while it
        # waits for this lock; the other order would deadlock.
        _lock_group_trees()
    account = Account.objects.select_for_update().get(pk=account.pk)
    before = snapshot(account, ACCOUNT_FIELDS)
    old_lifecycle = account.lifecycle
    old_owner_id = account.owner_id
    old_name = account.name
    old_parent_id = account.parent_id
    _apply(account, data, ACCOUNT_FIELDS)
    if account.name != old_name:
        # A placeholder name (an import made the account from a bare customer code) that
        # someone replaced: the account is no longer waiting to be enriched.
        account.to_enrich = False
    _check_owner(actor, account.owner, current_owner_id=old_owner_id)
    _check_parent(actor, account, current_parent_id=old_parent_id)
    _normalize_codes(account)
    account.normalized_name = normalize_account_name(account.name)
    if account.lifecycle != old_lifecycle:
        account.lifecycle_changed_at = timezone.now()
    _full_clean_account(account)
    _save_account(account)
    audit_log(
        actor=actor,
        action="update",
        instance=account,
        account_id=account.pk,
        changes=diff_fields(before, snapshot(account, ACCOUNT_FIELDS)),
    )
    if account.owner_id != old_owner_id:
        _announce_reassigned(
            actor=actor,
            moves=[AccountMove(account.pk, old_owner_id)],
            new_owner_id=account.owner_id,
            reason="",
            today=timezone.localdate(),
        )
    return account


# --- Reassignment -----------------------------------------------------------------------------


class AccountMove(NamedTuple):
    """One account that changed owner, and the owner it had."""

    account_id: int
    old_owner_id: int


REASON_MAX_LENGTH = 500


def _announce_reassigned(
    *,
    actor: User,
    moves: list[AccountMove],
    new_owner_id: int,
    reason: str,
    today: datetime.date,
) -> None:
    """Tell the higher apps (visits: reminders and notifications) inside this transaction."""
    if moves:
        accounts_reassigned.send(
            sender=Account,
            actor=actor,
            moves=moves,
            new_owner_id=new_owner_id,
            reason=reason,
            today=today,
        )


def _bulk_reassign_chosen(
    actor: User, account_ids: Sequence[int] | None, filters: Mapping[str, Any] | None
) -> QuerySet[Account]:
    """The accounts a bulk reassignment names, all in the actor's book (or a clear error)."""
    book = accounts_visible_to(actor)
    if filters is not None:
        account_filter = AccountFilter(
            data=filters if isinstance(filters, QueryDict) else dict(filters), queryset=book
        )
        if not account_filter.is_valid():
            fields = account_filter.form.fields
            raise ValidationError(
                {
                    "filter": [
                        f"{fields[name].label if name in fields else name}: {error}"
                        for name, errors in account_filter.errors.items()
                        for error in errors
                    ]
                }
            )
        return account_filter.qs.order_by()
    ids = sorted(set(account_ids or ()))
    if not ids:
        raise ValidationError({"account_ids": _("Select the accounts to reassign.")})
    found = set(book.filter(pk__in=ids).values_list("pk", flat=True))
    outside = [pk for pk in ids if pk not in found]
    if outside:
        # Missing and hidden accounts look alike: both are "not in your book".
        raise ValidationError(
            {
                "account_ids": _("These accounts are not in your book: %(ids)s.")
                % {"ids": ", ".join(map(str, outside[:20]))}
            }
        )
    return book.filter(pk__in=ids).order_by()


@transaction.atomic
def accounts_bulk_reassign(
    *,
    actor: User,
    new_owner: User | None,
    reason: str,
    account_ids: Sequence[int] | None = None,
    filters: Mapping[str, Any] | None = None,
    today: datetime.date | None = None,
) -> list[AccountMove]:
    """Give the chosen accounts (`account_ids`, or every account of the actor's book matching
    `filters`, the account list's filter parameters) to `new_owner`, in one UPDATE with one
    audit entry per account carrying `reason`. Managers reassign within their teams, admins
    anywhere, reps not at all. Accounts that already belong to `new_owner` are left alone.
    Returns the accounts that moved, with their previous owners."""
    if not actor.can_manage:
        raise PermissionDenied(_("Only managers and admins reassign accounts."))
    if (account_ids is None) == (filters is None):
        raise ValidationError(
            {"account_ids": _("Select the accounts, or all accounts matching a filter.")}
        )
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Give the reason for the reassignment.")
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX_LENGTH}
    if new_owner is None or not users_assignable_by(actor).filter(pk=new_owner.pk).exists():
        errors["new_owner"] = _("You cannot assign accounts to this user.")
    if errors or new_owner is None:  # new_owner is None only with an error set (for mypy)
        raise ValidationError(errors)
    chosen_sql, chosen_params = (
        _bulk_reassign_chosen(actor, account_ids, filters).values("id").query.sql_with_params()
    )
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            sql.BULK_REASSIGN.format(chosen=chosen_sql),
            [
                *chosen_params,
                new_owner.pk,
                new_owner.pk,
                now,
                actor.pk,
                new_owner.pk,
                reason,
                now,
            ],
        )
        moves = [AccountMove(*row) for row in cursor.fetchall()]
    _announce_reassigned(
        actor=actor,
        moves=moves,
        new_owner_id=new_owner.pk,
        reason=reason,
        today=today or timezone.localdate(),
    )
    return moves


@transaction.atomic
def account_set_lifecycle(*, actor: User, account: Account, lifecycle: str) -> Account:
    """Turn an account existing or potential, stamping the date (e.g. a prospect won). A
    consequence of work on what hangs on the account (a prospect turned red), so whoever sees
    the account may cause it, a "read" member of its team too."""
    account_check_visible(actor, account)
    return _account_write(actor=actor, account=account, data={"lifecycle": lifecycle})


@transaction.atomic
def account_delete(*, actor: User, account: Account) -> None:
    account_check_visible(actor, account)
    if not actor.can_manage and account.owner_id != actor.pk:
        raise PermissionDenied
    audit_log(actor=actor, action="delete", instance=account, account_id=account.pk)
    account.delete()


# --- Account teams ----------------------------------------------------------------------------

TEAM_MEMBER_FIELDS = ["account", "user", "role", "access"]


def _check_team_choices(member: AccountTeamMember) -> None:
    errors = {}
    if member.role not in AccountTeamMember.Role.values:
        errors["role"] = _("Choose one of the roles offered.")
    if member.access not in AccountTeamMember.Access.values:
        errors["access"] = _("Choose read or edit access.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def account_team_member_add(
    *,
    actor: User,
    account: Account,
    user: User | None,
    role: str = AccountTeamMember.Role.OTHER,
    access: str = AccountTeamMember.Access.READ,
) -> AccountTeamMember:
    """Put `user` in the account's team (the owner, the owner's manager and admins manage it:
    accounts.selectors.account_check_team_manageable). Refused with an error on `user`: no
    user, an inactive one, the account's owner (who holds the account already), a user
    already in the team (also when a concurrent add wins the race)."""
    account_check_team_manageable(actor, account)
    # Serialise adds to one account's team, so the duplicate check below sees a concurrent add.
    Account.objects.select_for_update().filter(pk=account.pk).values_list("pk").first()
    if user is None:
        raise ValidationError({"user": _("Choose a user.")})
    if not user.is_active:
        raise ValidationError(
            {"user": _("%(user)s is deactivated: only active users join a team.") % {"user": user}}
        )
    if user.pk == account.owner_id:
        raise ValidationError(
            {
                "user": _("%(user)s owns this account: the owner is not a team member.")
                % {"user": user}
            }
        )
    if AccountTeamMember.objects.filter(account=account, user=user).exists():
        raise ValidationError(
            {"user": _("%(user)s is already in this account's team.") % {"user": user}}
        )
    member = AccountTeamMember(account=account, user=user, role=role, access=access, added_by=actor)
    _check_team_choices(member)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"user": _("%(user)s is already in this account's team.") % {"user": user}}
        ) from exc
    audit_created(actor=actor, instance=member, fields=TEAM_MEMBER_FIELDS, account_id=account.pk)
    return member


@transaction.atomic
def account_team_member_update(
    *, actor: User, member: AccountTeamMember, data: dict[str, Any]
) -> AccountTeamMember:
    """Change a member's role or access (nothing else: to give the place to someone else,
    remove the member and add the other)."""
    account_check_team_manageable(actor, member.account)
    before = snapshot(member, TEAM_MEMBER_FIELDS)
    _apply(member, data, ["role", "access"])
    _check_team_choices(member)
    member.save(update_fields=["role", "access"])
    audit_log(
        actor=actor,
        action="update",
        instance=member,
        account_id=member.account_id,
        changes=diff_fields(before, snapshot(member, TEAM_MEMBER_FIELDS)),
    )
    return member


@transaction.atomic
def account_team_member_remove(*, actor: User, member: AccountTeamMember) -> None:
    account_check_team_manageable(actor, member.account)
    audit_log(actor=actor, action="delete", instance=member, account_id=member.account_id)
    member.delete()


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
    "reports_to",
    "stance",
    "influence",
    "is_active",
]


def _check_reports_to(contact: Contact, *, moved_from: int | None = None) -> None:
    """The buying centre's rules, checked under a lock of the account's row so that two
    concurrent edits (A under B, B under A) are serialized and the second sees the first's
    chain: a contact reports to another person of the same account, never to themself, never
    round a cycle. A contact that changes account must leave its reports behind first."""
    Account.objects.select_for_update().filter(pk=contact.account_id).values_list("pk").first()
    moved = moved_from is not None and moved_from != contact.account_id
    if moved and Contact.objects.filter(reports_to_id=contact.pk).exists():
        raise ValidationError(
            {
                "account": _(
                    "People report to this contact: change whom they report to before "
                    "moving the contact to another account."
                )
            }
        )
    boss = contact.reports_to
    if boss is None:
        return
    if contact.pk is not None and boss.pk == contact.pk:
        raise ValidationError({"reports_to": _("A contact cannot report to themself.")})
    fresh = Contact.objects.filter(pk=boss.pk).values_list("account_id", "is_active").first()
    if fresh is None or fresh[0] != contact.account_id:
        raise ValidationError(
            {"reports_to": _("Choose a person of the same account to report to.")}
        )
    stored = Contact.objects.filter(pk=contact.pk).values_list("reports_to_id", flat=True)
    if not fresh[1] and (contact.pk is None or boss.pk != stored.first()):
        raise ValidationError(
            {"reports_to": _("%(boss)s has left the customer.") % {"boss": boss.name}}
        )
    if contact.pk is None:
        return  # a new contact has no reports yet: no cycle possible
    with connection.cursor() as cursor:
        cursor.execute(sql.REPORTS_TO_REACHES, {"start": boss.pk, "contact": contact.pk})
        (closes_cycle,) = cursor.fetchone()
    if closes_cycle:
        raise ValidationError(
            {
                "reports_to": _(
                    "%(boss)s already reports, directly or not, to %(name)s: that would be a cycle."
                )
                % {"boss": boss.name, "name": contact.name}
            }
        )


@transaction.atomic
def contact_create(*, actor: User, data: dict[str, Any]) -> Contact:
    contact = Contact()
    _apply(contact, data, CONTACT_FIELDS)
    account_check_visible(actor, contact.account)
    _check_reports_to(contact)
    contact.full_clean()
    contact.save()
    audit_created(
        actor=actor, instance=contact, fields=CONTACT_FIELDS, account_id=contact.account_id
    )
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, data: dict[str, Any]) -> Contact:
    account_check_visible(actor, contact.account)
    before = snapshot(contact, CONTACT_FIELDS)
    _apply(contact, data, CONTACT_FIELDS)
    account_check_visible(actor, contact.account)
    _check_reports_to(contact, moved_from=before["account"])
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


def contact_set_reports_to(*, actor: User, contact: Contact, reports_to: Contact | None) -> Contact:
    """Move a person of the buying centre under another (None: to the top)."""
    return contact_update(actor=actor, contact=contact, data={"reports_to": reports_to})


def contact_set_active(*, actor: User, contact: Contact, is_active: bool) -> Contact:
    """A contact who left the customer is deactivated, never deleted: visits, touches and
    commitments keep pointing at them, and the card shows them apart ("left")."""
    return contact_update(actor=actor, contact=contact, data={"is_active": is_active})


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> None:
    account_check_visible(actor, contact.account)
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
def order_create(*, actor: User, data: dict[str, Any]) -> Order:
    order = Order()
    _apply(order, data, ORDER_FIELDS)
    _fill_amount(order)
    account_check_visible(actor, order.account)
    order.full_clean()
    order.save()
    audit_created(actor=actor, instance=order, fields=ORDER_FIELDS, account_id=order.account_id)
    return order


@transaction.atomic
def order_update(*, actor: User, order: Order, data: dict[str, Any]) -> Order:
    account_check_visible(actor, order.account)
    before = snapshot(order, ORDER_FIELDS)
    _apply(order, data, ORDER_FIELDS)
    _fill_amount(order)
    account_check_visible(actor, order.account)
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
def order_delete(*, actor: User, order: Order) -> None:
    account_check_visible(actor, order.account)
    audit_log(actor=actor, action="delete", instance=order, account_id=order.account_id)
    order.delete()


# --- Location (the sales map) -------------------------------------------------------------

LOCATION_FIELDS = ["latitude", "longitude", "location_source"]


def _location_value(value: Any, field: str, limit: int) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({field: _("Enter a number of degrees.")}) from exc
    if not number.is_finite() or abs(number) > limit:
        raise ValidationError(
            {field: _("Must be between -%(limit)s and %(limit)s.") % {"limit": limit}}
        )
    return number.quantize(Decimal("0.000001"))


@transaction.atomic
def account_location_set(
    *,
    actor: User,
    account: Account,
    latitude: Decimal | float | str,
    longitude: Decimal | float | str,
    source: str = Account.LocationSource.PIN,
    only_if_missing: bool = False,
) -> bool:
    """Put the account on the map (WGS-84 degrees). `only_if_missing`: only when it has no
    location yet (the first check-in at the account); one conditional UPDATE, so two first
    check-ins at once set it once. Returns whether the location was written."""
    account_check_visible(actor, account)
    if source not in Account.LocationSource.values:
        raise ValidationError({"location_source": _("Unknown location source.")})
    lat = _location_value(latitude, "latitude", 90)
    lng = _location_value(longitude, "longitude", 180)
    rows = Account.objects.filter(pk=account.pk)
    if only_if_missing:
        rows = rows.filter(latitude__isnull=True)
    before = rows.select_for_update().values("latitude", "longitude", "location_source").first()
    if before is None:
        return False
    now = timezone.now()
    rows.update(
        latitude=lat,
        longitude=lng,
        location_source=source,
        location_updated_at=now,
        updated_at=now,
    )
    account.latitude, account.longitude = lat, lng
    account.location_source, account.location_updated_at = source, now
    audit_log(
        actor=actor,
        action="update",
        instance=account,
        account_id=account.pk,
        changes=diff_fields(
            {k: "" if v is None else str(v) for k, v in before.items()},
            {"latitude": str(lat), "longitude": str(lng), "location_source": source},
        ),
    )
    return True


# --- Competitors and incumbent suppliers -----------------------------------------------------

COMPETITOR_FIELDS = ["name", "website", "notes", "is_active"]
ACCOUNT_COMPETITOR_FIELDS = ["account", "competitor", "share", "contract_end", "price_notes"]


def _check_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only admins edit the list of competitors."))


def _save_competitor(competitor: Competitor) -> None:
    competitor.name = (competitor.name or "").strip()
    competitor.full_clean()
    try:
        with transaction.atomic():
            competitor.save()
    except IntegrityError as exc:  # a concurrent create of the same name won the race
        raise ValidationError({"name": _("A competitor with this name exists.")}) from exc


@transaction.atomic
def competitor_create(*, actor: User, data: dict[str, Any]) -> Competitor:
    """Add a competitor to the admin-edited list (names are unique)."""
    _check_admin(actor)
    competitor = Competitor()
    _apply(competitor, data, COMPETITOR_FIELDS)
    _save_competitor(competitor)
    audit_created(actor=actor, instance=competitor, fields=COMPETITOR_FIELDS)
    return competitor


@transaction.atomic
def competitor_update(*, actor: User, competitor: Competitor, data: dict[str, Any]) -> Competitor:
    """Rename, describe or (de)activate a competitor; an inactive one stays on the accounts
    and deals that name it but is no longer offered."""
    _check_admin(actor)
    before = snapshot(competitor, COMPETITOR_FIELDS)
    _apply(competitor, data, COMPETITOR_FIELDS)
    _save_competitor(competitor)
    audit_log(
        actor=actor,
        action="update",
        instance=competitor,
        changes=diff_fields(before, snapshot(competitor, COMPETITOR_FIELDS)),
    )
    return competitor


@transaction.atomic
def competitor_delete(*, actor: User, competitor: Competitor) -> None:
    """Delete a competitor no account or deal names (deactivate it otherwise)."""
    _check_admin(actor)
    if competitor.incumbencies.exists() or competitor_in_use(competitor):
        raise ValidationError(
            {"name": _("Accounts or deals name this competitor: deactivate it instead.")}
        )
    audit_log(actor=actor, action="delete", instance=competitor)
    competitor.delete()


# Higher apps (opportunities) tell whether they still point at a competitor.
_COMPETITOR_USES: list[Callable[[Competitor], bool]] = []


def competitor_use_register(check: Callable[[Competitor], bool]) -> None:
    """Register `check(competitor) -> bool`: whether a higher app's rows name the competitor."""
    _COMPETITOR_USES.append(check)


def competitor_in_use(competitor: Competitor) -> bool:
    return any(check(competitor) for check in _COMPETITOR_USES)


def _check_incumbent(incumbent: AccountCompetitor, *, current_competitor: int | None) -> None:
    competitor = getattr(incumbent, "competitor", None)
    if competitor is None:
        raise ValidationError({"competitor": _("Choose a competitor.")})
    if not competitor.is_active and competitor.pk != current_competitor:
        raise ValidationError(
            {"competitor": _("%(name)s is no longer on the list.") % {"name": competitor.name}}
        )
    if (
        AccountCompetitor.objects.filter(account_id=incumbent.account_id, competitor=competitor)
        .exclude(pk=incumbent.pk)
        .exists()
    ):
        raise ValidationError(
            {
                "competitor": _("%(name)s is already an incumbent of this account.")
                % {"name": competitor.name}
            }
        )
    total = (
        AccountCompetitor.objects.filter(account_id=incumbent.account_id)
        .exclude(pk=incumbent.pk)
        .aggregate(total=models.Sum("share"))["total"]
        or 0
    ) + (incumbent.share or 0)
    if total > 100:
        raise ValidationError(
            {
                "share": _(
                    "The incumbents' shares would add up to %(total)s%% of the customer's "
                    "spend: at most 100%%."
                )
                % {"total": total}
            }
        )


def _save_incumbent(incumbent: AccountCompetitor) -> None:
    incumbent.full_clean(exclude=["account", "competitor"])
    try:
        with transaction.atomic():
            incumbent.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"competitor": _("This competitor is already an incumbent of this account.")}
        ) from exc


@transaction.atomic
def account_competitor_create(*, actor: User, data: dict[str, Any]) -> AccountCompetitor:
    """Record an incumbent supplier of an account (whoever sees the account: a fact about the
    customer, like its contacts): share of the customer's spend (0-100, all incumbents
    together at most 100), contract end, price notes."""
    incumbent = AccountCompetitor()
    _apply(incumbent, data, ACCOUNT_COMPETITOR_FIELDS)
    account_check_visible(actor, getattr(incumbent, "account", None))
    # One account's incumbents are written one at a time, so the shares' sum holds.
    Account.objects.select_for_update().filter(pk=incumbent.account_id).values_list("pk").first()
    _check_incumbent(incumbent, current_competitor=None)
    _save_incumbent(incumbent)
    audit_created(
        actor=actor,
        instance=incumbent,
        fields=ACCOUNT_COMPETITOR_FIELDS,
        account_id=incumbent.account_id,
    )
    return incumbent


@transaction.atomic
def account_competitor_update(
    *, actor: User, account_competitor: AccountCompetitor, data: dict[str, Any]
) -> AccountCompetitor:
    incumbent = account_competitor
    account_check_visible(actor, incumbent.account)
    if (
        "account" in data
        and getattr(data["account"], "pk", data["account"]) != incumbent.account_id
    ):
        raise ValidationError({"account": _("An incumbent stays with its account.")})
    Account.objects.select_for_update().filter(pk=incumbent.account_id).values_list("pk").first()
    before = snapshot(incumbent, ACCOUNT_COMPETITOR_FIELDS)
    _apply(incumbent, data, ACCOUNT_COMPETITOR_FIELDS)
    _check_incumbent(incumbent, current_competitor=before["competitor"])
    _save_incumbent(incumbent)
    audit_log(
        actor=actor,
        action="update",
        instance=incumbent,
        account_id=incumbent.account_id,
        changes=diff_fields(before, snapshot(incumbent, ACCOUNT_COMPETITOR_FIELDS)),
    )
    return incumbent


@transaction.atomic
def account_competitor_delete(*, actor: User, account_competitor: AccountCompetitor) -> None:
    incumbent = account_competitor
    account_check_visible(actor, incumbent.account)
    audit_log(actor=actor, action="delete", instance=incumbent, account_id=incumbent.account_id)
    incumbent.delete()
