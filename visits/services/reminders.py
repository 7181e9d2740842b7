"""The daily reminder job, the digest email, and a recipient's done / snooze.

The job is set-based: each kind of reminder is one INSERT … SELECT over accounts, plans or
contacts, and the unique constraint (recipient, subject, occasion, date) with ON CONFLICT DO
NOTHING makes a second run, a second worker or a rerun after a crash add nothing twice. Each
step commits on its own, so a crash keeps what was done and the rerun finishes the rest.
Windows are inclusive ([day, day + lead]), so a day the job did not run is caught up.

The digest email is sent at most once per recipient and day: its row (unique per recipient
and day) is written first; `digest_send` locks it, sends, and marks it sent in the same
transaction. A second worker skips a locked row; a crash before commit leaves it pending, so
the retry or the hourly sweep sends it (the only window for a repeat is between the SMTP
server's "250 OK" and our commit; the stable Message-ID lets mail clients drop that repeat).
"""

import datetime
import logging
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Exists,
    F,
    Field,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Account, Contact
from core.audit import audit_log, masked_changes
from core.models import AuditEntry
from crm.models import User
from prospects.selectors import abandoned_account_ids
from visits.dates import birthday_keys_on, days, yearly_dates
from visits.digest import DigestSection, digest_sources
from visits.models import (
    DigestEmail,
    Occasion,
    Reminder,
    ReminderRun,
    VisitPlan,
    VisitSettings,
)
from visits.selectors import due_date_expression, reminders_visible_to
from visits.services.sql import insert_select

logger = logging.getLogger(__name__)

REMINDER_COLUMNS = [
    "recipient_id",
    "kind",
    "subject",
    "occasion_code",
    "date",
    "account_id",
    "contact_id",
    "plan_id",
    "occasion_id",
    "touch_type",
    "remind_on",
    "snoozed_until",
    "status",
    "done_at",
    "created_at",
]
DIGEST_MAX_ITEMS = 50
DIGEST_COLUMNS = [
    "recipient_id",
    "date",
    "state",
    "attempts",
    "items",
    "message_id",
    "last_error",
    "created_at",
]
ANALYZE_AFTER = 10_000


def _null(field: Field) -> Value:
    return Value(None, output_field=field)


def reminder_rows(
    qs: QuerySet[Any],
    *,
    recipient: Combinable,
    kind: str,
    subject_prefix: str,
    subject_id: Combinable,
    occasion_code: str,
    date: Combinable,
    account: Combinable,
    remind_on: datetime.date,
    now: datetime.datetime,
    contact: Combinable | None = None,
    plan: Combinable | None = None,
    occasion_id: int | None = None,
    touch_type: str = "",
) -> QuerySet[Any]:
    """`qs` annotated with the `x_<column>` values of one open reminder per row (for
    `insert_select(Reminder, REMINDER_COLUMNS, …)`); other apps' reminders (health,
    receivables) are made through it too."""
    return qs.annotate(
        x_recipient_id=recipient,
        x_kind=Value(kind),
        x_subject=Concat(Value(subject_prefix), Cast(subject_id, CharField())),
        x_occasion_code=Value(occasion_code),
        x_date=date,
        x_account_id=account,
        x_contact_id=contact if contact is not None else _null(IntegerField()),
        x_plan_id=plan if plan is not None else _null(IntegerField()),
        x_occasion_id=Value(occasion_id, output_field=IntegerField()),
        x_touch_type=Value(touch_type),
        x_remind_on=Value(remind_on, output_field=DateField()),
        x_snoozed_until=_null(DateField()),
        x_status=Value(Reminder.Status.OPEN),
        x_done_at=_null(DateTimeField()),
        x_created_at=Value(now, output_field=DateTimeField()),
    )


def _insert(qs: QuerySet[Any]) -> int:
    with transaction.atomic():
        return insert_select(Reminder, REMINDER_COLUMNS, qs)


def _visits_due(day: datetime.date, settings: VisitSettings, now: datetime.datetime) -> int:
    """Accounts whose cadence says a visit is due within the horizon and none is planned."""
    horizon = day + datetime.timedelta(days=settings.due_horizon_days)
    created = 0
    for tier in ("A", "B", "C", ""):
        cadence = settings.cadence_for(tier)
        if cadence <= 0:
            continue
        accounts = (
            Account.objects.filter(tier=tier, owner__is_active=True)
            .exclude(pk__in=abandoned_account_ids())
            .exclude(
                Exists(
                    VisitPlan.objects.filter(
                        account=OuterRef("pk"), status=VisitPlan.Status.PLANNED
                    )
                )
            )
            .annotate(due=due_date_expression(cadence))
            .filter(due__lte=horizon)
        )
        created += _insert(
            reminder_rows(
                accounts,
                recipient=F("owner_id"),
                kind=Reminder.Kind.VISIT_DUE,
                subject_prefix="account:",
                subject_id=F("pk"),
                occasion_code=Reminder.Kind.VISIT_DUE,
                date=F("due"),
                account=F("pk"),
                remind_on=day,
                now=now,
            )
        )
    return created


def _planned_visits(day: datetime.date, now: datetime.datetime) -> tuple[int, int]:
    """Planned visits today or tomorrow, and planned visits whose day has passed."""
    plans = VisitPlan.objects.open().filter(account__owner__is_active=True)
    soon = plans.filter(planned_date__gte=day, planned_date__lte=day + datetime.timedelta(days=1))
    overdue = plans.filter(planned_date__lt=day)
    counts = []
    for qs, kind in ((soon, Reminder.Kind.VISIT_TOMORROW), (overdue, Reminder.Kind.VISIT_OVERDUE)):
        counts.append(
            _insert(
                reminder_rows(
                    qs,
                    recipient=F("account__owner_id"),
                    kind=kind,
                    subject_prefix="plan:",
                    subject_id=F("pk"),
                    occasion_code=kind,
                    date=F("planned_date"),
                    account=F("account_id"),
                    plan=F("pk"),
                    remind_on=day,
                    now=now,
                )
            )
        )
    # A visit now overdue no longer needs its "coming up" reminder.
    with transaction.atomic():
        Reminder.objects.open().filter(
            kind=Reminder.Kind.VISIT_TOMORROW, plan__in=overdue.values("pk")
        ).update(status=Reminder.Status.DONE, done_at=now)
    return counts[0], counts[1]


def _rule_q(tiers: list[str], roles: list[str]) -> Q | None:
    if not tiers or not roles:
        return None
    return Q(account__tier__in=tiers, role__in=roles)


def _occasion_rules(occasion: Occasion, settings: VisitSettings) -> list[tuple[str, str, int, Q]]:
    """(kind, touch type, lead days, contact filter) for the gift and the greeting; a contact
    who gets the gift gets no greeting for the same occasion."""
    gift = _rule_q(occasion.gift_tiers, occasion.gift_roles)
    greeting = _rule_q(occasion.greeting_tiers, occasion.greeting_roles)
    rules: list[tuple[str, str, int, Q]] = []
    if gift is not None:
        lead = occasion.gift_lead_days
        lead = settings.gift_lead_days if lead is None else lead
        rules.append((Reminder.Kind.GIFT, occasion.gift_type, lead, gift))
    if greeting is not None:
        lead = occasion.greeting_lead_days
        lead = settings.greeting_lead_days if lead is None else lead
        condition = greeting & ~gift if gift is not None else greeting
        rules.append((Reminder.Kind.GREETING, occasion.greeting_type, lead, condition))
    return rules


def _contact_rows(
    contacts: QuerySet[Contact],
    *,
    occasion: Occasion,
    kind: str,
    touch_type: str,
    when: datetime.date,
    day: datetime.date,
    now: datetime.datetime,
) -> QuerySet[Any]:
    return reminder_rows(
        contacts,
        recipient=F("account__owner_id"),
        kind=kind,
        subject_prefix="contact:",
        subject_id=F("pk"),
        occasion_code=occasion.code,
        date=Value(when, output_field=DateField()),
        account=F("account_id"),
        contact=F("pk"),
        occasion_id=occasion.pk,
        touch_type=touch_type,
        remind_on=day,
        now=now,
    )


def _occasions(
    day: datetime.date, settings: VisitSettings, now: datetime.datetime
) -> tuple[int, int]:
    """Birthdays and holidays within each rule's lead time."""
    contacts = Contact.objects.filter(account__owner__is_active=True)
    birthdays = holidays = 0
    for occasion in Occasion.objects.filter(active=True).order_by("pk"):
        for kind, touch_type, lead, condition in _occasion_rules(occasion, settings):
            window_end = day + datetime.timedelta(days=lead)
            if occasion.kind == Occasion.Kind.BIRTHDAY:
                for when in days(day, window_end):
                    on_day = Q()
                    for month, dom in birthday_keys_on(when):
                        on_day |= Q(birthday_month=month, birthday_day=dom)
                    birthdays += _insert(
                        _contact_rows(
                            contacts.filter(on_day).filter(condition),
                            occasion=occasion,
                            kind=kind,
                            touch_type=touch_type,
                            when=when,
                            day=day,
                            now=now,
                        )
                    )
                continue
            dates: list[datetime.date] = []
            if occasion.kind == Occasion.Kind.ONCE:
                # The model's constraint: a one-off occasion has its date, a yearly one its
                # month and day.
                if occasion.date is not None and day <= occasion.date <= window_end:
                    dates = [occasion.date]
            elif occasion.month is not None and occasion.day is not None:
                dates = yearly_dates(occasion.kind, occasion.month, occasion.day, day, window_end)
            for when in dates:
                holidays += _insert(
                    _contact_rows(
                        contacts.filter(condition),
                        occasion=occasion,
                        kind=kind,
                        touch_type=touch_type,
                        when=when,
                        day=day,
                        now=now,
                    )
                )
    return birthdays, holidays


def reminders_generate(*, day: datetime.date) -> dict[str, int]:
    """Create the reminders for `day` (idempotent); returns how many of each were new."""
    settings = VisitSettings.load()
    now = timezone.now()
    ReminderRun.objects.bulk_create([ReminderRun(date=day)], ignore_conflicts=True)
    counts = {"visit_due": _visits_due(day, settings, now)}
    counts["visit_tomorrow"], counts["visit_overdue"] = _planned_visits(day, now)
    counts["birthday"], counts["holiday"] = _occasions(day, settings, now)
    if sum(counts.values()) > ANALYZE_AFTER:
        # Fresh statistics after a big load, so the inbox and digest queries plan well.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE visits_reminder")
    with transaction.atomic():
        run = ReminderRun.objects.select_for_update().get(date=day)
        run.finished_at = timezone.now()
        run.created += sum(counts.values())
        run.save(update_fields=["finished_at", "created"])
        audit_log(
            actor=None,
            action="generate",
            model="visits.Reminder",
            object_id=day.isoformat(),
            extra=counts,
        )
    return counts


def _digest_rows(recipients: QuerySet[Any], recipient: str, day: datetime.date) -> QuerySet[Any]:
    """The pending digest rows of `day` for the users `recipients` names in its `recipient`."""
    return recipients.annotate(
        x_recipient_id=F(recipient),
        x_date=Value(day, output_field=DateField()),
        x_state=Value(DigestEmail.State.PENDING),
        x_attempts=Value(0),
        x_items=Value(0),
        x_message_id=Value(""),
        x_last_error=Value(""),
        x_created_at=Value(timezone.now(), output_field=DateTimeField()),
    )


def digests_prepare(*, day: datetime.date) -> list[int]:
    """Write the pending digest rows of `day` (one per recipient with reminders showing, or
    something in a section another app adds (visits.digest), and an email address) and return
    the ids still pending, old leftovers of `day` included."""
    with_reminders = (
        Reminder.objects.showing_on(day)
        .filter(recipient__is_active=True)
        .exclude(recipient__email="")
        .values("recipient_id")
        .distinct()
    )
    with_sections = [
        User.objects.filter(pk__in=source.recipients(day).values("pk"), is_active=True).exclude(
            email=""
        )
        for source in digest_sources()
    ]
    rows = [_digest_rows(with_reminders, "recipient_id", day)]
    rows += [_digest_rows(users, "pk", day) for users in with_sections]
    with transaction.atomic():
        for recipients in rows:
            insert_select(DigestEmail, DIGEST_COLUMNS, recipients)
    return list(
        DigestEmail.objects.filter(date=day, state=DigestEmail.State.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _digest_message_id(digest: DigestEmail) -> str:
    domain = django_settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<crm-digest-{digest.recipient_id}-{digest.date:%Y%m%d}@{domain}>"


def _digest_message(
    digest: DigestEmail,
    recipient: User,
    reminders: Iterable[Reminder],
    total: int,
    sections: list[DigestSection],
) -> EmailMultiAlternatives:
    from visits.selectors import reminder_text

    language = recipient.language or django_settings.LANGUAGE_CODE
    with translation.override(language):
        lines = [
            {"text": reminder_text(r), "date": r.date, "account": r.account.name} for r in reminders
        ]
        context = {
            "user": recipient,
            "day": digest.date,
            "lines": lines,
            "total": total,
            "more": total - len(lines),
            "sections": sections,
        }
        subject = _("Your CRM reminders for %(day)s") % {"day": digest.date.isoformat()}
        text = render_to_string("visits/email/digest.txt", context)
        html = render_to_string("visits/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[recipient.email],
        headers={"Message-ID": _digest_message_id(digest), "Date": formatdate(localtime=True)},
    )
    message.attach_alternative(html, "text/html")
    return message


def digest_send(*, digest_id: int, connection: BaseEmailBackend | None = None) -> bool:
    """Send one pending digest; True if this call sent it. Raises if the mail server fails
    (the row stays pending for the retry, with the attempt and the error noted)."""
    try:
        with transaction.atomic():
            digest = (
                DigestEmail.objects.select_for_update(skip_locked=True)
                .filter(pk=digest_id, state=DigestEmail.State.PENDING)
                .first()
            )
            if digest is None:
                return False  # sent or skipped already, or another worker is sending it
            recipient = User.objects.get(pk=digest.recipient_id)
            showing = Reminder.objects.showing_on(digest.date).filter(
                recipient_id=digest.recipient_id
            )
            total = showing.count()
            # The first lines by id first, then their relations (not a join of every row).
            first = list(
                showing.order_by("date", "kind", "id").values_list("pk", flat=True)[
                    :DIGEST_MAX_ITEMS
                ]
            )
            lines = (
                Reminder.objects.filter(pk__in=first)
                .select_related("account", "contact", "plan", "occasion")
                .order_by("date", "kind", "id")
            )
            digest.attempts += 1
            with translation.override(recipient.language or django_settings.LANGUAGE_CODE):
                sections = [
                    section
                    for source in digest_sources()
                    if (section := source.section(recipient, digest.date, limit=DIGEST_MAX_ITEMS))
                    is not None
                ]
            items = total + sum(section.total for section in sections)
            if items == 0 or not recipient.email or not recipient.is_active:
                digest.state = DigestEmail.State.SKIPPED
                digest.save(update_fields=["state", "attempts"])
                return False
            message = _digest_message(digest, recipient, list(lines), total, sections)
            message.connection = connection or get_connection()
            message.send()
            digest.state = DigestEmail.State.SENT
            digest.sent_at = timezone.now()
            digest.items = items
            digest.message_id = _digest_message_id(digest)
            digest.last_error = ""
            digest.save()
    except Exception as exc:
        DigestEmail.objects.filter(pk=digest_id, state=DigestEmail.State.PENDING).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:300]
        )
        raise
    return True


def reminders_run(*, day: datetime.date, digests: bool) -> tuple[dict[str, int], list[int]]:
    """The daily job: reminders for `day`, then (when `digests`) the pending digest ids."""
    counts = reminders_generate(day=day)
    pending = digests_prepare(day=day) if digests else []
    return counts, pending


def reminders_orphans_delete() -> int:
    """Delete reminders whose account or contact no longer exists (reminders have no database
    foreign keys to them, for the daily job's speed; ORM deletes cascade anyway)."""
    gone = Reminder.objects.exclude(Exists(Account.objects.filter(pk=OuterRef("account_id"))))
    gone_contact = Reminder.objects.filter(contact_id__isnull=False).exclude(
        Exists(Contact.objects.filter(pk=OuterRef("contact_id")))
    )
    with transaction.atomic():
        deleted = gone.delete()[0] + gone_contact.delete()[0]
    return deleted


def digests_due(*, now: datetime.datetime | None = None) -> bool:
    settings = VisitSettings.load()
    now = timezone.localtime(now)
    return settings.digest_enabled and now.hour >= settings.digest_hour


# --- A recipient's own actions -----------------------------------------------------------


def _check_recipient(actor: User, reminder: Reminder) -> None:
    if actor is None or reminder.recipient_id != actor.pk:
        raise PermissionDenied


@transaction.atomic
def reminder_mark_done(*, actor: User, reminder: Reminder) -> Reminder:
    _check_recipient(actor, reminder)
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if reminder.status == Reminder.Status.DONE:
        return reminder
    reminder.status = Reminder.Status.DONE
    reminder.done_at = timezone.now()
    reminder.save(update_fields=["status", "done_at"])
    audit_log(
        actor=actor,
        action="done",
        instance=reminder,
        account_id=reminder.account_id,
        changes={"status": (Reminder.Status.OPEN, Reminder.Status.DONE)},
    )
    return reminder


@transaction.atomic
def reminder_snooze(*, actor: User, reminder: Reminder, until: datetime.date) -> Reminder:
    """Hide an open reminder until `until` (tomorrow at the earliest, 60 days at most)."""
    _check_recipient(actor, reminder)
    today = timezone.localdate()
    if until is None or until <= today:
        raise ValidationError({"until": _("Snooze until a day after today.")})
    if until > today + datetime.timedelta(days=60):
        raise ValidationError({"until": _("Snooze for at most 60 days.")})
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if reminder.status != Reminder.Status.OPEN:
        raise ValidationError({"until": _("This reminder is done already.")})
    before = reminder.snoozed_until
    reminder.snoozed_until = until
    reminder.save(update_fields=["snoozed_until"])
    audit_log(
        actor=actor,
        action="snooze",
        instance=reminder,
        account_id=reminder.account_id,
        changes={"snoozed_until": (before, until)},
    )
    return reminder


# --- Bulk done / snooze: the recipient's own open reminders, chosen on the reminders page ---------

BULK_LIMIT = 500


def _bulk_targets(actor: User, ids: Iterable[int]) -> list[dict[str, Any]]:
    """Lock and read the chosen reminders. All or nothing: every id must be an open reminder
    of the actor's own, in their book; otherwise nothing is written."""
    wanted = sorted(set(ids))
    if not wanted:
        raise ValidationError({"ids": _("Choose at least one reminder.")})
    if len(wanted) > BULK_LIMIT:
        raise ValidationError(
            {"ids": _("Choose at most %(n)s reminders at once.") % {"n": BULK_LIMIT}}
        )
    rows = list(
        reminders_visible_to(actor)
        .filter(pk__in=wanted, recipient=actor, status=Reminder.Status.OPEN)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values("pk", "account_id", "subject", "snoozed_until")
    )
    if len(rows) != len(wanted):
        raise ValidationError(
            {
                "ids": _(
                    "%(n)s of the chosen reminders are not your open reminders (done already, "
                    "someone else's or gone); nothing was changed."
                )
                % {"n": len(wanted) - len(rows)}
            }
        )
    return rows


def _bulk_audit(
    actor: User,
    action: str,
    rows: list[dict[str, Any]],
    changes: Callable[[dict[str, Any]], dict[str, tuple[Any, Any]]],
) -> None:
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor,
            action=action,
            model=Reminder._meta.label,
            object_id=str(row["pk"]),
            object_repr=row["subject"],
            account_id=row["account_id"],
            changes=masked_changes(changes(row)),
        )
        for row in rows
    )


@transaction.atomic
def reminders_bulk_done(*, actor: User, ids: Iterable[int]) -> int:
    """Mark the actor's chosen open reminders done in one UPDATE; returns how many."""
    rows = _bulk_targets(actor, ids)
    done = Reminder.objects.filter(pk__in=[r["pk"] for r in rows]).update(
        status=Reminder.Status.DONE, done_at=timezone.now()
    )
    _bulk_audit(
        actor, "done", rows, lambda _row: {"status": (Reminder.Status.OPEN, Reminder.Status.DONE)}
    )
    return done


@transaction.atomic
def reminders_bulk_snooze(*, actor: User, ids: Iterable[int], until: datetime.date | None) -> int:
    """Snooze the actor's chosen open reminders until `until` (tomorrow at the earliest, 60
    days at most) in one UPDATE; returns how many."""
    today = timezone.localdate()
    if until is None or until <= today:
        raise ValidationError({"until": _("Snooze until a day after today.")})
    if until > today + datetime.timedelta(days=60):
        raise ValidationError({"until": _("Snooze for at most 60 days.")})
    rows = _bulk_targets(actor, ids)
    snoozed = Reminder.objects.filter(pk__in=[r["pk"] for r in rows]).update(snoozed_until=until)
    _bulk_audit(actor, "snooze", rows, lambda row: {"snoozed_until": (row["snoozed_until"], until)})
    return snoozed


# --- Accounts that changed owner ---------------------------------------------------------

# Open reminders of the moved accounts follow them to the new owner (one the new owner has
# already is kept, the old one dropped); notifications are not moved.
_REMINDERS_FOLLOW = """
WITH moved AS (
    UPDATE visits_reminder r SET recipient_id = %(new)s
    WHERE r.account_id = ANY(%(ids)s) AND r.status = 'open' AND r.kind <> %(kind)s
      AND r.recipient_id <> %(new)s
      AND NOT EXISTS (
          SELECT 1 FROM visits_reminder x
          WHERE x.recipient_id = %(new)s AND x.subject = r.subject
            AND x.occasion_code = r.occasion_code AND x.date = r.date
      )
    RETURNING r.id
)
DELETE FROM visits_reminder r
WHERE r.account_id = ANY(%(ids)s) AND r.status = 'open' AND r.kind <> %(kind)s
  AND r.recipient_id <> %(new)s AND r.id NOT IN (SELECT id FROM moved)
"""

# One notification per account to the rep who gained it and to the (active) rep who lost it;
# a second reassignment of the same account on the same day opens the notification again.
_NOTIFY_REASSIGNED = """
INSERT INTO visits_reminder
    (recipient_id, kind, subject, occasion_code, date, account_id, contact_id, plan_id,
     occasion_id, touch_type, remind_on, snoozed_until, status, done_at, created_at)
SELECT n.recipient_id, %(kind)s, 'account:' || n.account_id, n.code, %(today)s, n.account_id,
       NULL, NULL, NULL, '', %(today)s, NULL, 'open', NULL, %(now)s
FROM (
    SELECT %(new)s::bigint AS recipient_id, m.account_id, 'reassigned_to' AS code
    FROM unnest(%(ids)s::bigint[]) AS m(account_id)
    UNION ALL
    SELECT m.old_owner_id, m.account_id, 'reassigned_from'
    FROM unnest(%(ids)s::bigint[], %(olds)s::bigint[]) AS m(account_id, old_owner_id)
    JOIN crm_user u ON u.id = m.old_owner_id AND u.is_active
) n
ON CONFLICT (recipient_id, subject, occasion_code, date)
DO UPDATE SET status = 'open', done_at = NULL, snoozed_until = NULL
"""


@transaction.atomic
def reminders_after_reassignment(
    *,
    actor: User,
    account_ids: list[int],
    old_owner_ids: list[int],
    new_owner_id: int,
    today: datetime.date,
) -> None:
    """Accounts changed owner (`actor` reassigned them): their open reminders follow them to
    the new owner, and the reps who gained or lost them get an "accounts reassigned"
    notification each. Two statements whatever the number of accounts."""
    params: dict[str, Any] = {
        "ids": account_ids,
        "olds": old_owner_ids,
        "new": new_owner_id,
        "kind": Reminder.Kind.ACCOUNT_REASSIGNED.value,
        "today": today,
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_REMINDERS_FOLLOW, params)
        cursor.execute(_NOTIFY_REASSIGNED, params)
