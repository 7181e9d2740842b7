"""Targets (quotas): who reads them, who sets them, and the writes.

Reading: a rep reads their own targets and their team's; a manager their own, their teams'
members' and the teams they lead; an admin every one (`targets_visible_to`, on the users and
teams a user sees: `crm.selectors.users_visible_to`, `teams_visible_to`). Writing: an admin sets
any rep's or team's target; a manager those of the teams they lead and of those teams' reps
(never their own); a rep none (`target_can_set`). Every write is audited.

A period is a month or a quarter named by its first day; any day given is moved to the first
day of its month or quarter (`period_bounds`).
"""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from core.audit import audit_log, diff_fields, snapshot
from crm.models import Team, User
from crm.selectors import NOTHING, Viewer, teams_visible_to, users_visible_to
from opportunities.models import Target

AUDITED_FIELDS = ["user", "team", "period", "period_start", "measure", "value"]
MONTHS_OF: dict[str, int] = {Target.Period.MONTH: 1, Target.Period.QUARTER: 3}


def period_start_of(period: str, day: datetime.date) -> datetime.date:
    """The first day of the month or quarter that holds `day`."""
    if period == Target.Period.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


# Periods are read within these years, so that a period's end and a projection never leave
# what Python's dates hold.
FIRST_YEAR, LAST_YEAR = 1900, 9998


def check_day(day: datetime.date | None, field: str) -> None:
    """A ValidationError on `field` for a day outside FIRST_YEAR to LAST_YEAR."""
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError({field: _("Choose a date from 1900 to 9998.")})


def period_bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period holding `day`: its first day and the first day after it (half-open)."""
    start = period_start_of(period, day)
    months = start.month - 1 + MONTHS_OF.get(period, 1)
    end = datetime.date(start.year + months // 12, months % 12 + 1, 1)
    return start, end


def target_scope_q(user: Viewer) -> Q:
    """The targets `user` reads: of the users and the teams they see."""
    return Q(user__in=users_visible_to(user).values("pk")) | Q(
        team__in=teams_visible_to(user).values("pk")
    )


def targets_visible_to(user: Viewer) -> QuerySet[Target]:
    return Target.objects.filter(target_scope_q(user)).select_related("user", "team")


def target_get_visible(user: Viewer, pk: int | str) -> Target | None:
    return targets_visible_to(user).filter(pk=pk).first()


def target_can_set(actor: Viewer, *, user: User | None = None, team: Team | None = None) -> bool:
    """Whether `actor` may set a target for this rep or team."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_admin:
        return True
    if actor.role != User.Role.MANAGER:
        return False
    if team is not None:
        return team.manager_id == actor.pk
    if user is not None and user.pk != actor.pk and user.team_id is not None:
        return Team.objects.filter(pk=user.team_id, manager=actor).exists()
    return False


def target_settable_q(actor: Viewer) -> Q:
    """The targets `actor` may change or delete (`target_can_set` as a Q)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return NOTHING
    if actor.is_admin:
        return Q()
    if actor.role != User.Role.MANAGER:
        return NOTHING
    return Q(team__manager=actor) | (Q(user__team__manager=actor) & ~Q(user=actor))


def target_reps_settable_by(actor: Viewer) -> QuerySet[User]:
    """Active reps `actor` may set a target for (the form's choices)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return User.objects.none()
    reps = User.objects.filter(is_active=True, role=User.Role.REP).order_by("username")
    if actor.is_admin:
        return reps
    if actor.role == User.Role.MANAGER:
        return reps.filter(team__manager=actor)
    return reps.none()


def target_teams_settable_by(actor: Viewer) -> QuerySet[Team]:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Team.objects.none()
    if actor.is_admin:
        return Team.objects.order_by("name")
    if actor.role == User.Role.MANAGER:
        return Team.objects.filter(manager=actor).order_by("name")
    return Team.objects.none()


def _check_who(actor: User, user: User | None, team: Team | None) -> None:
    if (user is None) == (team is None):
        raise ValidationError(_("Set a target for one rep or one team."))
    if user is not None and (not user.is_active or user.role != User.Role.REP):
        raise ValidationError({"user": _("Choose an active sales rep.")})
    if not target_can_set(actor, user=user, team=team):
        raise PermissionDenied(_("You may not set targets for this rep or team."))


def _check_value(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({"value": _("Enter a number.")}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({"value": _("A target cannot be negative.")})
    if number.as_tuple().exponent < -2 or abs(number) >= Decimal(10) ** 14:  # type: ignore[operator]
        raise ValidationError({"value": _("Enter at most 14 digits and 2 decimal places.")})
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def target_set(
    *,
    actor: User,
    period: str,
    period_start: datetime.date,
    measure: str,
    value: Decimal | int | str,
    user: User | None = None,
    team: Team | None = None,
) -> Target:
    """Set the target of a rep or a team for one period and measure: a new row, or the value
    of the one already there (the database's unique constraints decide, so two at once cannot
    make two)."""
    _check_who(actor, user, team)
    if period not in Target.Period.values:
        raise ValidationError({"period": _("Choose a month or a quarter.")})
    if measure not in Target.Measure.values:
        raise ValidationError({"measure": _("Choose a measure.")})
    number = _check_value(value)
    check_day(period_start, "period_start")
    start = period_start_of(period, period_start)
    key = {"user": user, "team": team, "period": period, "period_start": start, "measure": measure}
    target = Target(**key, value=number, set_by=actor)
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        target = Target.objects.select_for_update().get(**key)
        before = snapshot(target, AUDITED_FIELDS)
        target.value, target.set_by = number, actor
        target.save(update_fields=["value", "set_by", "updated_at"])
        audit_log(
            actor=actor,
            action="update",
            instance=target,
            changes=diff_fields(before, snapshot(target, AUDITED_FIELDS)),
        )
        return target
    audit_log(
        actor=actor,
        action="create",
        instance=target,
        changes=diff_fields({}, snapshot(target, AUDITED_FIELDS)),
    )
    return target


def _locked(actor: User, target: Target) -> Target:
    """The target, locked, if `actor` reads it (404 otherwise) and may set it (403)."""
    found = targets_visible_to(actor).select_for_update(of=("self",)).filter(pk=target.pk).first()
    if found is None:
        raise Http404
    if not target_can_set(actor, user=found.user, team=found.team):
        raise PermissionDenied(_("You may not change this target."))
    return found


@transaction.atomic
def target_update(*, actor: User, target: Target, value: Decimal | int | str) -> Target:
    """Change a target's value (its rep or team, period and measure stay)."""
    target = _locked(actor, target)
    number = _check_value(value)
    before = snapshot(target, AUDITED_FIELDS)
    target.value, target.set_by = number, actor
    target.save(update_fields=["value", "set_by", "updated_at"])
    audit_log(
        actor=actor,
        action="update",
        instance=target,
        changes=diff_fields(before, snapshot(target, AUDITED_FIELDS)),
    )
    return target


@transaction.atomic
def target_delete(*, actor: User, target: Target) -> None:
    target = _locked(actor, target)
    audit_log(actor=actor, action="delete", instance=target, extra=snapshot(target, AUDITED_FIELDS))
    target.delete()
