"""Writes of commitments: create, update, done, undone, delete, and the ones made from a visit's
next step or a reminder. Each re-checks the actor's scope (the account in their book, the owner
someone they may assign to, the contact and prospect of that account) and writes the audit
trail."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import account_check_visible
from commitments.models import Commitment
from commitments.selectors import commitments_visible_to
from core.audit import audit_created, audit_log, diff_fields, snapshot
from crm.models import User
from crm.selectors import users_assignable_by
from visits.models import Reminder, Visit
from visits.selectors import reminders_visible_to

COMMITMENT_FIELDS = [
    "account",
    "contact",
    "prospect",
    "title",
    "notes",
    "due_date",
    "due_time",
    "owner",
]
AUDITED_FIELDS = [*COMMITMENT_FIELDS, "requested_by", "status", "source"]


def _apply(commitment: Commitment, data: dict[str, Any]) -> None:
    for field, value in data.items():
        if field not in COMMITMENT_FIELDS:
            raise ValidationError({field: _("This field cannot be set here.")})
        if value is None and not Commitment._meta.get_field(field).null:
            raise ValidationError({field: _("This field cannot be empty.")})
        setattr(commitment, field, value)


def _check_owner(actor: User, owner_id: int | None) -> None:
    if owner_id is None or not users_assignable_by(actor).filter(pk=owner_id).exists():
        raise ValidationError({"owner": _("Choose an active user you may assign work to.")})


def _check(actor: User, commitment: Commitment) -> None:
    """The one access rule for a commitment being written, and its relations hanging together."""
    account_check_visible(actor, commitment.account if commitment.account_id else None)
    if commitment.contact is not None and commitment.contact.account_id != commitment.account_id:
        raise ValidationError({"contact": _("Choose a contact of this account.")})
    if commitment.prospect is not None and commitment.prospect.account_id != commitment.account_id:
        raise ValidationError({"prospect": _("Choose the prospect of this account.")})
    if not (commitment.title or "").strip():
        raise ValidationError({"title": _("Say what was promised.")})


def _save(commitment: Commitment) -> None:
    # The one-per-visit constraint is kept by the database (see commitment_from_visit).
    commitment.full_clean(validate_constraints=False)
    commitment.save()


def _check_visible(actor: User, commitment: Commitment) -> Commitment:
    """The commitment, locked, if `actor` sees it; 404 otherwise (missing and hidden alike)."""
    found = (
        commitments_visible_to(actor)
        .select_for_update(of=("self",))
        .filter(pk=commitment.pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _check_reminder(actor: User, reminder: Reminder, data: dict[str, Any]) -> None:
    """A commitment made from a reminder (the HTML page's "make it a commitment" and the
    API's `source_reminder`): the reminder is the actor's own and visible to them, and the
    commitment's account is the reminder's (filled in when not given)."""
    if (
        reminder.recipient_id != actor.pk
        or not reminders_visible_to(actor).filter(pk=reminder.pk).exists()
    ):
        raise ValidationError({"source_reminder": _("This reminder is not yours.")})
    account = data.get("account")
    if account is None:
        data["account"] = reminder.account
    elif account.pk != reminder.account_id:
        raise ValidationError(
            {"source_reminder": _("This reminder is not yours or not for this account.")}
        )


@transaction.atomic
def commitment_create(
    *,
    actor: User,
    data: dict[str, Any],
    source: str = Commitment.Source.MANUAL,
    source_reminder: Reminder | None = None,
) -> Commitment:
    """Make a commitment. The owner defaults to the actor; whoever creates it is who asked
    for it. `source_reminder`: the reminder it is made from (see _check_reminder: the
    actor's own, visible to them; the account follows the reminder's)."""
    data = dict(data)
    if source_reminder is not None:
        _check_reminder(actor, source_reminder, data)
    commitment = Commitment(requested_by=actor, owner=actor, source=source)
    _apply(commitment, data)
    _check(actor, commitment)
    _check_owner(actor, commitment.owner_id)
    if source_reminder is not None:
        commitment.source = Commitment.Source.REMINDER
        commitment.source_reminder = source_reminder
    _save(commitment)
    audit_created(
        actor=actor, instance=commitment, fields=AUDITED_FIELDS, account_id=commitment.account_id
    )
    return commitment


@transaction.atomic
def commitment_update(*, actor: User, commitment: Commitment, data: dict[str, Any]) -> Commitment:
    """Change a commitment on an account in the actor's book. A new owner must be someone the
    actor may assign to, and the actor becomes who asked for it."""
    commitment = _check_visible(actor, commitment)
    account_check_visible(actor, commitment.account)
    before = snapshot(commitment, AUDITED_FIELDS)
    old_owner = commitment.owner_id
    _apply(commitment, data)
    _check(actor, commitment)
    if commitment.owner_id != old_owner:
        _check_owner(actor, commitment.owner_id)
        commitment.requested_by = actor
    _save(commitment)
    audit_log(
        actor=actor,
        action="update",
        instance=commitment,
        account_id=commitment.account_id,
        changes=diff_fields(before, snapshot(commitment, AUDITED_FIELDS)),
    )
    return commitment


def _set_status(actor: User, commitment: Commitment, status: str, action: str) -> Commitment:
    commitment = _check_visible(actor, commitment)
    if commitment.status == status:
        return commitment  # a second click changes nothing
    before = commitment.status
    commitment.status = status
    commitment.done_at = timezone.now() if status == Commitment.Status.DONE else None
    commitment.save(update_fields=["status", "done_at", "updated_at"])
    audit_log(
        actor=actor,
        action=action,
        instance=commitment,
        account_id=commitment.account_id,
        changes={"status": (before, status)},
    )
    return commitment


@transaction.atomic
def commitment_mark_done(*, actor: User, commitment: Commitment) -> Commitment:
    """Done (by anyone who sees it: its owner keeps it after the account moved on)."""
    return _set_status(actor, commitment, Commitment.Status.DONE, "done")


@transaction.atomic
def commitment_reopen(*, actor: User, commitment: Commitment) -> Commitment:
    """Undone: open again."""
    return _set_status(actor, commitment, Commitment.Status.OPEN, "undo")


@transaction.atomic
def commitment_delete(*, actor: User, commitment: Commitment) -> None:
    commitment = _check_visible(actor, commitment)
    account_check_visible(actor, commitment.account)
    audit_log(actor=actor, action="delete", instance=commitment, account_id=commitment.account_id)
    commitment.delete()


@transaction.atomic
def commitment_from_visit(
    *,
    actor: User,
    visit: Visit,
    due_date: datetime.date,
    due_time: datetime.time | None = None,
    data: dict[str, Any] | None = None,
) -> Commitment:
    """The commitment of a visit's next step: exactly one per visit, owned by the actor (or
    the owner `data` names), promised to the first contact met. `data` (the prefilled form)
    may change what was promised, the contact, the owner and the notes. Made again (a retried
    request, a second signal) it is the one already there, unchanged: the database's unique
    constraint decides, so two at once cannot both insert."""
    account_check_visible(actor, visit.account)
    if due_date < visit.visit_date:
        raise ValidationError({"due_date": _("The next step cannot be due before the visit.")})
    candidate = Commitment(
        account=visit.account,
        contact=visit.contacts.order_by("role", "name", "id").first(),
        title=visit.next_step[:255],
        owner=actor,
        requested_by=actor,
        source=Commitment.Source.VISIT,
        source_visit=visit,
    )
    _apply(candidate, {**(data or {}), "due_date": due_date, "due_time": due_time})
    if candidate.account_id != visit.account_id:
        raise ValidationError({"account": _("A visit's next step is for the visit's account.")})
    _check(actor, candidate)
    _check_owner(actor, candidate.owner_id)
    candidate.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        return Commitment.objects.get(source_visit=visit)
    audit_created(
        actor=actor,
        instance=candidate,
        fields=AUDITED_FIELDS,
        account_id=candidate.account_id,
        extra={"visit": visit.pk},
    )
    return candidate
