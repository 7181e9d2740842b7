"""Celery tasks of the scoring app: thin, they call the recompute service."""

from celery import shared_task

from crm.models import User
from scoring.models import TierRun
from scoring.services import tiers_recompute


@shared_task
def recompute_tiers_task(trigger: str = "manual", actor_id: int | None = None) -> int:
    """Recompute every tier (queued by the button, the API and after an import of orders).

    Safe to run twice: the second run finds nothing changed and writes no account."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return tiers_recompute(trigger=trigger, actor=actor).pk


@shared_task
def recompute_tiers_nightly_task() -> int:
    """The nightly recompute scheduled by Celery beat (config.settings.base)."""
    return tiers_recompute(trigger=TierRun.Trigger.NIGHTLY).pk
