"""Scoring reacts to the imports' events: an orders import (or its undo) queues the tier
recompute through the outbox, in the import's transaction."""

import pytest
from django.db import transaction

from core.models import PendingTask
from imports.models import ImportBatch
from imports.signals import orders_import_undone, orders_imported
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TIER_TASK = "scoring.tasks.recompute_tiers_task"


class RolledBack(Exception):
    pass


@pytest.mark.parametrize("signal", [orders_imported, orders_import_undone])
def test_an_orders_import_event_queues_one_tier_recompute_for_its_actor(signal):
    actor = UserFactory()
    signal.send(sender=ImportBatch, batch_id=1, actor_id=actor.pk)
    queued = list(PendingTask.objects.values_list("task_name", "args", "kwargs"))
    assert queued == [(TIER_TASK, [], {"trigger": "import", "actor_id": actor.pk})]


def test_an_import_that_rolls_back_after_the_event_leaves_nothing_queued():
    actor = UserFactory()
    with pytest.raises(RolledBack), transaction.atomic():
        orders_imported.send(sender=ImportBatch, batch_id=1, actor_id=actor.pk)
        assert PendingTask.objects.count() == 1
        raise RolledBack
    assert not PendingTask.objects.exists()
