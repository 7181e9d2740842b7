# ruff: noqa: S608 - every statement here is built from our own constants and model table
# names; values always travel as parameters.
"""The set-based SQL of a recompute: a few PostgreSQL statements with window functions. Nothing
here loops over accounts in Python.

Money is compared in whole cents, as exact numerics, so a tier boundary falls exactly where the
cut-off puts it. Every function takes the database connection to run on.

Steps of `run_pipeline`:
1. a temporary work table: per account, net revenue (and profit) in the window, the weighted
   input from the visits selector, the latest worksheet total from the prospects selector, the
   entered revenue potential and the tier it had before;
2. medians for the quadrant and priority thresholds the settings leave open;
3. a second temporary table with every account's rank, shares, tier, movement, quadrant and
   priority (window functions);
4. one INSERT … SELECT of it into the snapshot;
5. one UPDATE … FROM onto the accounts, only where the tier changed;
6. the company-wide figures and the Pareto curve, read from the second temporary table.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet

from accounts.models import Account, Order
from receivables.models import Payment
from scoring.models import Method, OutputMeasure, TierBasis, TierRevenue, TierSnapshot

WORK_TABLE = "scoring_work"
RANKED_TABLE = "scoring_ranked"
GROUPS_TABLE = "scoring_groups"
NUMBER = "CAST(%s AS NUMERIC)"
PPM = 1_000_000


@dataclass(frozen=True)
class PipelineParams:
    """What one recompute computes. Cut-offs are in basis points (80% → 8000)."""

    run_id: int
    date_to: datetime.date
    date_from: datetime.date | None
    method: str
    a_bp: int
    b_bp: int
    now: datetime.datetime
    output_measure: str = OutputMeasure.REVENUE
    weight_visits: Decimal = Decimal("1")
    weight_hours: Decimal = Decimal("0.5")
    weight_expenses: Decimal = Decimal("0.01")
    input_threshold: Decimal | None = None
    output_threshold: Decimal | None = None
    priority_revenue_threshold: Decimal | None = None
    priority_potential_threshold: Decimal | None = None
    priority_worksheet_min: int = 4
    tier_basis: str = TierBasis.ACCOUNT
    tier_revenue: str = TierRevenue.ORDERS

    @property
    def per_group(self) -> bool:
        return self.tier_basis == TierBasis.GROUP


@dataclass
class PipelineResult:
    changed: int
    thresholds: dict[str, Any]
    groups: list[tuple]
    curve: Curve


def _cents(column: str) -> str:
    """SUM of a money column, in cents, exactly."""
    return f"(SUM({column}) * 100)"


def _temporary(name: str) -> str:
    # Qualified, so that a DROP or ANALYZE can only ever reach our temporary table.
    return f"pg_temp.{name}"


def _selector_sql(queryset: QuerySet, connection) -> tuple[str, list] | None:
    """The SQL of another app's selector, to use as a subquery; None when it is empty."""
    try:
        sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:
        return None
    return sql, list(params)


def _execute(connection, sql: str, params: list | tuple = ()) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _fetchall(connection, sql: str, params: list | tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def build_work_table(
    connection, params: PipelineParams, *, visit_inputs: QuerySet, worksheet_totals: QuerySet
) -> bool:
    """Step 1: one row per account that has orders, effort or a potential figure in the window,
    or had a tier before. Returns whether the visits selector gave any rows to join."""
    accounts = Account._meta.db_table
    orders = Order._meta.db_table
    args: list = []

    profit = (
        _cents("COALESCE(o.profit, 0)")
        if params.output_measure == OutputMeasure.PROFIT
        else "CAST(NULL AS INTEGER)"
    )
    date_filter = "o.date <= %s"
    args.append(params.date_to)
    if params.date_from is not None:
        date_filter += " AND o.date >= %s"
        args.append(params.date_from)
    source = orders
    if params.tier_revenue == TierRevenue.PAYMENTS:
        # Revenue is the cash received in the window; orders still bring their profit and keep
        # an account with orders (and no payment) in the ranking, at zero.
        source = (
            f"(SELECT p.account_id, p.amount, CAST(NULL AS NUMERIC) AS profit, "  # nosec B608
            f"p.received_on AS date FROM {Payment._meta.db_table} p UNION ALL "
            f"SELECT q.account_id, 0, q.profit, q.date FROM {orders} q)"
        )
    joins = [
        f"LEFT JOIN (SELECT o.account_id, {_cents('o.amount')} AS revenue_cents, "  # nosec B608
        f"{profit} AS profit_cents FROM {source} o WHERE {date_filter} "
        "GROUP BY o.account_id) r ON r.account_id = a.id"
    ]
    conditions = ["r.account_id IS NOT NULL"]
    columns = ["r.revenue_cents", "r.profit_cents"]

    visits = _selector_sql(visit_inputs, connection)
    if visits is not None:
        joins.append(
            "LEFT JOIN (SELECT v.account_id, "  # nosec B608
            "SUM(COALESCE(v.visit_count, 0)) * %s + SUM(COALESCE(v.hours, 0)) * %s "
            "+ SUM(COALESCE(v.expenses, 0)) * %s AS input_score "
            f"FROM ({visits[0]}) v GROUP BY v.account_id) i ON i.account_id = a.id"
        )
        args += [params.weight_visits, params.weight_hours, params.weight_expenses, *visits[1]]
        columns.append("i.input_score")
        conditions.append("i.account_id IS NOT NULL")
    else:
        columns.append("CAST(NULL AS NUMERIC) AS input_score")

    worksheets = _selector_sql(worksheet_totals, connection)
    if worksheets is not None:
        joins.append(
            "LEFT JOIN (SELECT w0.account_id, MAX(w0.total) AS total "  # nosec B608
            f"FROM ({worksheets[0]}) w0 GROUP BY w0.account_id) w ON w.account_id = a.id"
        )
        args += worksheets[1]
        columns.append("w.total AS ws_total")
        conditions.append("w.account_id IS NOT NULL")
    else:
        columns.append("CAST(NULL AS INTEGER) AS ws_total")
    conditions += ["a.tier <> ''", "a.revenue_potential IS NOT NULL"]
    if params.per_group:
        # Every account of a group is ranked with its group, orders in the window or not.
        joins.append(f"LEFT JOIN {GROUPS_TABLE} g ON g.account_id = a.id")
        columns.append("COALESCE(g.root_id, a.id) AS unit_id")
        conditions.append("g.account_id IS NOT NULL")

    drop_temporary_table(connection, WORK_TABLE)
    sql = (
        f"CREATE TEMPORARY TABLE {WORK_TABLE} AS "  # nosec B608
        f"SELECT a.id AS account_id, a.tier AS previous_tier, a.revenue_potential, "
        f"{', '.join(columns)} FROM {accounts} a {' '.join(joins)} "
        f"WHERE {' OR '.join(conditions)}"
    )
    _execute(connection, sql, args)
    _analyze(connection, WORK_TABLE)
    return visits is not None


def build_groups_table(connection) -> None:
    """Per-group tiers, step 0: every account of a group (集团) with its group's root, top
    down from the roots that have members (an index probe per level). Accounts in no group are
    not in it; an account caught in a cycle has no root and is ranked alone."""
    accounts = Account._meta.db_table
    drop_temporary_table(connection, GROUPS_TABLE)
    _execute(
        connection,
        f"CREATE TEMPORARY TABLE {GROUPS_TABLE} AS "  # nosec B608
        "WITH RECURSIVE tree(account_id, root_id, depth) AS ("
        f"SELECT r.id, r.id, 0 FROM {accounts} r WHERE r.parent_id IS NULL AND r.id IN "
        f"(SELECT m.parent_id FROM {accounts} m WHERE m.parent_id IS NOT NULL) "
        f"UNION ALL SELECT a.id, tree.root_id, tree.depth + 1 FROM {accounts} a "
        "JOIN tree ON a.parent_id = tree.account_id WHERE tree.depth < 100"
        ") SELECT account_id, root_id FROM tree",
    )
    _execute(connection, f"CREATE INDEX ON {_temporary(GROUPS_TABLE)} (account_id)")
    _analyze(connection, GROUPS_TABLE)


def _output_cents(params: PipelineParams) -> str:
    column = "profit_cents" if params.output_measure == OutputMeasure.PROFIT else "revenue_cents"
    return f"COALESCE({column}, 0)"


QUADRANT_POPULATION = "(revenue_cents IS NOT NULL OR input_score IS NOT NULL)"
PRIORITY_POPULATION = (
    "(revenue_cents IS NOT NULL OR ws_total IS NOT NULL OR revenue_potential IS NOT NULL)"
)


def _median(connection, expression: str, condition: str) -> Any:
    """The median of `expression` over work rows matching `condition` (None when none)."""
    sql = (
        "SELECT AVG(v) FROM (SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS rn, "  # nosec B608
        f"COUNT(*) OVER () AS c FROM (SELECT {expression} AS v FROM {WORK_TABLE} "
        f"WHERE {condition}) x) y WHERE rn IN ((c + 1) / 2, (c + 2) / 2)"
    )
    return _fetchall(connection, sql)[0][0]


def thresholds(connection, params: PipelineParams, *, has_inputs: bool = True) -> dict[str, Any]:
    """Step 2: the split points of the quadrants and the priority matrix.

    Output and revenue thresholds are in cents; a median is taken where the settings give none.
    Without any logged effort (`has_inputs` false) the input median is 0 and the quadrants'
    population is the customers', so equal medians are taken once.
    """

    def cents(amount: Decimal | None) -> Decimal | None:
        return None if amount is None else amount * 100

    medians: dict[tuple[str, str], Any] = {}

    def median(expression: str, condition: str) -> Any:
        if not has_inputs and condition == QUADRANT_POPULATION:
            condition = "revenue_cents IS NOT NULL"
            expression = expression.replace("COALESCE(revenue_cents, 0)", "revenue_cents")
        if (expression, condition) not in medians:
            medians[expression, condition] = _median(connection, expression, condition)
        return medians[expression, condition]

    output = cents(params.output_threshold)
    if output is None:
        output = median(_output_cents(params), QUADRANT_POPULATION)
    input_: Decimal | int | None = params.input_threshold
    if input_ is None:
        input_ = median("COALESCE(input_score, 0)", QUADRANT_POPULATION) if has_inputs else 0
    revenue = cents(params.priority_revenue_threshold)
    if revenue is None:
        revenue = median("revenue_cents", "revenue_cents IS NOT NULL")
    potential = params.priority_potential_threshold
    if potential is None:
        potential = median("revenue_potential", "revenue_potential IS NOT NULL")
    return {
        "output_cents": _plain_number(output) if output is not None else 0,
        "input": _plain_number(input_) if input_ is not None else 0,
        "revenue_cents": _plain_number(revenue) if revenue is not None else 0,
        "potential": _plain_number(potential) if potential is not None else None,
        "worksheet_min": params.priority_worksheet_min,
    }


def _plain_number(value: Any) -> Decimal:
    """Counts and sums come back as integers or numerics: as decimals, exactly."""
    return Decimal(value)


def _tier_sql(method: str) -> str:
    if method == Method.COUNT:
        a = "(tie_rank - 1) * 10000 < %s * n"
        b = "(tie_rank - 1) * 10000 < %s * n"
    else:
        a = "before_cents * 10000 < %s * total"
        b = "before_cents * 10000 < %s * total"
    return f"CASE WHEN revenue_cents <= 0 THEN 'C' WHEN {a} THEN 'A' WHEN {b} THEN 'B' ELSE 'C' END"


def _tier_rank(column: str) -> str:
    return f"CASE {column} WHEN 'A' THEN 3 WHEN 'B' THEN 2 WHEN 'C' THEN 1 ELSE 0 END"


SNAPSHOT_COLUMNS = [
    "account_id",
    "position",
    "revenue",
    "share",
    "share_before",
    "cumulative_share",
    "tier",
    "previous_tier",
    "movement",
    "input_score",
    "output_value",
    "quadrant",
    "potential_score",
    "revenue_potential",
    "priority",
]


def _ranking_units(params: PipelineParams) -> str:
    """What is ranked: each account with revenue in the window; per group, each group (its
    root's id, the net revenue of all its accounts) and each account in no group."""
    if not params.per_group:
        return (
            "SELECT account_id, revenue_cents, "  # nosec B608
            "CASE WHEN revenue_cents > 0 THEN revenue_cents ELSE 0 END AS pos_cents "
            f"FROM {WORK_TABLE} WHERE revenue_cents IS NOT NULL"
        )
    return (
        "SELECT unit_id AS account_id, SUM(revenue_cents) AS revenue_cents, "  # nosec B608
        "CASE WHEN SUM(revenue_cents) > 0 THEN SUM(revenue_cents) ELSE 0 END AS pos_cents "
        f"FROM {WORK_TABLE} WHERE revenue_cents IS NOT NULL GROUP BY unit_id"
    )


def build_ranked_table(connection, params: PipelineParams, limits: dict[str, Any]) -> None:
    """Step 3: every work row with its rank, shares, tier, movement, quadrant and priority, in
    a second temporary table (the snapshot's columns, and the running sums in cents for the
    curve). Every later step reads it from start to end, whatever the size of the snapshot."""
    b_bp = params.a_bp + params.b_bp if params.method == Method.COUNT else params.b_bp
    ranked = (
        "SELECT account_id, revenue_cents, pos_cents, "  # nosec B608
        "ROW_NUMBER() OVER (ORDER BY revenue_cents DESC, account_id) AS position, "
        "RANK() OVER (ORDER BY revenue_cents DESC) AS tie_rank, "
        "SUM(pos_cents) OVER (ORDER BY revenue_cents DESC, account_id "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_cents, "
        # Everything ranked strictly above the tie group: all up to and with the peers, less
        # the peers themselves. Ties therefore share the tier of their first member.
        "SUM(pos_cents) OVER (ORDER BY revenue_cents DESC "
        "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) "
        "- SUM(pos_cents) OVER (ORDER BY revenue_cents DESC "
        "RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS before_cents, "
        "SUM(pos_cents) OVER () AS total, COUNT(*) OVER () AS n "
        f"FROM ({_ranking_units(params)}) base"
    )

    def share(cents: str) -> str:
        # Rounded down to a millionth, exactly.
        fraction = f"(CAST(DIV({cents} * {PPM}, total) AS NUMERIC) / {PPM})"
        return f"CASE WHEN total > 0 THEN {fraction} ELSE 0 END"

    tiered = (
        f"SELECT account_id, position, {_tier_sql(params.method)} AS tier, "  # nosec B608
        f"{share('pos_cents')} AS share, {share('before_cents')} AS share_before, "
        f"{share('cum_cents')} AS cumulative_share, cum_cents, pos_cents FROM ({ranked}) ranked"
    )
    output = _output_cents(params)
    # Thresholds are bound into the statement as literals (a whole decimal reads as an
    # integer there): the casts keep every comparison in numerics.
    high_output = f"{output} > {NUMBER}"
    high_input = f"COALESCE(w.input_score, 0) > {NUMBER}"
    quadrant = (
        f"CASE WHEN NOT {QUADRANT_POPULATION} THEN NULL "
        f"WHEN {high_output} AND NOT {high_input} THEN 2 "
        f"WHEN {high_output} THEN 3 "
        f"WHEN NOT {high_input} THEN 1 ELSE 4 END"
    )
    high_current = f"COALESCE(revenue_cents, 0) > {NUMBER}"
    if limits["potential"] is None:
        high_potential = "(ws_total IS NOT NULL AND ws_total >= %s)"
        potential_args = [limits["worksheet_min"]]
    else:
        high_potential = (
            "(CASE WHEN ws_total IS NOT NULL THEN ws_total >= %s "
            f"ELSE COALESCE(w.revenue_potential > {NUMBER}, 1 = 0) END)"
        )
        potential_args = [limits["worksheet_min"], limits["potential"]]
    priority = (
        f"CASE WHEN NOT {PRIORITY_POPULATION} THEN '' "
        f"WHEN {high_potential} AND {high_current} THEN 'A+' "
        f"WHEN {high_potential} THEN 'A' "
        f"WHEN {high_current} THEN 'B' ELSE 'C' END"
    )
    new_tier = "COALESCE(t.tier, '')"
    movement = (
        f"CASE WHEN {_tier_rank(new_tier)} > {_tier_rank('w.previous_tier')} THEN 1 "
        f"WHEN {_tier_rank(new_tier)} < {_tier_rank('w.previous_tier')} THEN -1 ELSE 0 END"
    )
    output_value = f"CASE WHEN {QUADRANT_POPULATION} THEN {output} / 100.0 END"
    input_value = f"CASE WHEN {QUADRANT_POPULATION} THEN COALESCE(w.input_score, 0) END"
    unit, curve_columns = "w.account_id", "t.cum_cents, t.pos_cents"
    if params.per_group:
        # Members share their group's rank, shares and tier; the curve counts the group once,
        # on its root's row.
        unit = "w.unit_id"
        curve_columns = (
            "CASE WHEN w.account_id = w.unit_id THEN t.cum_cents END AS cum_cents, "
            "CASE WHEN w.account_id = w.unit_id THEN t.pos_cents END AS pos_cents"
        )
    drop_temporary_table(connection, RANKED_TABLE)
    sql = (
        f"CREATE TEMPORARY TABLE {RANKED_TABLE} AS "  # nosec B608
        "SELECT w.account_id, t.position, w.revenue_cents / 100.0 AS revenue, t.share, "
        f"t.share_before, t.cumulative_share, {new_tier} AS tier, w.previous_tier, "
        f"{movement} AS movement, {input_value} AS input_score, "
        f"{output_value} AS output_value, {quadrant} AS quadrant, "
        "w.ws_total AS potential_score, w.revenue_potential, "
        f"{priority} AS priority, {curve_columns} "
        f"FROM {WORK_TABLE} w LEFT JOIN ({tiered}) t ON t.account_id = {unit}"
    )
    # Placeholders in textual order: the select list (quadrant, priority) comes before the
    # tiered subquery's cut-offs.
    quadrant_args = [
        limits["output_cents"],
        limits["input"],
        limits["output_cents"],
        limits["input"],
    ]
    priority_args = [
        *potential_args,
        limits["revenue_cents"],
        *potential_args,
        limits["revenue_cents"],
    ]
    _execute(connection, sql, [*quadrant_args, *priority_args, params.a_bp, b_bp])
    _analyze(connection, RANKED_TABLE)


def insert_snapshot(connection, params: PipelineParams) -> int:
    """Step 4: the ranked rows into the run's snapshot; returns how many."""
    columns = ", ".join(SNAPSHOT_COLUMNS)
    return _execute(
        connection,
        f"INSERT INTO {TierSnapshot._meta.db_table} (run_id, {columns}) "  # nosec B608
        f"SELECT %s, {columns} FROM {RANKED_TABLE}",
        [params.run_id],
    )


def apply_tiers(connection, params: PipelineParams) -> int:
    """Step 5: copy the new tiers onto the accounts whose tier changed; returns how many."""
    accounts = Account._meta.db_table
    sql = (
        f"UPDATE {accounts} SET tier = r.tier, tier_updated_at = %s FROM {RANKED_TABLE} r "  # nosec B608
        f"WHERE r.movement <> 0 AND r.account_id = {accounts}.id AND {accounts}.tier <> r.tier"
    )
    return _execute(connection, sql, [params.now])


def drop_temporary_table(connection, name: str) -> None:
    _execute(connection, f"DROP TABLE IF EXISTS {_temporary(name)}")


def _analyze(connection, name: str) -> None:
    # Fresh temporary tables have no statistics; the planner needs them for the joins.
    _execute(connection, f"ANALYZE {_temporary(name)}")


def run_pipeline(
    connection, params: PipelineParams, *, visit_inputs: QuerySet, worksheet_totals: QuerySet
) -> PipelineResult:
    """Every step on `connection`, inside the caller's transaction; returns the number of
    accounts written, the thresholds, the company-wide figures and the Pareto curve."""
    # For this transaction only: sorts and hashes of a million rows fit in memory; and the
    # commit does not wait for the WAL to reach the disk (a crash in that instant loses this
    # run as a whole, never part of it; the next run computes it again).
    _execute(connection, "SET LOCAL work_mem = '256MB'")
    _execute(connection, "SET LOCAL synchronous_commit = off")
    if params.per_group:
        build_groups_table(connection)
    has_inputs = build_work_table(
        connection, params, visit_inputs=visit_inputs, worksheet_totals=worksheet_totals
    )
    limits = thresholds(connection, params, has_inputs=has_inputs)
    build_ranked_table(connection, params, limits)
    drop_temporary_table(connection, WORK_TABLE)
    drop_temporary_table(connection, GROUPS_TABLE)
    insert_snapshot(connection, params)
    # A new run id is not in the table's statistics: the planner would take it for an empty
    # run and read the figures of a team row by row. A sample is cheap.
    _execute(connection, f"ANALYZE {TierSnapshot._meta.db_table} (run_id)")
    changed = apply_tiers(connection, params)
    groups = group_figures(connection, f"SELECT * FROM {RANKED_TABLE}", [])  # nosec B608
    curve = pareto_curve(
        connection,
        f"SELECT position AS pos, cum_cents AS cum, pos_cents AS p FROM {RANKED_TABLE} "  # nosec B608
        + ("WHERE cum_cents IS NOT NULL" if params.per_group else "WHERE position IS NOT NULL"),
        [],
        presorted=True,
        unit=Decimal(100),
    )
    drop_temporary_table(connection, RANKED_TABLE)
    return PipelineResult(changed=changed, thresholds=limits, groups=groups, curve=curve)


# Figures of a run, for the whole company or a population ------------------------------------


def group_figures(connection, source_sql: str, params: list) -> list[tuple]:
    """(tier, quadrant, priority, movement, accounts, positive revenue, input, output, ranked
    accounts) per group of `source_sql`'s rows (the snapshot's columns)."""
    return _fetchall(
        connection,
        "SELECT tier, quadrant, priority, movement, COUNT(*), "  # nosec B608
        "SUM(CASE WHEN revenue > 0 THEN revenue ELSE 0 END), "
        "SUM(COALESCE(input_score, 0)), SUM(COALESCE(output_value, 0)), "
        "SUM(CASE WHEN position IS NOT NULL THEN 1 ELSE 0 END) "
        f"FROM ({source_sql}) s GROUP BY tier, quadrant, priority, movement",
        params,
    )


@dataclass
class Curve:
    """The Pareto curve of a population: cumulative % of customers (x) against cumulative %
    of revenue (y), customers ranked by revenue, biggest first."""

    customers: int
    total_revenue: Decimal
    points: list[dict[str, Any]]
    top20_share: Decimal
    customers_to_80: int
    customers_to_80_share: Decimal


def _ratio(numerator, denominator, places: int = 6) -> Decimal:
    if not denominator:
        return Decimal("0").quantize(Decimal(1).scaleb(-places))
    value = _plain_number(numerator) / _plain_number(denominator)
    return value.quantize(Decimal(1).scaleb(-places))


def pareto_curve(
    connection,
    source_sql: str,
    source_params: list,
    *,
    max_points: int = 200,
    presorted: bool = False,
    unit: Decimal = Decimal(1),
) -> Curve:
    """The curve over `source_sql`, sampled to about `max_points` points, exact at the
    20%-of-customers and 80%-of-revenue marks.

    `source_sql` gives rows `account_id`, `revenue` of ranked accounts; or, `presorted`, rows
    `pos` (rank), `cum` (running positive revenue) and `p` (positive revenue), in `unit`s of
    the currency (100: cents). Accounts with zero or negative revenue count as customers that
    add nothing."""
    max_points = max(2, min(int(max_points), 2000))
    if presorted:
        ranked = source_sql
        n, total = _fetchall(
            connection,
            f"SELECT COUNT(*), SUM(p) FROM ({source_sql}) src",  # nosec B608
            source_params,
        )[0]
    else:
        positive = "CASE WHEN revenue > 0 THEN revenue ELSE 0 END"
        ranked = (
            "SELECT ROW_NUMBER() OVER (ORDER BY revenue DESC, account_id) AS pos, "  # nosec B608
            f"SUM({positive}) OVER (ORDER BY revenue DESC, account_id "
            f"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum, {positive} AS p "
            f"FROM ({source_sql}) src"
        )
        n, total = _fetchall(
            connection,
            f"SELECT COUNT(*), SUM({positive}) FROM ({source_sql}) src",  # nosec B608
            source_params,
        )[0]
    total = _plain_number(total or 0)
    if not n:
        zero = Decimal("0.000000")
        return Curve(0, Decimal("0.00"), [], zero, 0, zero)
    twenty = Decimal(n) / 5
    low, high = int(twenty), -(-n // 5)
    wanted = {round(i * n / (max_points - 1)) for i in range(max_points)} | {low, high}
    samples = sorted(s for s in wanted if 1 <= s <= n)
    rows = _fetchall(
        connection,
        f"SELECT pos, cum, p FROM ({ranked}) t WHERE pos = ANY(%s) "  # nosec B608
        f"OR ((cum - p) * 5 < {NUMBER} * 4 AND cum * 5 >= {NUMBER} * 4) ORDER BY pos",
        [*source_params, samples, total, total],
    )
    cumulative = {0: Decimal("0")}
    k80 = 0
    for pos, cum, p in rows:
        cum, p = _plain_number(cum), _plain_number(p)
        cumulative[pos] = cum
        if total > 0 and (cum - p) * 5 < total * 4 <= cum * 5:
            k80 = pos
    y20 = cumulative[low] + (twenty - low) * (cumulative[high] - cumulative[low])
    money = Decimal("0.01")
    points = [
        {
            "customers": pos,
            "customer_share": _ratio(pos, n),
            "revenue": (cum / unit).quantize(money),
            "revenue_share": _ratio(cum, total),
            "mark": "80" if pos == k80 else "",
        }
        for pos, cum in sorted(cumulative.items())
    ]
    if low != high:
        points.append(
            {
                "customers": twenty.quantize(money),
                "customer_share": Decimal("0.200000"),
                "revenue": (y20 / unit).quantize(money),
                "revenue_share": _ratio(y20, total),
                "mark": "20",
            }
        )
        points.sort(key=lambda point: point["customer_share"])
    else:
        for point in points:
            if point["customers"] == low:
                point["mark"] = "20" if point["mark"] == "" else "20,80"
    return Curve(
        customers=n,
        total_revenue=(total / unit).quantize(money),
        points=points,
        top20_share=_ratio(y20, total),
        customers_to_80=k80,
        customers_to_80_share=_ratio(k80, n),
    )


def _snapshot_where(
    run_id: int, population_sql: tuple[str, Sequence[Any]] | None
) -> tuple[str, list]:
    where, params = "run_id = %s", [run_id]
    if population_sql is not None:
        where += f" AND account_id IN ({population_sql[0]})"
        params += list(population_sql[1])
    return where, params


def snapshot_source(
    run_id: int, population_sql: tuple[str, Sequence[Any]] | None
) -> tuple[str, list]:
    """Rows for `pareto_curve`: the ranked accounts of a run, optionally only those whose id
    is in `population_sql`."""
    where, params = _snapshot_where(run_id, population_sql)
    return (
        f"SELECT account_id, revenue FROM {TierSnapshot._meta.db_table} "  # nosec B608
        f"WHERE {where} AND position IS NOT NULL",
        params,
    )


def snapshot_rows_source(
    run_id: int, population_sql: tuple[str, Sequence[Any]] | None
) -> tuple[str, list]:
    """Rows for `group_figures`: a run's snapshot rows, optionally of a population only."""
    where, params = _snapshot_where(run_id, population_sql)
    return f"SELECT * FROM {TierSnapshot._meta.db_table} WHERE {where}", params  # nosec B608


# The group (集团) of an account: its topmost ancestor (the root) and every account under the
# root, each with its parent and depth, in one statement. Both walks stop at 100 levels, so a
# cycle that somehow reached the data cannot loop. Parameter: the account's id.
GROUP_TREE_IDS = """
WITH RECURSIVE up(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM accounts_account WHERE id = %s
    UNION ALL
    SELECT a.id, a.parent_id, up.depth + 1
    FROM accounts_account a JOIN up ON a.id = up.parent_id
    WHERE up.depth < 100
), root AS (
    SELECT id FROM up ORDER BY depth DESC LIMIT 1
), tree(id, depth) AS (
    SELECT id, 0 FROM root
    UNION ALL
    SELECT a.id, tree.depth + 1
    FROM accounts_account a JOIN tree ON a.parent_id = tree.id
    WHERE tree.depth < 100
)
SELECT id FROM tree
"""
