"""The raw SQL of the forecast: its grid (a period's deals grouped by owner and month) and
"what changed since": the state at a past instant of each deal changed since, from its change
history, then classified. The deals come in as the ORM's SQL of the caller's population, so the
visibility rule stays the ORM's. Values always as parameters."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

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
            cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


# The forecast grid: (owner, month) rows of a cell's figures (`opportunities.forecast.Figures`).
# Grouped first by owner, month, status, category and stage with four sums (the stage's
# probability joined to those few thousand groups, not to every deal), then folded per owner
# and month; the weighted amounts summed exactly and rounded per category by the caller.
GRID = """
WITH g AS (
    SELECT owner_id, date_trunc('month', close_date::timestamp)::date AS month, status,
           category, stage_id, count(*) AS n, sum(amount) AS amount,
           sum(amount) FILTER (WHERE probability IS NULL) AS at_stage_probability,
           sum(amount * probability) AS at_own_probability
    FROM ({deals}) d
    GROUP BY 1, 2, 3, 4, 5
), w AS (
    SELECT g.*, status = 'open' AS is_open,
           (COALESCE(at_own_probability, 0)
            + COALESCE(at_stage_probability, 0) * s.probability) / 100 AS weighted
    FROM g JOIN opportunities_stage s ON s.id = g.stage_id
)
SELECT owner_id, month, sum(n), sum(amount),
       sum(amount) FILTER (WHERE status = 'won'), sum(n) FILTER (WHERE status = 'won'),
       sum(amount) FILTER (WHERE status = 'lost'), sum(n) FILTER (WHERE status = 'lost'),
       sum(amount) FILTER (WHERE is_open), sum(n) FILTER (WHERE is_open),
       sum(amount) FILTER (WHERE is_open AND category = 'commit'),
       sum(amount) FILTER (WHERE is_open AND category = 'best_case'),
       sum(amount) FILTER (WHERE is_open AND category NOT IN ('commit', 'best_case', 'omitted')),
       sum(amount) FILTER (WHERE is_open AND category = 'omitted'),
       sum(weighted) FILTER (WHERE is_open AND category = 'commit'),
       sum(weighted) FILTER (WHERE is_open AND category = 'best_case'),
       sum(weighted) FILTER (WHERE is_open AND category NOT IN ('commit', 'best_case', 'omitted'))
FROM w
GROUP BY owner_id, month
"""


def grid_rows(deals: QuerySet) -> list[tuple]:
    """The grid's rows of `deals` (values owner_id, close_date, status, category, stage_id,
    amount, probability): (owner, month, deals, total, won, won count, lost, lost count, open,
    open count, commit, best case, pipeline, omitted, then the weighted amounts of commit,
    best case and pipeline), sums None where nothing was summed."""
    deals_sql, params = _named(deals, "d")
    with connection.cursor() as cursor:
        cursor.execute(GRID.format(deals=deals_sql), params)  # nosec B608
        return cursor.fetchall()


# Only the deals with a change since the instant can have changed: the others' state then is
# their row now. The candidates: the deals closing in the period now (`d`, from the forecast's
# covering index) with their first change since, and the deals that were open and closing in
# the period before a change since and are not in `d` (`m`: left the period, or the population
# sees them only now), with theirs. A first change that is the creation makes the deal new
# (every deal's history starts with its creation). The deals' SQL of `m` refers to the CTE
# `forecast_left` by name (`left_period_ids`).
LEFT = """
forecast_left AS MATERIALIZED (
    SELECT DISTINCT c.opportunity_id
    FROM opportunities_opportunitychange c
    WHERE c.close_date_before >= %(start)s AND c.close_date_before < %(end)s
      AND c.changed_at > %(since)s AND c.status_before = 'open' {population}
      AND NOT EXISTS (SELECT 1 FROM d WHERE d.id = c.opportunity_id)
)"""
# A deal's first change since: one probe of the history index.
FIRST_CHANGE = """CROSS JOIN LATERAL (
        SELECT c.kind, c.status_before, c.amount_before, c.close_date_before
        FROM opportunities_opportunitychange c
        WHERE c.opportunity_id = {deal}.id AND c.changed_at > %(since)s
        ORDER BY c.changed_at, c.id
        LIMIT 1
    ) f"""
# Every deal (the company): the changes since read once, those of `d` kept (a hash join),
# the first per deal; a probe a deal would cost more over a period of a million deals.
EVERY_FIRST = """
f AS (
    SELECT DISTINCT ON (c.opportunity_id)
           c.opportunity_id, c.kind, c.status_before, c.amount_before, c.close_date_before
    FROM opportunities_opportunitychange c JOIN d ON d.id = c.opportunity_id
    WHERE c.changed_at > %(since)s
    ORDER BY c.opportunity_id, c.changed_at, c.id
)"""
EVERY_D = "FROM d JOIN f ON f.opportunity_id = d.id"
NARROWED_D = "FROM d " + FIRST_CHANGE.format(deal="d")
CLASSIFIED = """
WITH d AS MATERIALIZED ({deals}),
{left},
m AS ({moved}),{first}
s AS (
    SELECT id, owner_id, amount, close_date, status,
           COALESCE(close_date_before, close_date) AS then_close,
           COALESCE(amount_before, amount) AS then_amount,
           COALESCE(NULLIF(status_before, ''), status) AS then_status,
           kind = 'created' AS is_new
    FROM (
        SELECT d.*, f.kind, f.status_before, f.amount_before, f.close_date_before
        {d_first}
        UNION ALL
        SELECT m.*, f.kind, f.status_before, f.amount_before, f.close_date_before
        FROM m {m_first}
    ) candidates
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


def left_period_ids() -> RawSQL:
    """The deals that were open and closing in the period before a change since and are not
    among the deals closing in it now: for the SQL of `m` inside `changes_rows` (it names
    the statement's CTE)."""
    return RawSQL("SELECT opportunity_id FROM forecast_left", [])  # nosec B611


def _named(queryset: QuerySet, prefix: str) -> tuple[str, dict]:
    """The ORM's SQL of `queryset` with its positional %s named (`<prefix><i>`), so that the
    statement's own named parameters can join them."""
    sql, params = queryset.query.sql_with_params()
    names = {f"{prefix}{i}": value for i, value in enumerate(params)}
    return sql % tuple(f"%({name})s" for name in names), names


def changes_rows(
    deals: QuerySet,
    moved: QuerySet,
    population: QuerySet | None,
    *,
    since: datetime.datetime,
    start: datetime.date,
    end: datetime.date,
    limit: int,
) -> tuple[list[tuple[int, str, int, Decimal]], list[tuple]]:
    """(grouped: (owner, change, count, amount), listed: the `limit` largest changed deals as
    (change, id, owner, amount then, amount now, close date then, close date now)).
    `deals`: the population's deals closing in the period now, `moved`: the population's deals
    among `left_period_ids()`, both with values id, owner_id, amount, close_date, status (read
    from the forecast's covering indexes); `population`: the ids of every deal of a narrowed
    population (each candidate's history probed rather than every change since read), None
    for every deal."""
    deals_sql, params = _named(deals, "d")
    moved_sql, moved_params = _named(moved, "m")
    params |= moved_params | {"since": since, "start": start, "end": end, "limit": limit}
    if population is None:
        left = LEFT.format(population="")
        first, d_first = EVERY_FIRST + ",", EVERY_D
    else:
        ids_sql, ids_params = _named(population, "p")
        params |= ids_params
        left = LEFT.format(population=f"AND c.opportunity_id IN ({ids_sql})")
        first, d_first = "", NARROWED_D
    statement = (
        CLASSIFIED.format(
            deals=deals_sql,
            left=left,
            moved=moved_sql,
            first=first,
            d_first=d_first,
            m_first=FIRST_CHANGE.format(deal="m"),
        )
        + CHANGES
    )
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
