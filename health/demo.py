"""Demo data of the health app: drift, so that tiers move and the forecast has something to
foresee; then, once every app's rows are in, the day's health and its warnings.

seed_demo spreads each customer's orders evenly over two years, so nobody fades. Here a share
of the biggest customers (`--fading-share`, a third by default) starts to fade on a day drawn
for each in the two years: from then on its order lines thin out (a line is dropped with a
chance that grows from 0 to 90% over `FADE_DAYS`). One DELETE over the chosen accounts.
"""

import datetime

from django.db import connection
from django.utils import timezone

from accounts.models import Account, Contact, Order
from health.services import health_compute, health_warnings_generate
from visits.models import Visit

FADE_DAYS = 180
# The biggest customers by revenue that may fade: the top this share of customers.
TOP_SHARE = 0.25


def add_arguments(parser) -> None:
    parser.add_argument(
        "--fading-share",
        type=float,
        default=0.33,
        help="share of the top customers whose orders fade from a random day (0: no drift)",
    )


def _top_customers() -> list[int]:
    orders = Order._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT account_id FROM {orders} GROUP BY account_id "  # noqa: S608  # nosec B608
            "ORDER BY SUM(amount) DESC, account_id"
        )
        ranked = [row[0] for row in cursor.fetchall()]
    return ranked[: int(len(ranked) * TOP_SHARE)]


def fade(*, rng, share: float, today: datetime.date) -> int:
    """Thin out the orders of `share` of the top customers; returns the lines deleted."""
    if share <= 0:
        return 0
    chosen = [pk for pk in _top_customers() if rng.random() < share]
    if not chosen:
        return 0
    starts = [today - datetime.timedelta(days=int(rng.random() * 700)) for _ in chosen]
    orders = Order._meta.db_table
    with connection.cursor() as cursor:
        # The drop is decided by a hash of the line's id: the same data gives the same drift.
        cursor.execute(
            f"DELETE FROM {orders} o USING unnest(%s::integer[], %s::date[]) "  # noqa: S608  # nosec B608
            "AS f(account_id, fade_from) "
            "WHERE o.account_id = f.account_id AND o.date > f.fade_from "
            "AND (o.id * 2654435761) %% 1000 "
            "< 900 * LEAST(1.0, (o.date - f.fade_from) / %s::numeric)",
            [chosen, starts, FADE_DAYS],
        )
        return cursor.rowcount


def meet_decision_makers() -> int:
    """seed_demo's visits name no contact: on two visits in three, the account's first
    decision maker was met (one INSERT … SELECT), so the health's decision-maker factor has
    dates to read."""
    through = Visit.contacts.through
    visits, contacts = Visit._meta.db_table, Contact._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {through._meta.db_table} (visit_id, contact_id) "  # noqa: S608  # nosec B608
            f"SELECT v.id, (SELECT c.id FROM {contacts} c WHERE c.account_id = v.account_id "
            "AND c.role = %s AND c.is_active ORDER BY c.id LIMIT 1) "
            f"FROM {visits} v WHERE v.id %% 3 <> 0 AND EXISTS (SELECT 1 FROM {contacts} c "
            "WHERE c.account_id = v.account_id AND c.role = %s AND c.is_active) "
            "ON CONFLICT DO NOTHING",
            [Contact.Role.DECISION_MAKER, Contact.Role.DECISION_MAKER],
        )
        return cursor.rowcount


def seed(*, rng, account_ids, options, stdout) -> None:
    met = meet_decision_makers()
    stdout.write(f"Decision makers met on {met} visits.")
    deleted = fade(rng=rng, share=options.get("fading_share", 0.33), today=timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Order._meta.db_table}")
        cursor.execute(f"ANALYZE {Account._meta.db_table}")
    stdout.write(f"Drift: {deleted} order lines of fading customers removed.")


def finish(*, options, stdout) -> None:
    result = health_compute()
    warnings = health_warnings_generate(day=result.day)
    stdout.write(f"Health: {result.accounts} accounts, {sum(warnings.values())} warnings.")
