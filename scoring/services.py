"""Writes of the scoring app: recompute tiers (with their snapshot), queue a recompute.

A recompute runs under one lock, in one transaction: if anything fails, the accounts keep their
previous tiers and the previous snapshot stays the latest; the run is marked failed with the
error so the runs page says what went wrong.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_log
from core.queue import enqueue
from crm.models import User
from prospects.selectors import latest_worksheet_totals
from scoring import sql
from scoring.figures import as_decimal, summarize_groups
from scoring.models import (
    Method,
    RecomputeLock,
    ScoringSettings,
    TierBasis,
    TierRevenue,
    TierRun,
    TierSnapshot,
)
from visits.selectors import visit_inputs_by_account

logger = logging.getLogger(__name__)

RECOMPUTE_TASK = "scoring.tasks.recompute_tiers_task"
# A queued request whose task never started (lost worker, deleted outbox row) stops blocking
# new requests after this long.
QUEUED_STALE_AFTER = datetime.timedelta(minutes=30)
MONEY = Decimal("0.01")


@dataclass(frozen=True)
class RecomputeOptions:
    """The parameters of one recompute, from the settings unless a caller overrides them."""

    as_of: datetime.date
    window_days: int | None
    method: str
    a_cutoff: Decimal
    b_cutoff: Decimal

    @property
    def date_from(self) -> datetime.date | None:
        if self.window_days is None:
            return None
        return self.as_of - datetime.timedelta(days=self.window_days - 1)


def recompute_options(
    settings: ScoringSettings,
    *,
    as_of: datetime.date | None = None,
    window_days: int | None = None,
    all_time: bool = False,
    method: str | None = None,
) -> RecomputeOptions:
    """Validate a caller's overrides against the settings; raises ValidationError."""
    method = method or settings.method
    if method not in Method.values:
        raise ValidationError(
            {"method": _("Choose one of: %(choices)s.") % {"choices": ", ".join(Method.values)}}
        )
    if all_time and window_days is not None:
        raise ValidationError({"window_days": _("Give a window in days or all time, not both.")})
    if window_days is not None and not 1 <= window_days <= 36600:
        raise ValidationError({"window_days": _("The window must be 1 to 36600 days.")})
    if method == Method.COUNT:
        a_cutoff, b_cutoff = settings.count_a_share, settings.count_b_share
    else:
        a_cutoff, b_cutoff = settings.a_cutoff, settings.b_cutoff
    return RecomputeOptions(
        as_of=as_of or timezone.localdate(),
        window_days=None if all_time else (window_days or settings.window_days),
        method=method,
        a_cutoff=a_cutoff,
        b_cutoff=b_cutoff,
    )


def _check_trigger(trigger: str) -> None:
    if trigger not in TierRun.Trigger.values:
        raise ValidationError(
            {
                "trigger": _("Unknown trigger %(trigger)s; choose one of: %(choices)s.")
                % {"trigger": trigger, "choices": ", ".join(TierRun.Trigger.values)}
            }
        )


def _start_run(
    *, trigger: str, actor: User | None, options: RecomputeOptions, parameters: dict
) -> TierRun:
    """Claim the queued request of this trigger and actor, or open a new run (committed, so
    that the runs page shows it in progress)."""
    fields = {
        "status": TierRun.Status.RUNNING,
        "started_at": timezone.now(),
        "as_of": options.as_of,
        "window_days": options.window_days,
        "date_from": options.date_from,
        "method": options.method,
        "a_cutoff": options.a_cutoff,
        "b_cutoff": options.b_cutoff,
        "parameters": parameters,
    }
    queued = (
        TierRun.objects.filter(status=TierRun.Status.QUEUED, trigger=trigger, actor=actor)
        .order_by("id")
        .first()
    )
    if queued is not None:
        claimed = TierRun.objects.filter(pk=queued.pk, status=TierRun.Status.QUEUED).update(
            **fields
        )
        if claimed:
            return TierRun.objects.get(pk=queued.pk)
    return TierRun.objects.create(trigger=trigger, actor=actor, **fields)


def _acquire_lock() -> None:
    """Block until no other recompute holds the lock row; held until our transaction ends."""
    if RecomputeLock.objects.select_for_update().filter(name="tiers").exists():
        return
    RecomputeLock.objects.get_or_create(name="tiers")
    RecomputeLock.objects.select_for_update().filter(name="tiers").exists()


def _parameters(settings: ScoringSettings) -> dict[str, Any]:
    return {
        "output_measure": settings.output_measure,
        "weights": {
            "visits": str(settings.weight_visits),
            "hours": str(settings.weight_hours),
            "expenses": str(settings.weight_expenses),
        },
        "quadrant_thresholds": settings.quadrant_thresholds,
        "priority_worksheet_min": settings.priority_worksheet_min,
        # Recorded only when not the default, so that per-account runs read as before.
        **({"tier_basis": settings.tier_basis} if settings.tier_basis != TierBasis.ACCOUNT else {}),
        **(
            {"tier_revenue": settings.tier_revenue}
            if settings.tier_revenue != TierRevenue.ORDERS
            else {}
        ),
    }


def _pipeline_params(
    run: TierRun, settings: ScoringSettings, options: RecomputeOptions, now: datetime.datetime
) -> sql.PipelineParams:
    fixed = settings.quadrant_thresholds == "fixed"
    return sql.PipelineParams(
        run_id=run.pk,
        date_to=options.as_of,
        date_from=options.date_from,
        method=options.method,
        a_bp=int(options.a_cutoff * 100),
        b_bp=int(options.b_cutoff * 100),
        now=now,
        output_measure=settings.output_measure,
        weight_visits=settings.weight_visits,
        weight_hours=settings.weight_hours,
        weight_expenses=settings.weight_expenses,
        input_threshold=settings.input_threshold if fixed else None,
        output_threshold=settings.output_threshold if fixed else None,
        priority_revenue_threshold=settings.priority_revenue_threshold,
        priority_potential_threshold=settings.priority_potential_threshold,
        priority_worksheet_min=settings.priority_worksheet_min,
        tier_basis=settings.tier_basis,
        tier_revenue=settings.tier_revenue,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _curve_as_dict(curve: sql.Curve) -> dict[str, Any]:
    return {
        "customers": curve.customers,
        "total_revenue": curve.total_revenue,
        "top20_share": curve.top20_share,
        "customers_to_80": curve.customers_to_80,
        "customers_to_80_share": curve.customers_to_80_share,
        "points": curve.points,
    }


def _thresholds_in_currency(limits: dict[str, Any]) -> dict[str, Any]:
    return {
        "input": as_decimal(limits["input"]).quantize(Decimal("0.0001")),
        "output": (as_decimal(limits["output_cents"]) / 100).quantize(MONEY),
        "revenue": (as_decimal(limits["revenue_cents"]) / 100).quantize(MONEY),
        "potential": None
        if limits["potential"] is None
        else as_decimal(limits["potential"]).quantize(MONEY),
        "worksheet_min": limits["worksheet_min"],
    }


def _prune_runs(keep: int) -> int:
    """Delete finished runs (and their snapshot rows) older than the newest `keep` successful
    ones. Queued and running runs are never touched."""
    finished = [TierRun.Status.SUCCEEDED, TierRun.Status.FAILED]
    oldest_kept = (
        TierRun.objects.succeeded()
        .order_by("-id")
        .values_list("id", flat=True)[keep - 1 : keep]
        .first()
    )
    if oldest_kept is None:
        return 0
    old = list(
        TierRun.objects.filter(id__lt=oldest_kept, status__in=finished).values_list(
            "id", flat=True
        )[:1000]
    )
    if not old:
        return 0
    TierSnapshot.objects.filter(run_id__in=old).delete()
    TierRun.objects.filter(previous_run_id__in=old).update(previous_run=None)
    TierRun.objects.filter(id__in=old).delete()
    return len(old)


def tiers_recompute(
    *,
    trigger: str,
    actor: User | None = None,
    as_of: datetime.date | None = None,
    window_days: int | None = None,
    all_time: bool = False,
    method: str | None = None,
) -> TierRun:
    """Recompute every account's tier, quadrant and priority class; returns the finished run.

    Not a single `@transaction.atomic`: the run row is committed first (so the runs page shows
    it in progress), then the work runs in one transaction under the lock. On failure the run
    is marked failed and the error re-raised; tiers and snapshots are as before.
    """
    _check_trigger(trigger)
    if trigger == TierRun.Trigger.MANUAL and actor is not None and not actor.can_manage:
        raise PermissionDenied
    settings = ScoringSettings.load()
    options = recompute_options(
        settings, as_of=as_of, window_days=window_days, all_time=all_time, method=method
    )
    run = _start_run(
        trigger=trigger, actor=actor, options=options, parameters=_parameters(settings)
    )
    try:
        with transaction.atomic():
            _acquire_lock()
            run.locked_at = timezone.now()
            run.previous_run = TierRun.objects.filter(
                status=TierRun.Status.SUCCEEDED
            ).latest_succeeded()
            params = _pipeline_params(run, settings, options, run.locked_at)
            result = sql.run_pipeline(
                connection,
                params,
                visit_inputs=visit_inputs_by_account(
                    date_from=options.date_from or datetime.date.min, date_to=options.as_of
                ),
                worksheet_totals=latest_worksheet_totals(),
            )
            _finish_run(run, result, per_group=params.per_group)
            audit_log(
                actor=actor,
                action="recompute",
                instance=run,
                extra={
                    "trigger": trigger,
                    "method": options.method,
                    "as_of": options.as_of.isoformat(),
                    "changed": run.changed_count,
                },
            )
            _prune_runs(settings.snapshot_retention)
    except Exception as exc:
        logger.exception("Tier recompute %s failed", run.pk)
        TierRun.objects.filter(pk=run.pk).update(
            status=TierRun.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    return run


def _finish_run(run: TierRun, result: sql.PipelineResult, *, per_group: bool = False) -> None:
    figures = summarize_groups(result.groups)
    curve = result.curve
    run.status = TierRun.Status.SUCCEEDED
    # Per group, a customer is a group (or an account in none): the curve counts them; the
    # tier figures still count accounts.
    run.customers = curve.customers if per_group else figures["customers"]
    run.total_revenue = figures["total_revenue"]
    run.changed_count = result.changed
    run.moved_up = figures["moved_up"]
    run.moved_down = figures["moved_down"]
    run.customers_to_80 = curve.customers_to_80
    run.top20_share = curve.top20_share
    run.summary = _jsonable(
        {
            **figures,
            "thresholds": _thresholds_in_currency(result.thresholds),
            "curve": _curve_as_dict(curve),
        }
    )
    run.finished_at = timezone.now()
    run.save()


@transaction.atomic
def tier_recompute_request(*, actor: User) -> TierRun:
    """Queue a recompute for a manager or admin (through the outbox); returns the queued run.

    While a request waits in the queue, another one joins it instead of queueing a second.
    """
    if actor is None or not getattr(actor, "can_manage", False):
        raise PermissionDenied
    waiting = TierRun.objects.filter(status=TierRun.Status.QUEUED).first()
    if waiting is not None:
        if waiting.created_at >= timezone.now() - QUEUED_STALE_AFTER:
            return waiting
        TierRun.objects.filter(pk=waiting.pk, status=TierRun.Status.QUEUED).update(
            status=TierRun.Status.FAILED,
            finished_at=timezone.now(),
            error=_("The queued recompute never started."),
        )
    try:
        with transaction.atomic():
            run = TierRun.objects.create(
                status=TierRun.Status.QUEUED, trigger=TierRun.Trigger.MANUAL, actor=actor
            )
    except IntegrityError:
        # Someone queued one a moment ago: join theirs.
        return TierRun.objects.get(status=TierRun.Status.QUEUED)
    enqueue(RECOMPUTE_TASK, trigger=TierRun.Trigger.MANUAL.value, actor_id=actor.pk)
    audit_log(actor=actor, action="request", instance=run, extra={"trigger": run.trigger})
    return run
