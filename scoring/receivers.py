"""What scoring does when other apps announce events (connected in ScoringConfig.ready())."""

from core.queue import enqueue
from scoring.tasks import recompute_tiers_task


def recompute_tiers_after_orders_import(sender, *, actor_id: int | None, **kwargs) -> None:
    """Orders were imported, or an orders import undone: revenue changed, so the tiers are
    recomputed in a worker once the import commits (the outbox row is part of its transaction)."""
    enqueue(recompute_tiers_task.name, trigger="import", actor_id=actor_id)
