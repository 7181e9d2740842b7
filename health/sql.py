# ruff: noqa: S608 - every statement here is built from our own constants and model table
# names; values always travel as parameters.
"""The set-based SQL of the account health: one INSERT … SELECT over every account.

Nothing here loops over accounts in Python. The statement reads, per account:

- its order days in the lookback (lines of one day summed; a day whose lines are all returns
  is no order day), from which the usual interval is the median gap between order days and
  the lateness the days since the last one divided by it;
- its net revenue (returns subtract) in the last 90 days, the 90 before and the same 90 days
  a year earlier;
- the latest day an active decision maker was reached, from the buying centre's contact
  sources (accounts.buying_centre: visits, touches, commitments), joined as subqueries;
- its latest visit, against the visit settings' cadence for its tier;

and turns each into penalty points between 0 and the factor's weight. The score is 100 minus
their sum. A factor that does not apply costs nothing and its points are NULL.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet

from accounts.models import Account, Order
from health.models import HealthSnapshot

SNAPSHOT_COLUMNS = [
    "account_id",
    "day",
    "score",
    "tier",
    "last_order",
    "order_days",
    "usual_interval",
    "days_since_order",
    "lateness_points",
    "revenue_90",
    "revenue_prev_90",
    "revenue_year_ago_90",
    "trend_points",
    "decision_makers",
    "decision_maker_contact",
    "decision_maker_days",
    "decision_maker_points",
    "last_visit",
    "cadence_days",
    "visit_points",
    "receivables_points",
    "score_week_ago",
    "created_at",
]


@dataclass(frozen=True)
class HealthParams:
    """One day's computation: the settings' weights and thresholds, the tiers' cadences and
    decision-maker thresholds (by tier: A, B, C, untiered)."""

    day: datetime.date
    now: datetime.datetime
    weight_lateness: Decimal
    weight_trend: Decimal
    weight_decision_maker: Decimal
    weight_visits: Decimal
    lateness_grace: Decimal
    lateness_full: Decimal
    default_interval_days: int
    lookback_days: int
    trend_full_drop: Decimal
    cadence: dict[str, int]
    decision_maker_days: dict[str, int]


def _selector_sql(queryset: QuerySet, connection) -> tuple[str, list] | None:
    """The SQL of another app's selector, to use as a subquery; None when it is empty."""
    try:
        sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:
        return None
    return sql, list(params)


def _by_tier(column: str, values: dict[str, int]) -> tuple[str, list[int]]:
    """CASE over the account's tier ("" = untiered)."""
    return (
        f"(CASE {column} WHEN 'A' THEN %s WHEN 'B' THEN %s WHEN 'C' THEN %s ELSE %s END)",
        [values.get("A", 0), values.get("B", 0), values.get("C", 0), values.get("", 0)],
    )


Fragment = tuple[str, list[Any]]


def _penalty(value: Fragment, low: Fragment, high: Fragment, weight: Fragment) -> Fragment:
    """Points: 0 up to `low`, the full `weight` from `high`, linear between (each part an SQL
    fragment with its parameters)."""
    sql = (
        f"ROUND(CAST({weight[0]} AS NUMERIC) * LEAST(1, GREATEST(0, "
        f"(CAST({value[0]} AS NUMERIC) - ({low[0]})) / NULLIF(({high[0]}) - ({low[0]}), 0))), 1)"
    )
    return sql, [*weight[1], *value[1], *low[1], *high[1], *low[1]]


def _contacts_union(contact_sources: list[QuerySet], connection) -> tuple[str, list]:
    parts: list[str] = []
    args: list = []
    for queryset in contact_sources:
        compiled = _selector_sql(queryset, connection)
        if compiled is not None:
            parts.append(f"SELECT s.contact_id, s.day FROM ({compiled[0]}) s")  # nosec B608
            args += compiled[1]
    if not parts:
        return "SELECT CAST(NULL AS INTEGER) AS contact_id, CAST(NULL AS DATE) AS day", []
    return " UNION ALL ".join(parts), args


def insert_snapshot(
    connection,
    params: HealthParams,
    *,
    contact_sources: list[QuerySet],
    decision_maker_role: str,
    last_visits: QuerySet | None,
) -> int:
    """Delete `params.day`'s rows and write one per account; returns the rows written.

    `contact_sources` are querysets {contact_id, day} over the active decision makers;
    `last_visits` a queryset {account_id, day} of the latest visit up to the day, or None to
    read the account's own `last_visit_date` (the day is today or later)."""
    accounts, orders = Account._meta.db_table, Order._meta.db_table
    contact_table = Account.contacts.field.model._meta.db_table  # accounts_contact
    snapshot = HealthSnapshot._meta.db_table
    day = params.day
    args: list[Any] = []

    contacts_sql, contacts_args = _contacts_union(contact_sources, connection)
    visits_join = "LEFT JOIN (SELECT NULL::integer AS account_id, NULL::date AS day) v ON false"
    visit_day = "a.last_visit_date"
    visit_args: list = []
    if last_visits is not None:
        compiled = _selector_sql(last_visits, connection)
        if compiled is not None:
            visits_join = f"LEFT JOIN ({compiled[0]}) v ON v.account_id = a.id"
            visit_args = compiled[1]
        visit_day = "v.day"

    cadence_sql, cadence_args = _by_tier("a.tier", params.cadence)
    dm_days_sql, dm_days_args = _by_tier("a.tier", params.decision_maker_days)
    lateness, lateness_args = _penalty(
        ("f.days_since_order / COALESCE(f.usual_interval, %s)", [params.default_interval_days]),
        ("%s", [params.lateness_grace]),
        ("%s", [params.lateness_full]),
        ("%s", [params.weight_lateness]),
    )
    trend, trend_args = _penalty(
        (
            "(1 - LEAST(CASE WHEN f.prev_90 > 0 THEN f.revenue_90 / f.prev_90 END, "
            "CASE WHEN f.year_ago_90 > 0 THEN f.revenue_90 / f.year_ago_90 END)) * 100",
            [],
        ),
        ("0", []),
        ("%s", [params.trend_full_drop]),
        ("%s", [params.weight_trend]),
    )
    trend = f"CASE WHEN f.prev_90 <= 0 AND f.year_ago_90 <= 0 THEN NULL ELSE {trend} END"
    decision, decision_args = _penalty(
        ("%s - f.dm_contact", [day]),
        ("f.dm_days", []),
        ("2 * f.dm_days", []),
        ("%s", [params.weight_decision_maker]),
    )
    visits, visits_args = _penalty(
        ("%s - f.last_visit", [day]),
        ("f.cadence", []),
        ("2 * f.cadence", []),
        ("%s", [params.weight_visits]),
    )

    sql = f"""
    WITH order_days AS (
        SELECT o.account_id, o.date, SUM(o.amount) AS amount,
               BOOL_OR(o.amount > 0) AS is_order
        FROM {orders} o
        WHERE o.date <= %s AND o.date > %s
        GROUP BY o.account_id, o.date
    ), gaps AS (
        SELECT account_id, date, amount, is_order,
               CASE WHEN is_order THEN date - LAG(date) OVER (
                   PARTITION BY account_id, is_order ORDER BY date) END AS gap
        FROM order_days
    ), per_account AS (
        SELECT account_id,
               MAX(date) FILTER (WHERE is_order) AS last_order,
               COUNT(*) FILTER (WHERE is_order) AS order_days,
               PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY gap) AS usual_interval,
               COALESCE(SUM(amount) FILTER (WHERE date > %s), 0) AS revenue_90,
               COALESCE(SUM(amount) FILTER (WHERE date > %s AND date <= %s), 0) AS prev_90,
               COALESCE(SUM(amount) FILTER (WHERE date > %s AND date <= %s), 0) AS year_ago_90
        FROM gaps GROUP BY account_id
    ), makers AS (
        SELECT c.account_id, COUNT(*) AS makers FROM {contact_table} c
        WHERE c.role = %s AND c.is_active GROUP BY c.account_id
    ), reached AS (
        SELECT c.account_id, MAX(r.day) AS day
        FROM ({contacts_sql}) r JOIN {contact_table} c ON c.id = r.contact_id
        WHERE r.day <= %s GROUP BY c.account_id
    ), week_ago AS (
        SELECT DISTINCT ON (account_id) account_id, score FROM {snapshot}
        WHERE day BETWEEN %s AND %s ORDER BY account_id, day DESC
    ), facts AS (
        SELECT a.id AS account_id, a.tier, a.lifecycle,
               p.last_order, COALESCE(p.order_days, 0) AS order_days,
               ROUND(CAST(p.usual_interval AS NUMERIC), 1) AS usual_interval,
               %s - p.last_order AS days_since_order,
               COALESCE(p.revenue_90, 0) AS revenue_90,
               COALESCE(p.prev_90, 0) AS prev_90,
               COALESCE(p.year_ago_90, 0) AS year_ago_90,
               COALESCE(m.makers, 0) AS makers,
               reached.day AS dm_contact,
               {dm_days_sql} AS dm_days,
               {visit_day} AS last_visit,
               NULLIF({cadence_sql}, 0) AS cadence,
               w.score AS week_ago
        FROM {accounts} a
        LEFT JOIN per_account p ON p.account_id = a.id
        LEFT JOIN makers m ON m.account_id = a.id
        LEFT JOIN reached ON reached.account_id = a.id
        LEFT JOIN week_ago w ON w.account_id = a.id
        {visits_join}
    ), points AS (
        SELECT f.*,
            CASE WHEN f.last_order IS NOT NULL THEN {lateness}
                 WHEN f.lifecycle = 'existing' THEN %s END AS lateness_points,
            {trend} AS trend_points,
            CASE WHEN f.makers = 0 OR f.dm_contact IS NULL THEN %s ELSE {decision} END
                AS dm_points,
            CASE WHEN f.cadence IS NULL THEN NULL WHEN f.last_visit IS NULL THEN %s
                 ELSE {visits} END AS visit_points
        FROM facts f
    )
    INSERT INTO {snapshot} ({", ".join(SNAPSHOT_COLUMNS)})
    SELECT account_id, %s,
           GREATEST(0, LEAST(100, ROUND(100 - COALESCE(lateness_points, 0)
               - COALESCE(trend_points, 0) - COALESCE(dm_points, 0)
               - COALESCE(visit_points, 0)))),
           tier, last_order, order_days, usual_interval, days_since_order, lateness_points,
           revenue_90, prev_90, year_ago_90, trend_points,
           makers, dm_contact, dm_days, dm_points,
           last_visit, cadence, visit_points, NULL, week_ago, %s
    FROM points
    """  # nosec B608 - our table names and constants; values are parameters
    days = datetime.timedelta
    args += [day, day - days(params.lookback_days)]
    args += [day - days(90), day - days(180), day - days(90), day - days(455), day - days(365)]
    args += [decision_maker_role, *contacts_args, day]
    args += [day - days(10), day - days(7)]
    args += [day, *dm_days_args, *cadence_args, *visit_args]
    args += [*lateness_args, params.weight_lateness, *trend_args]
    args += [params.weight_decision_maker, *decision_args]
    args += [params.weight_visits, *visits_args]
    args += [day, params.now]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {snapshot} WHERE day = %s", [day])  # nosec B608
        cursor.execute(sql, args)
        return cursor.rowcount


def prune(connection, *, before: datetime.date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {HealthSnapshot._meta.db_table} WHERE day < %s", [before])  # nosec B608
        return cursor.rowcount
