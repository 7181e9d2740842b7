"""The dashboard's raw SQL: the generation of the order lines and the one GROUP BY over them
that the customer figures (KPIs, growth levers) share. Every function takes the database
connection to run on; values always travel as parameters."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Account, Order


def orders_generation(connection) -> int:
    """The generation of the order lines: a number that changes with every statement writing
    them (ORM, raw SQL, COPY, TRUNCATE), read in one tiny query. The sequence
    `accounts_order_generation` is bumped by a statement-level trigger on `accounts_order`
    (migration accounts 0005_order_generation_trigger)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM accounts_order_generation")
        last_value, is_called = cursor.fetchone()
    # Before the first nextval() the sequence reads 1, not called; after it 1, called.
    return last_value if is_called else 0


@dataclass(frozen=True)
class OrderGroup:
    """Customers of one channel and status over a period and the one before it. Status: new
    (no order before the period), existing (ordered before it) or lapsed (ordered in the
    previous period, not in this one)."""

    channel: str
    status: str
    accounts: int
    current: Decimal
    previous: Decimal
    previous_customers: int


def _order_groups_sql(population: str | None) -> str:
    orders, accounts = Order._meta.db_table, Account._meta.db_table
    of_population = f" AND account_id IN ({population})" if population else ""
    # Said of the accounts as well: the planner then reads a team's accounts by their owner
    # instead of every account to join their channel.
    accounts_of_population = f" WHERE a.id IN ({population})" if population else ""
    # False positive of S608/B608: built from model table names and the population's SQL
    # (compiled by Django from a queryset); every value travels as a parameter.
    return (
        "SELECT a.channel, CASE WHEN o.cur_lines = 0 THEN 'lapsed' "  # noqa: S608 # nosec B608
        f"WHEN EXISTS (SELECT 1 FROM {orders} b WHERE b.account_id = o.account_id "
        "AND b.date < %s) THEN 'existing' ELSE 'new' END AS status, "
        "COUNT(*), SUM(o.cur), SUM(o.prev), COUNT(*) FILTER (WHERE o.prev_lines > 0) "
        "FROM (SELECT account_id, "
        "COUNT(*) FILTER (WHERE date >= %s) AS cur_lines, "
        "SUM(amount) FILTER (WHERE date >= %s) AS cur, "
        "COUNT(*) FILTER (WHERE date < %s) AS prev_lines, "
        "SUM(amount) FILTER (WHERE date < %s) AS prev "
        f"FROM {orders} WHERE date >= %s AND date <= %s{of_population} "
        f"GROUP BY account_id) o JOIN {accounts} a ON a.id = o.account_id"
        f"{accounts_of_population} GROUP BY a.channel, 2"
    )


def order_groups(
    connection,
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    previous_from: datetime.date,
    population_sql: tuple[str, tuple] | None,
) -> list[OrderGroup]:
    """Per channel and status, the customers of `date_from`..`date_to` and of the previous
    period starting at `previous_from` (it ends the day before `date_from`): one GROUP BY over
    the order lines of both periods. `population_sql` (SQL and parameters selecting account
    ids) narrows them; None reads every account."""
    # Placeholders in textual order: the EXISTS, the four FILTERs, the dates, the population.
    params: list = [date_from] * 5 + [previous_from, date_to]
    population = None
    if population_sql is not None:
        population, population_params = population_sql
        params += [*population_params, *population_params]
    sql = _order_groups_sql(population)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        OrderGroup(
            channel=channel,
            status=status,
            accounts=accounts,
            current=Decimal(current or 0),
            previous=Decimal(previous or 0),
            previous_customers=previous_customers or 0,
        )
        for channel, status, accounts, current, previous, previous_customers in rows
    ]
