"""Writes of worksheets and prospects. Each re-checks the actor's scope, runs in one
transaction and writes the audit trail, so a form, a serializer, a drag on the board and a
button on a phone all end in the same rules."""

import datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from accounts.selectors import account_check_visible
from accounts.services import account_set_lifecycle
from core.audit import audit_created, audit_log, diff_fields, snapshot
from crm.models import Team, User
from prospects.models import (
    CRITERIA,
    CRITERION_FIELDS,
    NOTE_FIELDS,
    Colour,
    Prospect,
    SubStage,
    Worksheet,
)
from prospects.selectors import loyalty_proposal, prospects_visible_to

PROSPECT_FIELDS = [
    "colour",
    "sub_stage",
    "competitor_loyalty",
    "loyalty_override_reason",
    "source",
    "notes",
]
PROSPECT_EDIT_FIELDS = [
    "sub_stage",
    "competitor_loyalty",
    "loyalty_override_reason",
    "source",
    "notes",
]
PROSPECT_AUDIT_FIELDS = [
    *PROSPECT_FIELDS,
    "won_at",
    "colour_changed_at",
    "decision",
    "decision_reason",
    "colour_override_reason",
]


def _check_loyalty(prospect: Prospect, *, changed: bool) -> None:
    """Loyalty to a competitor against the proposal from the account's incumbents
    (prospects.selectors.loyalty_proposal): the proposed value, or none, keeps no reason; a
    different one needs the rep's reason, unless the account has no incumbent recorded (then
    nothing contradicts the rep). Checked when the loyalty or its reason changes, so that
    editing the notes of a prospect whose incumbents changed since does not ask again."""
    prospect.loyalty_override_reason = (prospect.loyalty_override_reason or "").strip()
    if not changed:
        return
    proposal = loyalty_proposal(prospect.account_id)
    loyalty = prospect.competitor_loyalty
    if not loyalty or loyalty == proposal.loyalty:
        prospect.loyalty_override_reason = ""
        return
    if proposal.has_facts and not prospect.loyalty_override_reason:
        raise ValidationError(
            {
                "loyalty_override_reason": _(
                    "The account's incumbent suppliers suggest %(proposal)s loyalty (%(why)s): "
                    "say why it is %(chosen)s."
                )
                % {
                    "proposal": Prospect.Loyalty(proposal.loyalty).label,
                    "why": " ".join(proposal.reasons),
                    "chosen": Prospect.Loyalty(loyalty).label,
                }
            }
        )


def _locked_prospect(actor: User, prospect: Prospect) -> Prospect:
    """The prospect's row, locked, if the actor sees it (re-read: never trust the caller's copy)."""
    locked = (
        prospects_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("account")
        .filter(pk=prospect.pk)
        .first()
    )
    if locked is None:
        raise ValidationError({"account": _("Select an account you can see.")})
    return locked


def _clean_scores(scores: dict[str, Any]) -> dict[str, int]:
    errors = {}
    for key in scores:
        if key not in CRITERION_FIELDS:
            errors[key] = _("This field cannot be set here.")
    cleaned = {}
    for criterion in CRITERIA:
        value = scores.get(criterion.field)
        if value is None:
            errors[criterion.field] = _("Score “%(criterion)s” with 1 or 0.") % {
                "criterion": criterion.label
            }
        elif type(value) is not int or value not in (0, 1):
            errors[criterion.field] = _("“%(criterion)s” must be 1 or 0, not %(value)s.") % {
                "criterion": criterion.label,
                "value": value,
            }
        else:
            cleaned[criterion.field] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_notes(notes: dict[str, Any] | None) -> dict[str, str]:
    notes = notes or {}
    cleaned = {}
    for key, value in notes.items():
        field = key if key.endswith("_note") else f"{key}_note"
        if field not in NOTE_FIELDS:
            raise ValidationError({key: _("This field cannot be set here.")})
        cleaned[field] = (value or "").strip()
    return cleaned


@transaction.atomic
def worksheet_create(
    *, actor: User, account: Account, scores: dict[str, Any], notes: dict[str, Any] | None = None
) -> Worksheet:
    """File a worksheet for the account: seven scores of 1 or 0 (keys: the criterion fields),
    optional notes per criterion. It becomes the account's current score; earlier ones stay
    as its history."""
    account_check_visible(actor, account)
    cleaned = _clean_scores(scores)
    cleaned_notes = _clean_notes(notes)
    # Lock the account so that two worksheets filed at once are ordered, not both "current".
    Account.objects.select_for_update().filter(pk=account.pk).values_list("pk").first()
    worksheet = Worksheet(
        account_id=account.pk,
        author=actor,
        filled_at=timezone.now(),
        total=sum(cleaned.values()),
        is_current=True,
        **cleaned,
        **cleaned_notes,
    )
    worksheet.full_clean(exclude=["account", "author"], validate_constraints=False)
    previous = Worksheet.objects.filter(account_id=account.pk, is_current=True)
    previous_total = previous.values_list("total", flat=True).first()
    previous.update(is_current=False)
    worksheet.save()
    audit_log(
        actor=actor,
        action="create",
        instance=worksheet,
        account_id=account.pk,
        changes={
            **{f: (None, v) for f, v in cleaned.items()},
            "total": (previous_total, worksheet.total),
        },
    )
    return worksheet


def _check_sub_stage(sub_stage: SubStage | None, colour: str) -> None:
    if sub_stage is None:
        return
    if sub_stage.colour != colour or not sub_stage.is_active:
        raise ValidationError(
            {
                "sub_stage": _("Choose a sub-stage of the colour %(colour)s.")
                % {"colour": Colour(colour).label}
            }
        )


def _apply_colour(*, actor: User, prospect: Prospect, colour: str, now: datetime.datetime) -> None:
    """Set the colour; red (won) turns the account existing, dated, through its service."""
    if colour not in Colour.values:
        raise ValidationError({"colour": _("Choose green, yellow or red.")})
    if colour != prospect.colour or prospect.colour_changed_at is None:
        prospect.colour_changed_at = now
    prospect.colour = colour
    if colour == Colour.RED:
        prospect.won_at = prospect.won_at or now
        if prospect.account.lifecycle != Account.Lifecycle.EXISTING:
            account_set_lifecycle(
                actor=actor, account=prospect.account, lifecycle=Account.Lifecycle.EXISTING
            )
    else:
        prospect.won_at = None


@transaction.atomic
def prospect_create(*, actor: User, account: Account, data: dict[str, Any]) -> Prospect:
    """Put an account in the pipeline (green unless told), with its source from the account."""
    account_check_visible(actor, account)
    account = Account.objects.select_for_update().get(pk=account.pk)
    data = dict(data)
    for key in data:
        if key not in PROSPECT_FIELDS:
            raise ValidationError({key: _("This field cannot be set here.")})
    colour = data.pop("colour", None) or Colour.GREEN
    data.setdefault("source", account.source)
    prospect = Prospect(account=account, **data)
    _check_sub_stage(prospect.sub_stage, colour)
    _check_loyalty(prospect, changed=True)
    now = timezone.now()
    prospect.colour = Colour.GREEN
    _apply_colour(actor=actor, prospect=prospect, colour=colour, now=now)
    prospect.full_clean(exclude=["account"], validate_constraints=False)
    try:
        with transaction.atomic():
            prospect.save()
    except IntegrityError as exc:
        raise ValidationError({"account": _("This account is already in the pipeline.")}) from exc
    audit_created(
        actor=actor, instance=prospect, fields=PROSPECT_AUDIT_FIELDS, account_id=account.pk
    )
    return prospect


@transaction.atomic
def prospect_update(*, actor: User, prospect: Prospect, data: dict[str, Any]) -> Prospect:
    """Edit the sub-stage, loyalty to a competitor (the segment), source and notes."""
    prospect = _locked_prospect(actor, prospect)
    before = snapshot(prospect, PROSPECT_AUDIT_FIELDS)
    for key, value in data.items():
        if key not in PROSPECT_EDIT_FIELDS:
            raise ValidationError({key: _("This field cannot be set here.")})
        setattr(prospect, key, value)
    _check_sub_stage(prospect.sub_stage, prospect.colour)
    _check_loyalty(
        prospect,
        changed=(prospect.competitor_loyalty, prospect.loyalty_override_reason)
        != (before["competitor_loyalty"], before["loyalty_override_reason"]),
    )
    prospect.full_clean(exclude=["account"], validate_constraints=False)
    prospect.save()
    audit_log(
        actor=actor,
        action="update",
        instance=prospect,
        account_id=prospect.account_id,
        changes=diff_fields(before, snapshot(prospect, PROSPECT_AUDIT_FIELDS)),
    )
    return prospect


@transaction.atomic
def prospect_move(
    *,
    actor: User,
    prospect: Prospect,
    colour: str,
    sub_stage: SubStage | None = None,
    override_reason: str | None = None,
) -> Prospect:
    """Move a prospect to a colour (and optionally a sub-stage of it). Moving to red marks it
    won and turns the account's lifecycle to existing, dated. Abandoned prospects do not move
    until revived.

    `override_reason`: why the colour differs from the colour rule's (kept on the prospect;
    the rule lives in the higher opportunities app, whose `prospect_colour_set` checks it and
    calls this). A move to another colour without one clears the reason of the old colour."""
    prospect = _locked_prospect(actor, prospect)
    if prospect.is_abandoned:
        raise ValidationError(
            {"colour": _("This prospect is abandoned; revive it before moving it.")}
        )
    if colour not in Colour.values:
        raise ValidationError({"colour": _("Choose green, yellow or red.")})
    _check_sub_stage(sub_stage, colour)
    reason = prospect.colour_override_reason if override_reason is None else override_reason
    if prospect.colour != colour and override_reason is None:
        reason = ""
    if (
        prospect.colour == colour
        and prospect.sub_stage_id == getattr(sub_stage, "pk", None)
        and prospect.colour_override_reason == reason.strip()
    ):
        return prospect
    before = snapshot(prospect, PROSPECT_AUDIT_FIELDS)
    prospect.sub_stage = sub_stage
    prospect.colour_override_reason = reason.strip()
    _apply_colour(actor=actor, prospect=prospect, colour=colour, now=timezone.now())
    prospect.save()
    audit_log(
        actor=actor,
        action="move",
        instance=prospect,
        account_id=prospect.account_id,
        changes=diff_fields(before, snapshot(prospect, PROSPECT_AUDIT_FIELDS)),
    )
    return prospect


@transaction.atomic
def prospect_decide(
    *, actor: User, prospect: Prospect, decision: str, reason: str = ""
) -> Prospect:
    """Set the visit-plan decision: keep visiting, don't give up, or abandon (with a reason).
    An abandoned prospect leaves the active pipeline; deciding otherwise brings it back."""
    prospect = _locked_prospect(actor, prospect)
    if decision not in Prospect.Decision.values:
        raise ValidationError({"decision": _("Choose keep visiting, don't give up or abandon.")})
    reason = (reason or "").strip()
    if decision == Prospect.Decision.ABANDON and not reason:
        raise ValidationError({"decision_reason": _("Give a reason for abandoning.")})
    before = snapshot(prospect, PROSPECT_AUDIT_FIELDS)
    was_abandoned = prospect.is_abandoned
    prospect.decision = decision
    prospect.decision_reason = reason
    prospect.decided_at = timezone.now()
    prospect.decided_by = actor
    prospect.full_clean(exclude=["account"], validate_constraints=False)
    prospect.save()
    action = "decide"
    if was_abandoned and decision != Prospect.Decision.ABANDON:
        action = "revive"
    audit_log(
        actor=actor,
        action=action,
        instance=prospect,
        account_id=prospect.account_id,
        changes=diff_fields(before, snapshot(prospect, PROSPECT_AUDIT_FIELDS)),
    )
    return prospect


@transaction.atomic
def prospect_revive(
    *,
    actor: User,
    prospect: Prospect,
    reason: str = "",
    decision: str = Prospect.Decision.KEEP_VISITING,
) -> Prospect:
    """Bring an abandoned prospect back into the active pipeline."""
    locked = _locked_prospect(actor, prospect)
    if not locked.is_abandoned:
        raise ValidationError({"decision": _("This prospect is not abandoned.")})
    if decision == Prospect.Decision.ABANDON:
        raise ValidationError({"decision": _("Choose keep visiting or don't give up.")})
    return prospect_decide(actor=actor, prospect=locked, decision=decision, reason=reason)


@transaction.atomic
def team_minimums_set(*, actor: User, minimums: dict[int, int]) -> list[Team]:
    """Set teams' pipeline minimums (`{team id: minimum}`; admins only), all or none: one bad
    value (below 1, or a team that does not exist) writes nothing and names its team. Each
    changed team is written to the audit trail. Returns the teams that changed."""
    if actor is None or not actor.is_admin:
        raise PermissionDenied
    teams = {t.pk: t for t in Team.objects.select_for_update().filter(pk__in=list(minimums))}
    errors: dict[str, list[str]] = {}
    for team_id, minimum in minimums.items():
        team = teams.get(team_id)
        if team is None:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _("Team %(id)s does not exist.") % {"id": team_id}
            )
        elif not isinstance(minimum, int) or minimum < 1:
            errors[team_field_name(team_id)] = [
                _("%(team)s: the minimum must be a whole number of at least 1.") % {"team": team}
            ]
    if errors:
        raise ValidationError(errors)
    changed = []
    for team_id, minimum in sorted(minimums.items()):
        team = teams[team_id]
        if team.pipeline_minimum == minimum:
            continue
        before = snapshot(team, ["pipeline_minimum"])
        team.pipeline_minimum = minimum
        team.save(update_fields=["pipeline_minimum"])
        audit_log(
            actor=actor,
            action="update",
            instance=team,
            changes=diff_fields(before, snapshot(team, ["pipeline_minimum"])),
        )
        changed.append(team)
    return changed


def team_field_name(team_id: int) -> str:
    """The name of a team's minimum in forms and errors: `team_<id>`."""
    return f"team_{team_id}"
