"""Demo data of the scoring app: two recomputes after seed_demo's rows, so tiers show at once
and the movers are those of a month (`--previous-run-days`), not of a first run in which every
customer "moved up" from no tier."""

import datetime

from django.db import connection
from django.utils import timezone

from accounts.models import Account, Order
from scoring.models import TierRun
from scoring.services import tiers_recompute


def add_arguments(parser) -> None:
    parser.add_argument(
        "--previous-run-days",
        type=int,
        default=30,
        help="days before today of the earlier tier run the movers compare with (0: none)",
    )


def seed(*, rng, account_ids, options, stdout) -> None:
    # The rows were just copied in: give the planner statistics before the big joins.
    with connection.cursor() as cursor:
        for model in (Account, Order):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    days = options.get("previous_run_days", 30)
    if days > 0:
        earlier = timezone.localdate() - datetime.timedelta(days=days)
        previous = tiers_recompute(trigger=TierRun.Trigger.DEMO, as_of=earlier)
        stdout.write(f"Tiers as of {previous.as_of}: {previous.customers} customers.")
    run = tiers_recompute(trigger=TierRun.Trigger.DEMO)
    stdout.write(
        f"Tiers: {run.customers} customers, {run.changed_count} tiers set "
        f"(run {run.pk}, as of {run.as_of})."
    )
