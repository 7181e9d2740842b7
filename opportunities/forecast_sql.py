"""The raw SQL of the forecast's "what changed since": each deal's state at a past instant
from its change history, set-based (one pass over the changes after that instant, DISTINCT ON
per deal), then classified. The deals come in as the ORM's SQL of the caller's population, so
the visibility rule stays the ORM's. Values always as parameters."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL


@contextmanager
def no_jit() -> Iterator[None]:
    """Run the forecast's queries without PostgreSQL's JIT: their cost estimates over a
    million deals trigger it, and compiling costs more (a quarter of a second on two cores)
    than it saves on queries that take tens of milliseconds."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


# The first change of each deal after the instant (one pass over the changes since then): its
# `*_before` values are the deal's state then; a first change that is the creation makes the
# deal new (every deal's history starts with its creation). `FIRST_AFTER` is the name the
# deals' SQL may refer to (the candidates).
FIRST_AFTER = "forecast_first_after"
CLASSIFIED = """
WITH forecast_first_after AS MATERIALIZED (
    SELECT DISTINCT ON (c.opportunity_id)
           c.opportunity_id, c.kind, c.status_before, c.amount_before, c.close_date_before
    FROM opportunities_opportunitychange c
    WHERE c.changed_at > %(since)s {population}
    ORDER BY c.opportunity_id, c.changed_at, c.id
),
d AS ({deals}),
s AS (
    SELECT d.id, d.owner_id, d.amount, d.close_date, d.status,
           COALESCE(f.close_date_before, d.close_date) AS then_close,
           COALESCE(f.amount_before, d.amount) AS then_amount,
           COALESCE(NULLIF(f.status_before, ''), d.status) AS then_status,
           COALESCE(f.kind = 'created', false) AS is_new
    FROM d LEFT JOIN forecast_first_after f ON f.opportunity_id = d.id
),
k AS MATERIALIZED (
    SELECT s.*,
           CASE
             WHEN is_new THEN
               CASE WHEN in_now AND status <> 'lost' THEN 'new' ELSE '' END
             WHEN in_now AND NOT in_then AND status <> 'lost' THEN 'moved_in'
             WHEN in_then AND then_status = 'open' AND close_date >= %(end)s THEN 'slipped_out'
             WHEN in_then AND then_status = 'open' AND status = 'lost' THEN 'lost'
             WHEN in_then AND in_now AND status <> 'lost' AND then_amount <> amount
               THEN 'amount_changed'
             ELSE ''
           END AS change
    FROM (
        SELECT s.*,
               (close_date >= %(start)s AND close_date < %(end)s) AS in_now,
               (then_close >= %(start)s AND then_close < %(end)s) AS in_then
        FROM s
    ) s
)
"""

# One statement: the grouped figures, then the `limit` largest changed deals (k is read once).
CHANGES = """
(SELECT 'g', change, owner_id, count(*), sum(amount), NULL::bigint,
        NULL::numeric, NULL::date, NULL::date
 FROM k WHERE change <> '' GROUP BY change, owner_id)
UNION ALL
(SELECT 'r', change, owner_id, NULL::bigint, amount, id, then_amount, then_close, close_date
 FROM k WHERE change <> '' ORDER BY amount DESC, id LIMIT %(limit)s)
"""


def first_after_ids(start: datetime.date, end: datetime.date) -> RawSQL:
    """The deals whose first change after the instant had their close date in [start, end):
    for the deals' SQL inside `changes_rows` (it names the statement's first CTE)."""
    # A constant statement (FIRST_AFTER's name), values as parameters.
    sql = (
        "SELECT opportunity_id FROM forecast_first_after "
        "WHERE close_date_before >= %s AND close_date_before < %s"
    )
    return RawSQL(sql, [start, end])  # noqa: S611  # nosec B611


def _named(queryset: QuerySet, prefix: str) -> tuple[str, dict]:
    """The ORM's SQL of `queryset` with its positional %s named (`<prefix><i>`), so that the
    statement's own named parameters can join them."""
    sql, params = queryset.query.sql_with_params()
    names = {f"{prefix}{i}": value for i, value in enumerate(params)}
    return sql % tuple(f"%({name})s" for name in names), names


def changes_rows(
    deals: QuerySet,
    population: QuerySet | None,
    *,
    since: datetime.datetime,
    start: datetime.date,
    end: datetime.date,
    limit: int,
) -> tuple[list[tuple[int, str, int, Decimal]], list[tuple]]:
    """(grouped: (owner, change, count, amount), listed: the `limit` largest changed deals as
    (change, id, owner, amount then, amount now, close date then, close date now)).
    `deals`: the population's candidate deals, with values id, owner_id, amount, close_date,
    status (read from the forecast's covering index); `population`: the ids of every deal of
    the population (the changes since are read for those only), None for every deal."""
    deals_sql, deals_params = _named(deals, "d")
    population_sql, population_params = "", dict[str, Any]()
    if population is not None:
        ids_sql, population_params = _named(population, "p")
        population_sql = f"AND c.opportunity_id IN ({ids_sql})"
    params = {
        **deals_params,
        **population_params,
        "since": since,
        "start": start,
        "end": end,
        "limit": limit,
    }
    statement = CLASSIFIED.format(deals=deals_sql, population=population_sql) + CHANGES
    with connection.cursor() as cursor:
        cursor.execute(statement, params)  # nosec B608
        rows = cursor.fetchall()
    grouped = [
        (owner, change, n, amount) for part, change, owner, n, amount, *_ in rows if part == "g"
    ]
    listed = [
        (change, pk, owner, then_amount, amount, then_close, close_date)
        for part, change, owner, _n, amount, pk, then_amount, then_close, close_date in rows
        if part == "r"
    ]
    listed.sort(key=lambda row: (-row[4], row[1]))
    return grouped, listed
