"""What the imports announce to the rest of the project.

An app that must react to an import registers a receiver (in its AppConfig.ready()), so the
imports never name another app's tasks or services. The signals are sent inside the import's
transaction: a receiver that queues work through the outbox (core.queue.enqueue) has it
published when the import commits, and dropped with it when it rolls back.
"""

from django.dispatch import Signal

# Order lines of an import were written. Arguments: batch_id, actor_id (who ran it).
orders_imported = Signal()

# The undo of an orders import deleted its order lines. Arguments: batch_id, actor_id.
orders_import_undone = Signal()
