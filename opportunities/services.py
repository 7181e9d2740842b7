"""Writes of deals (商机) and of the admins' stages and loss reasons.

Every deal write re-checks the actor's scope (the deal visible to them, its account in their
book, a new owner someone they may assign work to, contacts of the deal's account), runs in one
transaction, is audited, and writes one `OpportunityChange` row when the stage, the amount or
the close date changed (a "created" row on creation): the stage history and what the forecast's
"changed since last week" reads.

Rules kept here (the database backs the ones it can):
- the amount is never negative;
- a new stage must be an active stage of the admins' list (a stage already on the deal may stay
  after it was deactivated);
- the status (open, won, lost) follows the stage's flags; a move to a won or lost stage sets
  `closed_on` to today, a move back to an open stage clears `closed_on` and the loss reason;
- a lost deal needs an active loss reason; only a lost deal has one;
- an open deal's close date may be in the past: allowed, but flagged
  (`Opportunity.is_overdue`, `opportunity_warnings`);
- a dated next step is a commitment of the deal's owner (see `_sync_next_step`).

Interfaces used by other apps' views and imports (keep names and shapes):
`opportunity_create`, `opportunity_update`, `opportunity_move`, `opportunity_delete`,
`opportunity_contacts_set`, `opportunity_warnings`, the admins' `stage_*`, `loss_reason_*`,
and `prospect_colour_set` (the colour rule's override needs a reason).
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Competitor, Contact
from accounts.selectors import account_check_visible
from commitments.models import Commitment
from commitments.services import commitment_create, commitment_delete, commitment_update
from core.audit import audit_log, diff_fields, snapshot
from crm.models import User
from crm.selectors import users_assignable_by
from opportunities.colour import colour_of_account
from opportunities.models import (
    LossReason,
    Opportunity,
    OpportunityChange,
    OpportunityCompetitor,
    OpportunityContact,
    Stage,
)
from opportunities.selectors import opportunities_visible_to
from prospects.models import COLOUR_SHORT, Prospect, SubStage
from prospects.services import prospect_move

OPPORTUNITY_FIELDS = [
    "account",
    "name",
    "kind",
    "amount",
    "close_date",
    "stage",
    "probability",
    "category",
    "owner",
    "source",
    "product_lines",
    "competitors",
    "next_step",
    "next_step_date",
    "loss_reason",
    "close_note",
    "description",
]
AUDITED_FIELDS = [*OPPORTUNITY_FIELDS, "status", "closed_on"]
STAGE_FIELDS = [
    "name_en",
    "name_zh_hans",
    "position",
    "probability",
    "is_won",
    "is_lost",
    "is_active",
]
LOSS_REASON_FIELDS = ["name_en", "name_zh_hans", "position", "is_active"]
NEXT_STEP_TITLE_LENGTH = 255


# --- deals -------------------------------------------------------------------------------------


def opportunity_warnings(
    opportunity: Opportunity, *, today: datetime.date | None = None
) -> list[str]:
    """What a saved deal's page or form should flag without refusing it: an open deal whose
    expected close date has passed."""
    if opportunity.is_overdue_on(today or timezone.localdate()):
        return [
            _("The expected close date is in the past: move it, or close the deal as won or lost.")
        ]
    return []


def _apply(opportunity: Opportunity, data: Mapping[str, Any]) -> None:
    for field, value in data.items():
        if field not in OPPORTUNITY_FIELDS:
            raise ValidationError({field: _("This field cannot be set here.")})
        if isinstance(value, str):
            value = value.strip()
        if value is None and not Opportunity._meta.get_field(field).null:
            raise ValidationError({field: _("This field cannot be empty.")})
        setattr(opportunity, field, value)


def _check_owner(actor: User, owner_id: int | None) -> None:
    if owner_id is None or not users_assignable_by(actor).filter(pk=owner_id).exists():
        raise ValidationError({"owner": _("Choose an active user you may assign work to.")})


def _check_stage(stage: Stage | None) -> None:
    """A stage the deal moves to: an active stage of the admins' list."""
    if stage is None or not Stage.objects.filter(pk=stage.pk, is_active=True).exists():
        raise ValidationError({"stage": _("Choose an active stage of the list.")})


def _check_loss_reason(reason: LossReason | None, *, changed: bool) -> None:
    if reason is None:
        raise ValidationError({"loss_reason": _("Say why the deal was lost.")})
    if changed and not LossReason.objects.filter(pk=reason.pk, is_active=True).exists():
        raise ValidationError({"loss_reason": _("Choose an active loss reason.")})


def _settle_status(
    opportunity: Opportunity, *, old_status: str | None, old_reason_id: int | None
) -> None:
    """Status, closing day and loss reason from the (new) stage's flags."""
    stage = opportunity.stage
    opportunity.status = stage.status
    if stage.is_closed:
        if old_status != opportunity.status or opportunity.closed_on is None:
            opportunity.closed_on = timezone.localdate()
    else:
        opportunity.closed_on = None
    if stage.is_lost:
        _check_loss_reason(
            opportunity.loss_reason,
            changed=old_status != opportunity.status or opportunity.loss_reason_id != old_reason_id,
        )
    elif opportunity.loss_reason_id is not None:
        if old_status is not None and old_status != opportunity.status:
            opportunity.loss_reason = None  # leaving the lost stage forgets why it was lost
        else:
            raise ValidationError({"loss_reason": _("Only a lost deal has a loss reason.")})


def _check(actor: User, opportunity: Opportunity) -> None:
    """The access rule for a deal being written, and its values hanging together."""
    account_check_visible(actor, opportunity.account if opportunity.account_id else None)
    if not (opportunity.name or "").strip():
        raise ValidationError({"name": _("Name the deal.")})
    if opportunity.amount is not None and Decimal(opportunity.amount) < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    if opportunity.probability is not None and not 0 <= opportunity.probability <= 100:
        raise ValidationError({"probability": _("Enter a percentage from 0 to 100.")})
    if opportunity.next_step_date is not None and not (opportunity.next_step or "").strip():
        raise ValidationError({"next_step": _("Say what the dated next step is.")})


def _save(opportunity: Opportunity) -> None:
    opportunity.full_clean(exclude=["next_step_commitment", "import_batch", "created_by"])
    opportunity.save()


def _tracked(opportunity: Opportunity) -> dict[str, Any]:
    """The values the history keeps, as they are before a change."""
    return {
        "stage": opportunity.stage_id,
        "status": opportunity.status,
        "amount": Decimal(opportunity.amount),
        "close_date": opportunity.close_date,
    }


def _record_change(
    actor: User, opportunity: Opportunity, before: dict[str, Any] | None
) -> OpportunityChange | None:
    """One history row when the stage, the amount or the close date changed (or on creation)."""
    if before is not None and (
        before["stage"] == opportunity.stage_id
        and before["amount"] == Decimal(opportunity.amount)
        and before["close_date"] == opportunity.close_date
    ):
        return None
    return OpportunityChange.objects.create(
        opportunity=opportunity,
        kind=OpportunityChange.Kind.CREATED if before is None else OpportunityChange.Kind.CHANGED,
        changed_at=timezone.now(),
        changed_by=actor,
        stage_before_id=None if before is None else before["stage"],
        stage_after_id=opportunity.stage_id,
        status_before="" if before is None else before["status"],
        status_after=opportunity.status,
        amount_before=None if before is None else before["amount"],
        amount_after=opportunity.amount,
        close_date_before=None if before is None else before["close_date"],
        close_date_after=opportunity.close_date,
    )


def _next_step_data(opportunity: Opportunity) -> dict[str, Any]:
    text = opportunity.next_step.strip()
    title = text
    if len(text) > NEXT_STEP_TITLE_LENGTH:
        title = text[: NEXT_STEP_TITLE_LENGTH - 1] + "…"
    return {
        "account": opportunity.account,
        "title": title,
        "notes": _("Next step of the deal “%(name)s”.") % {"name": opportunity.name}
        + ("\n\n" + text if title != text else ""),
        "due_date": opportunity.next_step_date,
        "owner": opportunity.owner,
    }


def _sync_next_step(actor: User, opportunity: Opportunity) -> None:
    """Keep the next step's commitment in step with the deal, through the commitments' services
    (so the commitment is audited and checked like one made by hand):

    - a next step with a date and no open commitment: a new commitment of the deal's owner, due
      that day, titled with the next step (`Opportunity.next_step_commitment` links it);
    - the date, the text, the owner or the account changed: the open commitment follows;
    - the commitment was done and the next step changed: a new one is made, the done one stays;
    - the date (or the text) removed: the open commitment is deleted, a done one unlinked.
    The commitment is then the owner's like any other (Today, the digest, the calendar). The
    commitments' rules apply to the actor: giving a dated next step to a deal whose owner the
    actor may not assign work to (a rep on a colleague's deal) is refused on `owner`."""
    commitment = opportunity.next_step_commitment
    dated = opportunity.next_step_date is not None and bool(opportunity.next_step.strip())
    if commitment is not None and commitment.status == Commitment.Status.DONE:
        wanted = _next_step_data(opportunity)
        unchanged = dated and all(
            getattr(commitment, f) == wanted[f] for f in ("title", "due_date")
        )
        if unchanged:
            return
        commitment = None  # done: keep it as it is, make a new one if the step is still dated
    if not dated:
        if commitment is not None:
            commitment_delete(actor=actor, commitment=commitment)
        commitment = None
    elif commitment is None:
        commitment = commitment_create(actor=actor, data=_next_step_data(opportunity))
    else:
        wanted = _next_step_data(opportunity)
        if any(getattr(commitment, f) != v for f, v in wanted.items()):
            commitment = commitment_update(actor=actor, commitment=commitment, data=wanted)
    if opportunity.next_step_commitment_id != (commitment.pk if commitment else None):
        opportunity.next_step_commitment = commitment
        opportunity.save(update_fields=["next_step_commitment", "updated_at"])


def _locked(actor: User, opportunity: Opportunity) -> Opportunity:
    """The deal, locked, if `actor` sees it; 404 otherwise (missing and hidden alike)."""
    found = (
        opportunities_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("account", "stage", "owner", "loss_reason", "next_step_commitment")
        .filter(pk=opportunity.pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _drop_foreign_contacts(opportunity: Opportunity) -> None:
    """Contacts of another account leave the deal when it moves to a new account."""
    opportunity.contact_roles.exclude(contact__account_id=opportunity.account_id).delete()


@transaction.atomic
def opportunity_create(*, actor: User, data: Mapping[str, Any]) -> Opportunity:
    """Make a deal. The owner defaults to the actor; the stage must be active (a deal may be
    made straight into a won or lost stage: closed today, a lost one with its reason)."""
    opportunity = Opportunity(owner=actor, created_by=actor)
    _apply(opportunity, data)
    _check(actor, opportunity)
    _check_owner(actor, opportunity.owner_id)
    _check_stage(opportunity.stage if opportunity.stage_id else None)
    _settle_status(opportunity, old_status=None, old_reason_id=None)
    _save(opportunity)
    _record_change(actor, opportunity, None)
    _sync_next_step(actor, opportunity)
    audit_log(
        actor=actor,
        action="create",
        instance=opportunity,
        account_id=opportunity.account_id,
        changes=diff_fields({}, snapshot(opportunity, AUDITED_FIELDS)),
    )
    return opportunity


@transaction.atomic
def opportunity_update(
    *, actor: User, opportunity: Opportunity, data: Mapping[str, Any]
) -> Opportunity:
    """Change a deal the actor sees, on an account in their book (the new account too). A new
    owner must be someone the actor may assign to; a new stage an active one (the move rules
    of `opportunity_move` apply)."""
    opportunity = _locked(actor, opportunity)
    account_check_visible(actor, opportunity.account)
    before = snapshot(opportunity, AUDITED_FIELDS)
    tracked = _tracked(opportunity)
    old_owner, old_account = opportunity.owner_id, opportunity.account_id
    old_status, old_reason = opportunity.status, opportunity.loss_reason_id
    _apply(opportunity, data)
    _check(actor, opportunity)
    if opportunity.owner_id != old_owner:
        _check_owner(actor, opportunity.owner_id)
    if opportunity.stage_id != tracked["stage"]:
        _check_stage(opportunity.stage)
    _settle_status(opportunity, old_status=old_status, old_reason_id=old_reason)
    _save(opportunity)
    if opportunity.account_id != old_account:
        _drop_foreign_contacts(opportunity)
    _record_change(actor, opportunity, tracked)
    _sync_next_step(actor, opportunity)
    audit_log(
        actor=actor,
        action="update",
        instance=opportunity,
        account_id=opportunity.account_id,
        changes=diff_fields(before, snapshot(opportunity, AUDITED_FIELDS)),
    )
    return opportunity


@transaction.atomic
def opportunity_move(
    *,
    actor: User,
    opportunity: Opportunity,
    stage: Stage,
    loss_reason: LossReason | None = None,
    close_note: str = "",
) -> Opportunity:
    """Move a deal to another stage (the board's drag, or its keyboard move). To a lost stage
    it needs an active `loss_reason`; to a won or lost stage it is closed today (`close_note`
    kept when given); back to an open stage `closed_on` and the loss reason are cleared.
    Moving to the stage it is in changes nothing."""
    data: dict[str, Any] = {"stage": stage}
    if stage is not None and stage.is_lost:
        data["loss_reason"] = loss_reason
    elif loss_reason is not None:
        raise ValidationError({"loss_reason": _("Only a lost deal has a loss reason.")})
    if close_note.strip():
        data["close_note"] = close_note
    current = _locked(actor, opportunity)
    if stage is not None and current.stage_id == stage.pk and loss_reason is None:
        return current
    return opportunity_update(actor=actor, opportunity=current, data=data)


@transaction.atomic
def opportunity_delete(*, actor: User, opportunity: Opportunity) -> None:
    """Delete a deal (its contacts and history with it). Its next step's open commitment goes
    too: it existed only for this deal."""
    opportunity = _locked(actor, opportunity)
    account_check_visible(actor, opportunity.account)
    commitment = opportunity.next_step_commitment
    audit_log(actor=actor, action="delete", instance=opportunity, account_id=opportunity.account_id)
    opportunity.delete()
    if commitment is not None and commitment.status == Commitment.Status.OPEN:
        commitment_delete(actor=actor, commitment=commitment)


@transaction.atomic
def opportunity_contacts_set(
    *,
    actor: User,
    opportunity: Opportunity,
    contacts: Iterable[tuple[Contact, str]],
) -> list[OpportunityContact]:
    """Replace the deal's contacts with `contacts`: (contact, role) pairs, each contact once
    and of the deal's account, each role one of `OpportunityContact.Role`."""
    opportunity = _locked(actor, opportunity)
    account_check_visible(actor, opportunity.account)
    pairs = list(contacts)
    roles = set(OpportunityContact.Role.values)
    seen: set[int] = set()
    for contact, role in pairs:
        if contact is None or contact.account_id != opportunity.account_id:
            raise ValidationError({"contacts": _("Choose contacts of this deal's account.")})
        if role not in roles:
            raise ValidationError({"contacts": _("Choose a role from the list.")})
        if contact.pk in seen:
            raise ValidationError({"contacts": _("Each contact once.")})
        seen.add(contact.pk)
    before = sorted(opportunity.contact_roles.values_list("contact_id", "role"))
    opportunity.contact_roles.all().delete()
    rows = OpportunityContact.objects.bulk_create(
        OpportunityContact(opportunity=opportunity, contact=contact, role=role)
        for contact, role in pairs
    )
    after = sorted((contact.pk, role) for contact, role in pairs)
    if before != after:
        audit_log(
            actor=actor,
            action="update",
            instance=opportunity,
            account_id=opportunity.account_id,
            changes={"contacts": ([list(p) for p in before], [list(p) for p in after])},
        )
    return rows


class CompetitorInPlay(NamedTuple):
    """One competitor in play on a deal, as a form or the API gives it."""

    competitor: Competitor | None
    outcome: str = OpportunityCompetitor.Outcome.OPEN
    notes: str = ""


@transaction.atomic
def opportunity_competitors_set(
    *, actor: User, opportunity: Opportunity, competitors: Iterable[CompetitorInPlay]
) -> list[OpportunityCompetitor]:
    """Replace the deal's competitors in play: each competitor once, an active one (or one
    already on the deal), an outcome of `OpportunityCompetitor.Outcome`, notes up to 500
    characters. Whoever sees the deal sets them; audited as a change of the deal."""
    opportunity = _locked(actor, opportunity)
    rows = list(competitors)
    current = dict(opportunity.competitors_in_play.values_list("competitor_id", "outcome"))
    seen: set[int] = set()
    for row in rows:
        if row.competitor is None:
            raise ValidationError({"competitors": _("Choose a competitor from the list.")})
        if not row.competitor.is_active and row.competitor.pk not in current:
            raise ValidationError(
                {
                    "competitors": _("%(name)s is no longer on the list.")
                    % {"name": row.competitor.name}
                }
            )
        if row.outcome not in OpportunityCompetitor.Outcome.values:
            raise ValidationError(
                {"competitors": _("Choose in play, won against it or lost to it.")}
            )
        if len(row.notes or "") > 500:
            raise ValidationError({"competitors": _("Keep the notes under 500 characters.")})
        if row.competitor.pk in seen:
            raise ValidationError(
                {"competitors": _("%(name)s is named twice.") % {"name": row.competitor.name}}
            )
        seen.add(row.competitor.pk)
    before = sorted(
        [c, o, n]
        for c, o, n in opportunity.competitors_in_play.values_list(
            "competitor_id", "outcome", "notes"
        )
    )
    opportunity.competitors_in_play.all().delete()
    created = OpportunityCompetitor.objects.bulk_create(
        OpportunityCompetitor(
            opportunity=opportunity,
            competitor=row.competitor,
            outcome=row.outcome,
            notes=row.notes or "",
        )
        for row in rows
    )
    after = sorted(
        [row.competitor.pk, row.outcome, row.notes or ""] for row in rows if row.competitor
    )
    if before != after:
        audit_log(
            actor=actor,
            action="update",
            instance=opportunity,
            account_id=opportunity.account_id,
            changes={"competitors_in_play": (before, after)},
        )
    return created


def competitor_on_deals(competitor: Competitor) -> bool:
    return OpportunityCompetitor.objects.filter(competitor=competitor).exists()


# --- the admins' stages and loss reasons --------------------------------------------------------


def _check_admin(actor: User | None) -> None:
    if actor is None or not actor.is_active or not actor.is_admin:
        raise PermissionDenied


def _apply_row(instance: models.Model, data: Mapping[str, Any], fields: list[str]) -> None:
    for name, value in data.items():
        if name not in fields:
            raise ValidationError({name: _("This field cannot be set here.")})
        if isinstance(value, str):
            value = value.strip()
        if name == "position" and value is None:
            continue  # the service places it last
        if value is None:
            raise ValidationError({name: _("This field cannot be empty.")})
        setattr(instance, name, value)


def _last_position(queryset: models.QuerySet) -> int:
    last = queryset.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 10


def _save_row(
    instance: Stage | LossReason,
    fields: list[str],
    *,
    actor: User,
    before: dict[str, Any] | None,
) -> None:
    if not instance.name_en and not instance.name_zh_hans:
        raise ValidationError({"name_en": _("Give a name in at least one language.")})
    instance.full_clean(exclude=["code"])
    instance.save()
    audit_log(
        actor=actor,
        action="create" if before is None else "update",
        instance=instance,
        changes=diff_fields(before or {}, snapshot(instance, fields)),
    )


def _check_stage_list(stage: Stage) -> None:
    """The list keeps at least one active open stage, one active won and one active lost."""
    others = Stage.objects.filter(is_active=True).exclude(pk=stage.pk)
    kinds = set(others.values_list("is_won", "is_lost").distinct())
    if stage.is_active:
        kinds.add((stage.is_won, stage.is_lost))
    for kind, message in (
        ((False, False), _("The list needs at least one active open stage.")),
        ((True, False), _("The list needs at least one active won stage.")),
        ((False, True), _("The list needs at least one active lost stage.")),
    ):
        if kind not in kinds:
            raise ValidationError({"is_active": message})


def _check_stage_row(stage: Stage) -> None:
    if stage.is_won and stage.is_lost:
        raise ValidationError({"is_lost": _("A stage is won or lost, not both.")})
    if not 0 <= stage.probability <= 100:
        raise ValidationError({"probability": _("Enter a percentage from 0 to 100.")})


@transaction.atomic
def stage_create(*, actor: User, data: Mapping[str, Any]) -> Stage:
    """Add a stage (last unless a position is given)."""
    _check_admin(actor)
    stage = Stage(position=_last_position(Stage.objects.all()))
    _apply_row(stage, data, STAGE_FIELDS)
    _check_stage_row(stage)
    _save_row(stage, STAGE_FIELDS, actor=actor, before=None)
    return stage


@transaction.atomic
def stage_update(*, actor: User, stage: Stage, data: Mapping[str, Any]) -> Stage:
    """Rename, re-weight, (de)activate a stage. Its won/lost flags cannot change while deals
    use it (their status follows the flags), and the list keeps an active open, won and lost
    stage."""
    _check_admin(actor)
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    before = snapshot(stage, STAGE_FIELDS)
    _apply_row(stage, data, STAGE_FIELDS)
    _check_stage_row(stage)
    flags_changed = (stage.is_won, stage.is_lost) != (before["is_won"], before["is_lost"])
    if flags_changed and stage.opportunities.exists():
        raise ValidationError(
            {"is_won": _("Deals are in this stage: its won or lost flag cannot change.")}
        )
    _check_stage_list(stage)
    _save_row(stage, STAGE_FIELDS, actor=actor, before=before)
    return stage


@transaction.atomic
def stage_deactivate(*, actor: User, stage: Stage) -> Stage:
    """An inactive stage takes no new deals; the deals in it stay."""
    return stage_update(actor=actor, stage=stage, data={"is_active": False})


@transaction.atomic
def stage_reorder(*, actor: User, stage_ids: Sequence[int]) -> None:
    """Put the stages in the order of `stage_ids`, which must name every stage once."""
    _check_admin(actor)
    _reorder(Stage, stage_ids, actor=actor)


@transaction.atomic
def stage_delete(*, actor: User, stage: Stage) -> None:
    """Delete a stage no deal uses nor ever used (its history keeps it); deactivate it
    otherwise."""
    _check_admin(actor)
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    used = (
        stage.opportunities.exists()
        or OpportunityChange.objects.filter(
            models.Q(stage_before=stage) | models.Q(stage_after=stage)
        ).exists()
    )
    if used:
        raise ValidationError(
            {"stage": _("Deals use this stage or its history: deactivate it instead.")}
        )
    stage.is_active = False
    _check_stage_list(stage)
    audit_log(actor=actor, action="delete", instance=stage)
    stage.delete()


def _reorder(model: type[Stage] | type[LossReason], ids: Sequence[int], *, actor: User) -> None:
    rows: list[Stage | LossReason] = list(
        model.objects.select_for_update().order_by("position", "id")
    )
    wanted = [int(pk) for pk in ids]
    if sorted(wanted) != sorted(row.pk for row in rows):
        raise ValidationError({"order": _("Name every row of the list once.")})
    before = [row.pk for row in rows]
    by_pk = {row.pk: row for row in rows}
    for index, pk in enumerate(wanted):
        by_pk[pk].position = (index + 1) * 10
    model.objects.bulk_update(list(by_pk.values()), ["position"])  # type: ignore[arg-type]
    audit_log(
        actor=actor,
        action="reorder",
        model=model._meta.label,
        changes={"order": (before, wanted)},
    )


@transaction.atomic
def loss_reason_create(*, actor: User, data: Mapping[str, Any]) -> LossReason:
    _check_admin(actor)
    reason = LossReason(position=_last_position(LossReason.objects.all()))
    _apply_row(reason, data, LOSS_REASON_FIELDS)
    _save_row(reason, LOSS_REASON_FIELDS, actor=actor, before=None)
    return reason


@transaction.atomic
def loss_reason_update(*, actor: User, reason: LossReason, data: Mapping[str, Any]) -> LossReason:
    """Rename or (de)activate a loss reason; the list keeps at least one active reason (a lost
    deal needs one)."""
    _check_admin(actor)
    reason = LossReason.objects.select_for_update().get(pk=reason.pk)
    before = snapshot(reason, LOSS_REASON_FIELDS)
    _apply_row(reason, data, LOSS_REASON_FIELDS)
    if (
        not reason.is_active
        and not LossReason.objects.filter(is_active=True).exclude(pk=reason.pk).exists()
    ):
        raise ValidationError({"is_active": _("The list needs at least one active loss reason.")})
    _save_row(reason, LOSS_REASON_FIELDS, actor=actor, before=before)
    return reason


@transaction.atomic
def loss_reason_deactivate(*, actor: User, reason: LossReason) -> LossReason:
    """An inactive reason is offered no more; the deals lost for it keep it."""
    return loss_reason_update(actor=actor, reason=reason, data={"is_active": False})


@transaction.atomic
def loss_reason_reorder(*, actor: User, reason_ids: Sequence[int]) -> None:
    _check_admin(actor)
    _reorder(LossReason, reason_ids, actor=actor)


@transaction.atomic
def loss_reason_delete(*, actor: User, reason: LossReason) -> None:
    """Delete a loss reason no deal uses; deactivate it otherwise."""
    _check_admin(actor)
    reason = LossReason.objects.select_for_update().get(pk=reason.pk)
    if reason.opportunities.exists():
        raise ValidationError(
            {"loss_reason": _("Deals were lost for this reason: deactivate it instead.")}
        )
    if (
        reason.is_active
        and not LossReason.objects.filter(is_active=True).exclude(pk=reason.pk).exists()
    ):
        raise ValidationError({"is_active": _("The list needs at least one active loss reason.")})
    audit_log(actor=actor, action="delete", instance=reason)
    reason.delete()


# --- the colour rule on prospects ---------------------------------------------------------------


@transaction.atomic
def prospect_colour_set(
    *,
    actor: User,
    prospect: Prospect,
    colour: str,
    reason: str = "",
    sub_stage: SubStage | None = None,
) -> Prospect:
    """Set a prospect's colour by the colour rule (`opportunities.colour`): a colour other than
    the rule's needs the rep's `reason`, kept on the prospect (`colour_override_reason`) and
    shown on its card beside the rule's colour; the rule's colour clears it. The move itself
    (scope, abandoned prospects, red marking the account won) is prospects' `prospect_move`.

    The prospects' own pages move colours through `prospect_move` without the rule (the lower
    app cannot read deals): such a move clears an old reason, and the card then shows the rule's
    colour beside the one chosen, marked as differing without a reason."""
    account_check_visible(actor, prospect.account)
    rule = colour_of_account(prospect.account_id)
    reason = (reason or "").strip()
    if colour != rule and not reason:
        raise ValidationError(
            {
                "colour_override_reason": _(
                    "The rule gives %(rule)s: say why this prospect is %(colour)s."
                )
                % {"rule": COLOUR_SHORT[rule], "colour": COLOUR_SHORT.get(colour, colour)}
            }
        )
    return prospect_move(
        actor=actor,
        prospect=prospect,
        colour=colour,
        sub_stage=sub_stage,
        override_reason=reason if colour != rule else "",
    )
