"""Writes of the health app: the daily health of every account, and its warnings.

`health_compute` runs in one transaction under an advisory lock: the day's rows are replaced
as a whole (a rerun the same day replaces, never duplicates; a failure leaves the previous
rows), then history older than the settings' days is pruned.

`health_warnings_generate` turns the day's low scores and week-on-week drops into reminders
(visits.Reminder) for the account's owner and the owner's team manager. The reminder's unique
(recipient, subject, occasion, date) with ON CONFLICT DO NOTHING makes each warning exactly
once per account, kind and warning period (the ISO week, dated by its Monday), and the
reminder carries it on to Today, the daily digest and the group robots.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import (
    DateField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from accounts.buying_centre import contact_sources
from accounts.models import AccountSettings, Contact
from core.audit import audit_log
from crm.models import Team
from health import sql
from health.models import HealthSettings, HealthSnapshot
from visits.models import Reminder, VisitSettings
from visits.selectors import latest_visit_days
from visits.services.reminders import REMINDER_COLUMNS, reminder_rows
from visits.services.sql import insert_select

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key of the health computation ("HEAL").
LOCK_KEY = 0x4845414C
# Memory for the one big statement's sorts and hashes (this transaction only): with the
# default 4 MB PostgreSQL sorts the order lines through an index and spills the contact
# sources' aggregates to disk, about twice as slow at 100k accounts (bench_health).
WORK_MEM = "256MB"
TIERS = ("A", "B", "C", "")


class WarningCode:
    LOW = "health_low"
    DROP = "health_drop"


@dataclass(frozen=True)
class HealthResult:
    day: datetime.date
    accounts: int
    pruned: int


def health_params(settings: HealthSettings, *, day: datetime.date) -> sql.HealthParams:
    visits = VisitSettings.load()
    buying_centre = AccountSettings.load()
    return sql.HealthParams(
        day=day,
        now=timezone.now(),
        weight_lateness=settings.weight_lateness,
        weight_trend=settings.weight_trend,
        weight_decision_maker=settings.weight_decision_maker,
        weight_visits=settings.weight_visits,
        lateness_grace=settings.lateness_grace,
        lateness_full=settings.lateness_full,
        default_interval_days=settings.default_interval_days,
        lookback_days=settings.lookback_days,
        trend_full_drop=settings.trend_full_drop,
        cadence={tier: visits.cadence_for(tier) for tier in TIERS},
        decision_maker_days={tier: buying_centre.decision_maker_days_for(tier) for tier in TIERS},
    )


def health_compute(*, day: datetime.date | None = None) -> HealthResult:
    """Compute every account's health on `day` (default today) and keep it as that day's
    history; returns how many accounts were written and how many old rows pruned."""
    day = day or timezone.localdate()
    settings = HealthSettings.load()
    params = health_params(settings, day=day)
    makers = Contact.objects.filter(role=Contact.Role.DECISION_MAKER, is_active=True)
    sources = [source(makers.values("pk")) for source in contact_sources()]
    # Today or later: the account's own last-visit column; an earlier day: visits up to it.
    last_visits = None if day >= timezone.localdate() else latest_visit_days(until=day)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        written = sql.insert_snapshot(
            connection,
            params,
            contact_sources=sources,
            decision_maker_role=Contact.Role.DECISION_MAKER,
            last_visits=last_visits,
        )
        pruned = sql.prune(connection, before=day - datetime.timedelta(days=settings.history_days))
        audit_log(
            actor=None,
            action="compute",
            model="health.HealthSnapshot",
            object_id=day.isoformat(),
            extra={"accounts": written, "pruned": pruned},
        )
    return HealthResult(day=day, accounts=written, pruned=pruned)


def warning_period(day: datetime.date) -> datetime.date:
    """The warning period a day falls in: its ISO week, dated by the Monday."""
    return day - datetime.timedelta(days=day.weekday())


def _rows(
    snapshots: QuerySet[HealthSnapshot], *, recipient, code: str, period, day, now
) -> QuerySet:
    return reminder_rows(
        snapshots,
        recipient=recipient,
        kind=Reminder.Kind.ACCOUNT_HEALTH,
        subject_prefix="account:",
        subject_id=F("account_id"),
        occasion_code=code,
        date=Value(period, output_field=DateField()),
        account=F("account_id"),
        remind_on=day,
        now=now,
    )


def health_warnings_generate(*, day: datetime.date | None = None) -> dict[str, int]:
    """Reminders for the day's health warnings about tiered accounts, to each account's
    active owner and the owner's team's active manager; idempotent. A low score wins over a
    drop the same week. Returns how many were new per kind."""
    day = day or timezone.localdate()
    settings = HealthSettings.load()
    period = warning_period(day)
    now = timezone.now()
    low = Q(score__lt=settings.low_threshold)
    drop = Q(score_week_ago__isnull=False, score__lte=F("score_week_ago") - settings.drop_points)
    manager = Subquery(
        Team.objects.filter(pk=OuterRef("account__owner__team_id"), manager__is_active=True).values(
            "manager_id"
        )[:1]
    )
    created: dict[str, int] = {}
    with transaction.atomic():
        for code, condition in ((WarningCode.LOW, low), (WarningCode.DROP, drop & ~low)):
            # Customers with a tier only: an untiered or potential account has no revenue to
            # lose, and its health is low by construction (no orders, no decision maker met).
            rows = HealthSnapshot.objects.filter(day=day).exclude(tier="").filter(condition)
            owners = rows.filter(account__owner__is_active=True)
            managers = (
                rows.annotate(x_manager=manager)
                .filter(x_manager__isnull=False)
                .exclude(x_manager=F("account__owner_id"))
            )
            created[code] = insert_select(
                Reminder,
                REMINDER_COLUMNS,
                _rows(
                    owners,
                    recipient=F("account__owner_id"),
                    code=code,
                    period=period,
                    day=day,
                    now=now,
                ),
            ) + insert_select(
                Reminder,
                REMINDER_COLUMNS,
                _rows(
                    managers, recipient=F("x_manager"), code=code, period=period, day=day, now=now
                ),
            )
    return created
