"""Writes of visits, plans, checklist ticks, touches, occasions and checklist items."""

import datetime
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import (
    BooleanField,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    TimeField,
    Value,
)
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Contact
from accounts.selectors import account_check_visible, accounts_visible_to
from accounts.services import account_location_set
from core.audit import audit_log, diff_fields, snapshot
from crm.models import User
from crm.selectors import users_assignable_by
from prospects.selectors import abandoned_account_ids
from visits.checkin import CheckIn, distance_m
from visits.expressions import AddDays
from visits.models import (
    ChecklistItem,
    ChecklistTick,
    Occasion,
    Reminder,
    ReminderQuerySet,
    Touch,
    Visit,
    VisitPlan,
    VisitSettings,
)
from visits.selectors import due_date_expression
from visits.services.sql import insert_select
from visits.signals import visit_logged

VISIT_FIELDS = [
    "account",
    "visit_date",
    "visit_time",
    "purpose",
    "outcome",
    "next_step",
    "duration_minutes",
    "expenses",
    "plan",
]
PLAN_FIELDS = ["account", "planned_date", "planned_time", "slot", "purpose", "senior_manager"]
TOUCH_FIELDS = ["account", "contact", "type", "date", "occasion", "note"]
OCCASION_FIELDS = [
    "kind",
    "name_en",
    "name_zh_hans",
    "month",
    "day",
    "date",
    "active",
    "gift_type",
    "gift_tiers",
    "gift_roles",
    "gift_lead_days",
    "greeting_type",
    "greeting_tiers",
    "greeting_roles",
    "greeting_lead_days",
]
CHECKLIST_ITEM_FIELDS = ["position", "text_en", "text_zh_hans", "shows", "active"]


def _apply(instance: models.Model, data: dict[str, Any], fields: list[str]) -> None:
    for field, value in data.items():
        if field not in fields:
            raise ValidationError({field: _("This field cannot be set here.")})
        if value is None and not instance._meta.get_field(field).null:
            raise ValidationError({field: _("This field cannot be empty.")})
        setattr(instance, field, value)


def _check_admin(actor: User) -> None:
    if actor is None or not actor.is_admin:
        raise PermissionDenied


def _check_contacts(
    account: Account, contacts: Iterable[Contact] | None, field: str = "contacts"
) -> list[Contact]:
    chosen = list(contacts or [])
    ids = {c.pk for c in chosen}
    if ids and Contact.objects.filter(pk__in=ids, account=account).count() != len(ids):
        raise ValidationError({field: _("Choose contacts of this account.")})
    return chosen


def _full_clean(instance: models.Model, **kwargs: Any) -> None:
    instance.full_clean(**kwargs)


def _resolve_reminders(qs: ReminderQuerySet) -> int:
    return qs.open().update(status=Reminder.Status.DONE, done_at=timezone.now())


def _resolve_given_reminder(actor: User, reminder: Reminder | None, account: Account) -> None:
    """The reminder a visit or touch was logged from is done (when it is the actor's own)."""
    if reminder is None:
        return
    if reminder.recipient_id != actor.pk or reminder.account_id != account.pk:
        raise ValidationError(
            {"reminder": _("This reminder is not yours or not for this account.")}
        )
    _resolve_reminders(Reminder.objects.filter(pk=reminder.pk))


# --- Visits ------------------------------------------------------------------------------


def accounts_last_visit_refresh(*, account_ids: Iterable[int]) -> int:
    """Set `Account.last_visit_date` of `account_ids` from their visits (NULL for an account
    left without one), in one UPDATE whatever their number (the ids travel as one array):
    each account's latest visit date is one backward probe of the index on visits (account,
    visit_date). Every service that writes or deletes visits calls it in its transaction,
    with the accounts whose visits changed (a visit moved to another account: both); so do
    the admin and the demo seed. Returns the number of accounts whose date changed."""
    ids = sorted({int(pk) for pk in account_ids})
    if not ids:
        return 0
    accounts, visits = Account._meta, Visit._meta
    table, pk = accounts.db_table, accounts.pk.column
    column = accounts.get_field("last_visit_date").column
    visit_account = visits.get_field("account").column
    visit_date = visits.get_field("visit_date").column
    # Table and column names from the models' meta; the ids are a parameter.
    latest = (
        f"(SELECT v.{visit_date} FROM {visits.db_table} v WHERE v.{visit_account} = a.{pk} "  # noqa: S608 # nosec B608
        f"ORDER BY v.{visit_date} DESC LIMIT 1)"
    )
    sql = (
        f"UPDATE {table} a SET {column} = {latest} "  # noqa: S608 # nosec B608
        f"WHERE a.{pk} = ANY(%s) AND a.{column} IS DISTINCT FROM {latest}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids])
        return max(cursor.rowcount, 0)


def _check_plan(visit: Visit) -> None:
    plan = visit.plan
    if plan is None:
        return
    if plan.account_id != visit.account_id:
        raise ValidationError({"plan": _("This plan is for another account.")})
    if plan.status == VisitPlan.Status.CANCELLED:
        raise ValidationError({"plan": _("This plan was cancelled.")})
    taken = Visit.objects.filter(plan=plan).exclude(pk=visit.pk).exists()
    if taken:
        raise ValidationError({"plan": _("Another visit was already logged for this plan.")})


def _mark_plan_done(plan: VisitPlan | None) -> None:
    if plan is None:
        return
    VisitPlan.objects.filter(pk=plan.pk).update(
        status=VisitPlan.Status.DONE, updated_at=timezone.now()
    )
    _resolve_reminders(Reminder.objects.filter(plan=plan))


@transaction.atomic
def visit_create(
    *,
    actor: User,
    data: dict[str, Any],
    contacts: Iterable[Contact] | None = None,
    reminder: Reminder | None = None,
    next_visit_date: datetime.date | None = None,
    check_in: CheckIn | None = None,
    next_step_due: datetime.date | None = None,
    next_step_due_time: datetime.time | None = None,
) -> Visit:
    """Log a visit. Its plan (if any) turns done; the account's "due" reminders and the
    reminder it was logged from are resolved; `next_visit_date` plans the next visit;
    `check_in` (given with the rep's consent) records where they were (see _check_in).
    `next_step_due` (and its time) announce the next step with its due date (visit_logged:
    commitments make it one)."""
    visit = Visit(logged_by=actor)
    _apply(visit, data, VISIT_FIELDS)
    account_check_visible(actor, visit.account)
    _check_plan(visit)
    contacts = _check_contacts(visit.account, contacts)
    if check_in is not None:
        _check_in(actor, visit, check_in)
    _full_clean(visit)
    visit.save()
    accounts_last_visit_refresh(account_ids=[visit.account_id])
    visit.contacts.set(contacts)
    _mark_plan_done(visit.plan)
    _resolve_reminders(Reminder.objects.filter(account=visit.account, kind=Reminder.Kind.VISIT_DUE))
    _resolve_given_reminder(actor, reminder, visit.account)
    audit_log(
        actor=actor,
        action="create",
        instance=visit,
        account_id=visit.account_id,
        changes=diff_fields({}, {**snapshot(visit, VISIT_FIELDS), "contacts": _ids(contacts)}),
    )
    if next_visit_date is not None:
        if next_visit_date <= visit.visit_date:
            raise ValidationError(
                {"next_visit_date": _("The next visit must come after this one.")}
            )
        plan_create(
            actor=actor,
            data={"account": visit.account, "planned_date": next_visit_date},
            use_defaults=True,
        )
    _check_next_step(visit, next_step_due, next_step_due_time)
    visit_logged.send(
        sender=Visit,
        actor=actor,
        visit=visit,
        next_step_due=next_step_due,
        next_step_due_time=next_step_due_time,
    )
    return visit


def _check_in(actor: User, visit: Visit, check_in: CheckIn) -> None:
    """The position and time on the visit, and its distance from the account's location. An
    account without one gets this position (the first check-in there), when the browser was
    sure of it (CHECK_IN_LOCATION_MAX_ACCURACY_M): the distance is then 0."""
    if not (-90 <= check_in.latitude <= 90 and -180 <= check_in.longitude <= 180) or (
        check_in.accuracy_m is not None and check_in.accuracy_m < 0
    ):
        raise ValidationError({"record_position": _("The position received is not valid.")})
    account = visit.account
    if account.latitude is None and check_in.precise:
        account_location_set(
            actor=actor,
            account=account,
            latitude=check_in.latitude,
            longitude=check_in.longitude,
            source=Account.LocationSource.CHECK_IN,
            only_if_missing=True,
        )
        account.refresh_from_db(fields=["latitude", "longitude"])
    visit.check_in_latitude = check_in.latitude
    visit.check_in_longitude = check_in.longitude
    visit.check_in_accuracy_m = check_in.accuracy_m
    visit.check_in_at = timezone.now()
    visit.check_in_distance_m = distance_m(check_in, account.latitude, account.longitude)


def _check_next_step(
    visit: Visit, due: datetime.date | None, due_time: datetime.time | None
) -> None:
    if due is None:
        if due_time is not None:
            raise ValidationError(
                {"next_step_due": _("Give the next step's due date with its time.")}
            )
        return
    if not visit.next_step.strip():
        raise ValidationError(
            {"next_step": _("Say what the next step is, or leave its date empty.")}
        )
    if due < visit.visit_date:
        raise ValidationError({"next_step_due": _("The next step cannot be due before the visit.")})


def _ids(objs: Iterable[models.Model]) -> str:
    return ",".join(str(o.pk) for o in objs)


@transaction.atomic
def visit_update(
    *, actor: User, visit: Visit, data: dict[str, Any], contacts: Iterable[Contact] | None = None
) -> Visit:
    account_check_visible(actor, visit.account)
    visit = Visit.objects.select_for_update().select_related("account").get(pk=visit.pk)
    before = {**snapshot(visit, VISIT_FIELDS), "contacts": _ids(visit.contacts.all())}
    account_before = visit.account_id
    _apply(visit, data, VISIT_FIELDS)
    account_check_visible(actor, visit.account)
    _check_plan(visit)
    if contacts is None:
        contacts = list(visit.contacts.all())
    contacts = _check_contacts(visit.account, contacts)
    _full_clean(visit)
    visit.save()
    # Its date may have changed, or its account (then both accounts' last visit).
    accounts_last_visit_refresh(account_ids=[account_before, visit.account_id])
    visit.contacts.set(contacts)
    _mark_plan_done(visit.plan)
    audit_log(
        actor=actor,
        action="update",
        instance=visit,
        account_id=visit.account_id,
        changes=diff_fields(before, {**snapshot(visit, VISIT_FIELDS), "contacts": _ids(contacts)}),
    )
    return visit


@transaction.atomic
def visit_delete(*, actor: User, visit: Visit) -> None:
    """Delete a logged visit; a plan it completed is planned again."""
    account_check_visible(actor, visit.account)
    if visit.plan_id:
        VisitPlan.objects.filter(pk=visit.plan_id, status=VisitPlan.Status.DONE).update(
            status=VisitPlan.Status.PLANNED, updated_at=timezone.now()
        )
    audit_log(actor=actor, action="delete", instance=visit, account_id=visit.account_id)
    account_id = visit.account_id
    visit.delete()
    accounts_last_visit_refresh(account_ids=[account_id])


# --- Plans -------------------------------------------------------------------------------


def _save_plan(plan: VisitPlan) -> None:
    _full_clean(plan, validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"planned_date": _("This account already has a visit planned that day.")}
        ) from exc


@transaction.atomic
def plan_create(*, actor: User, data: dict[str, Any], use_defaults: bool = True) -> VisitPlan:
    """Plan a visit by hand. With `use_defaults`, an A-tier visit without a time takes the
    morning slot (settings); others the afternoon slot."""
    plan = VisitPlan(created_by=actor, source=VisitPlan.Source.MANUAL)
    _apply(plan, data, PLAN_FIELDS)
    account_check_visible(actor, plan.account)
    if use_defaults and plan.planned_time is None and plan.account is not None:
        slot, at = VisitSettings.load().slot_for(plan.account.tier)
        if "slot" not in data or plan.slot == "any":
            plan.slot = slot
        plan.planned_time = at
    _save_plan(plan)
    _resolve_reminders(Reminder.objects.filter(account=plan.account, kind=Reminder.Kind.VISIT_DUE))
    audit_log(
        actor=actor,
        action="create",
        instance=plan,
        account_id=plan.account_id,
        changes=diff_fields({}, snapshot(plan, PLAN_FIELDS)),
    )
    return plan


@transaction.atomic
def plan_update(*, actor: User, plan: VisitPlan, data: dict[str, Any]) -> VisitPlan:
    account_check_visible(actor, plan.account)
    plan = VisitPlan.objects.select_for_update().select_related("account").get(pk=plan.pk)
    if plan.status != VisitPlan.Status.PLANNED:
        raise ValidationError({"status": _("Only a planned visit can be changed.")})
    before = snapshot(plan, PLAN_FIELDS)
    _apply(plan, data, PLAN_FIELDS)
    account_check_visible(actor, plan.account)
    _save_plan(plan)
    # Reminders about the old date or account no longer apply.
    _resolve_reminders(
        Reminder.objects.filter(plan=plan).exclude(date=plan.planned_date, account=plan.account)
    )
    audit_log(
        actor=actor,
        action="update",
        instance=plan,
        account_id=plan.account_id,
        changes=diff_fields(before, snapshot(plan, PLAN_FIELDS)),
    )
    return plan


@transaction.atomic
def plan_cancel(*, actor: User, plan: VisitPlan) -> VisitPlan:
    account_check_visible(actor, plan.account)
    plan = VisitPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != VisitPlan.Status.PLANNED:
        raise ValidationError({"status": _("Only a planned visit can be cancelled.")})
    plan.status = VisitPlan.Status.CANCELLED
    plan.save(update_fields=["status", "updated_at"])
    _resolve_reminders(Reminder.objects.filter(plan=plan))
    audit_log(
        actor=actor,
        action="cancel",
        instance=plan,
        account_id=plan.account_id,
        changes={"status": (VisitPlan.Status.PLANNED, VisitPlan.Status.CANCELLED)},
    )
    return plan


@transaction.atomic
def plans_generate(
    *,
    actor: User,
    rep: User | None,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
) -> int:
    """Plan the visits the cadences ask for in [start, end] for `rep`'s accounts, in one
    INSERT … SELECT per tier. Accounts that already have a plan in the period, abandoned
    prospects and tiers without a cadence are left alone; days before `today` are skipped.
    Returns the number of plans created; running it twice creates nothing more."""
    # Plans go to people who work: an inactive rep (one who left) gets none, even when
    # their accounts are still in the actor's book.
    if rep is None or not users_assignable_by(actor).filter(pk=rep.pk).exists():
        raise ValidationError({"rep": _("Choose an active rep whose book you can see.")})
    if end < start:
        raise ValidationError({"end": _("The end comes before the start.")})
    if (end - start).days > 62:
        raise ValidationError({"end": _("Plan at most two months at a time.")})
    today = today or timezone.localdate()
    first_day = max(start, today)
    if first_day > end:
        return 0
    settings = VisitSettings.load()
    now = timezone.now()
    created = 0
    for tier in ("A", "B", "C", ""):
        cadence = settings.cadence_for(tier)
        if cadence <= 0:
            continue
        slot, at = settings.slot_for(tier)
        repeats = (end - first_day).days // cadence + 1
        base = (
            accounts_visible_to(actor)
            .filter(owner=rep, tier=tier)
            .exclude(pk__in=abandoned_account_ids())
            .exclude(
                Exists(
                    # Plans made before this run (ours carry `now` and must not hide the
                    # repeats that follow the first one).
                    VisitPlan.objects.filter(
                        account=OuterRef("pk"),
                        planned_date__gte=start,
                        planned_date__lte=end,
                        created_at__lt=now,
                    ).exclude(status=VisitPlan.Status.CANCELLED)
                )
            )
            .annotate(first=Greatest(due_date_expression(cadence), Value(first_day)))
        )
        for k in range(repeats):
            rows = base.annotate(
                x_account_id=F("pk"),
                x_planned_date=AddDays(F("first"), k * cadence),
                x_planned_time=Value(at, output_field=TimeField()),
                x_slot=Value(slot),
                x_purpose=Value(""),
                x_senior_manager=Value(False, output_field=BooleanField()),
                x_status=Value(VisitPlan.Status.PLANNED),
                x_source=Value(VisitPlan.Source.CADENCE),
                x_created_by_id=Value(actor.pk),
                x_created_at=Value(now, output_field=DateTimeField()),
                x_updated_at=Value(now, output_field=DateTimeField()),
            ).filter(x_planned_date__lte=end)
            created += insert_select(
                VisitPlan,
                [
                    "account_id",
                    "planned_date",
                    "planned_time",
                    "slot",
                    "purpose",
                    "senior_manager",
                    "status",
                    "source",
                    "created_by_id",
                    "created_at",
                    "updated_at",
                ],
                rows,
            )
    # Accounts planned now are no longer "due, not planned".
    _resolve_reminders(
        Reminder.objects.filter(
            kind=Reminder.Kind.VISIT_DUE,
            account__owner=rep,
            account__in=VisitPlan.objects.open().values("account"),
        )
    )
    audit_log(
        actor=actor,
        action="generate",
        model="visits.VisitPlan",
        extra={"rep": rep.pk, "start": start, "end": end, "created": created},
    )
    return created


# --- Checklist ---------------------------------------------------------------------------


@transaction.atomic
def checklist_set(*, actor: User, plan: VisitPlan, item_ids: list[int]) -> int:
    """Make the ticked items of `plan` exactly `item_ids`; returns how many are ticked."""
    account_check_visible(actor, plan.account)
    wanted = {int(i) for i in item_ids}
    valid = set(ChecklistItem.objects.filter(active=True).values_list("pk", flat=True))
    if not wanted <= valid:
        raise ValidationError({"items": _("Choose items of the checklist.")})
    before = set(plan.ticks.values_list("item_id", flat=True))
    plan.ticks.exclude(item_id__in=wanted).delete()
    ChecklistTick.objects.bulk_create(
        [ChecklistTick(plan=plan, item_id=i, ticked_by=actor) for i in sorted(wanted - before)],
        ignore_conflicts=True,
    )
    audit_log(
        actor=actor,
        action="checklist",
        instance=plan,
        account_id=plan.account_id,
        changes={"items": (sorted(before), sorted(wanted))} if before != wanted else {},
    )
    return len(wanted)


# --- Touches -----------------------------------------------------------------------------


def _check_touch(touch: Touch) -> None:
    if touch.contact is not None and touch.contact.account_id != touch.account_id:
        raise ValidationError({"contact": _("Choose a contact of this account.")})


@transaction.atomic
def touch_create(*, actor: User, data: dict[str, Any], reminder: Reminder | None = None) -> Touch:
    touch = Touch(created_by=actor)
    _apply(touch, data, TOUCH_FIELDS)
    account_check_visible(actor, touch.account)
    _check_touch(touch)
    _full_clean(touch)
    touch.save()
    _resolve_given_reminder(actor, reminder, touch.account)
    if touch.contact_id and touch.occasion_id:
        # The gift or greeting for this contact and occasion has been given.
        _resolve_reminders(
            Reminder.objects.filter(
                contact_id=touch.contact_id,
                occasion_id=touch.occasion_id,
                date__gte=touch.date - datetime.timedelta(days=31),
                date__lte=touch.date + datetime.timedelta(days=31),
            )
        )
    audit_log(
        actor=actor,
        action="create",
        instance=touch,
        account_id=touch.account_id,
        changes=diff_fields({}, snapshot(touch, TOUCH_FIELDS)),
    )
    return touch


@transaction.atomic
def touch_update(*, actor: User, touch: Touch, data: dict[str, Any]) -> Touch:
    account_check_visible(actor, touch.account)
    touch = Touch.objects.select_for_update().get(pk=touch.pk)
    before = snapshot(touch, TOUCH_FIELDS)
    _apply(touch, data, TOUCH_FIELDS)
    account_check_visible(actor, touch.account)
    _check_touch(touch)
    _full_clean(touch)
    touch.save()
    audit_log(
        actor=actor,
        action="update",
        instance=touch,
        account_id=touch.account_id,
        changes=diff_fields(before, snapshot(touch, TOUCH_FIELDS)),
    )
    return touch


@transaction.atomic
def touch_delete(*, actor: User, touch: Touch) -> None:
    account_check_visible(actor, touch.account)
    audit_log(actor=actor, action="delete", instance=touch, account_id=touch.account_id)
    touch.delete()


# --- Occasions and checklist items (admins) ----------------------------------------------


@transaction.atomic
def occasion_create(*, actor: User, data: dict[str, Any]) -> Occasion:
    _check_admin(actor)
    occasion = Occasion(code=f"custom-{uuid.uuid4().hex[:10]}")
    _apply(occasion, data, OCCASION_FIELDS)
    if occasion.kind == Occasion.Kind.BIRTHDAY:
        raise ValidationError({"kind": _("There is one birthday rule; edit it instead.")})
    _full_clean(occasion)
    occasion.save()
    audit_log(
        actor=actor,
        action="create",
        instance=occasion,
        changes=diff_fields({}, snapshot(occasion, OCCASION_FIELDS)),
    )
    return occasion


@transaction.atomic
def occasion_update(*, actor: User, occasion: Occasion, data: dict[str, Any]) -> Occasion:
    _check_admin(actor)
    occasion = Occasion.objects.select_for_update().get(pk=occasion.pk)
    before = snapshot(occasion, OCCASION_FIELDS)
    was_birthday = occasion.kind == Occasion.Kind.BIRTHDAY
    _apply(occasion, data, OCCASION_FIELDS)
    if was_birthday != (occasion.kind == Occasion.Kind.BIRTHDAY):
        raise ValidationError({"kind": _("The birthday rule stays the birthday rule.")})
    _full_clean(occasion)
    occasion.save()
    audit_log(
        actor=actor,
        action="update",
        instance=occasion,
        changes=diff_fields(before, snapshot(occasion, OCCASION_FIELDS)),
    )
    return occasion


@transaction.atomic
def occasion_delete(*, actor: User, occasion: Occasion) -> None:
    _check_admin(actor)
    if occasion.kind == Occasion.Kind.BIRTHDAY:
        raise ValidationError({"kind": _("The birthday rule cannot be deleted; deactivate it.")})
    audit_log(actor=actor, action="delete", instance=occasion)
    occasion.delete()


def _save_item(item: ChecklistItem) -> None:
    _full_clean(item, validate_unique=False)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:
        raise ValidationError({"position": _("Another item has this position.")}) from exc


@transaction.atomic
def checklist_item_create(*, actor: User, data: dict[str, Any]) -> ChecklistItem:
    _check_admin(actor)
    item = ChecklistItem()
    _apply(item, data, CHECKLIST_ITEM_FIELDS)
    _save_item(item)
    audit_log(
        actor=actor,
        action="create",
        instance=item,
        changes=diff_fields({}, snapshot(item, CHECKLIST_ITEM_FIELDS)),
    )
    return item


@transaction.atomic
def checklist_item_update(
    *, actor: User, item: ChecklistItem, data: dict[str, Any]
) -> ChecklistItem:
    _check_admin(actor)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    before = snapshot(item, CHECKLIST_ITEM_FIELDS)
    _apply(item, data, CHECKLIST_ITEM_FIELDS)
    _save_item(item)
    audit_log(
        actor=actor,
        action="update",
        instance=item,
        changes=diff_fields(before, snapshot(item, CHECKLIST_ITEM_FIELDS)),
    )
    return item


@transaction.atomic
def checklist_item_delete(*, actor: User, item: ChecklistItem) -> None:
    _check_admin(actor)
    audit_log(actor=actor, action="delete", instance=item)
    item.delete()
