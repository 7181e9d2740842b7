"""Demo data of the scoring app: one recompute after seed_demo's rows, so tiers show at once."""

from django.db import connection

from accounts.models import Account, Order
from scoring.models import TierRun
from scoring.services import tiers_recompute


def seed(*, rng, account_ids, options, stdout) -> None:
    # The rows were just copied in: give the planner statistics before the big joins.
    with connection.cursor() as cursor:
        for model in (Account, Order):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    run = tiers_recompute(trigger=TierRun.Trigger.DEMO)
    stdout.write(
        f"Tiers: {run.customers} customers, {run.changed_count} tiers set "
        f"(run {run.pk}, as of {run.as_of})."
    )
