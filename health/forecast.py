# ruff: noqa: S608 - every statement here is built from our own constants and model table
# names; values always travel as parameters.
"""The tier-drop forecast: for every account now A or B, the chance that it is in a lower
tier `horizon` days after the as-of date, with its reasons. One SQL statement (window
functions) over every account, whatever their number; Python only words the reasons of the
rows it returns.

The model, kept simple so that every number can be explained:

1. **Projected window revenue.** The tier at as-of + horizon is decided by the revenue of
   the scoring window ending then. Part of that window is already known (the orders from
   as-of + horizon − window to as-of); the rest is projected at the pace of the last 90
   days: projected = known part + max(0, revenue of the last 90 days) × horizon / 90.
2. **Projected tier.** Every account is ranked on its projected revenue with the scoring
   settings' method and cut-offs, exactly as a recompute ranks the actual revenue: the
   `margin` is how far, in percentage points, the account would sit past the cut-off of its
   current tier (positive: outside it; revenue method: the revenue share before it against
   the cut-off; count method: the share of customers ranked above it).
3. **Chance of a drop** (logistic): p = 1 / (1 + e^−z) with
   z = INTERCEPT + MARGIN × margin + LATENESS × lateness + TREND × trend_drop, where
   lateness = min(3, max(0, days since the last order ÷ usual interval − 1)) (the usual
   interval: the mean gap between order days in the window) and trend_drop = min(1, max(0,
   1 − last 90 days ÷ the 90 before)). The predicted tier is one lower when p ≥ 0.5.

The coefficients below were chosen on the demo data's backtest (`backtest_tier_forecast`, a
small grid, bench/RESULTS.md), not fitted by a solver: read them as "each point past the
cut-off multiplies the odds by 3.3; each usual interval late beyond the first by 1.5".
The decision-maker and visit factors of the health score are left out on purpose: their
history is not dated (a past as-of would see later contacts), so a backtest of them would
flatter the forecast.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Account, Order
from scoring.models import Method, ScoringSettings

INTERCEPT = -1.2
MARGIN = 1.2  # per percentage point past the cut-off
LATENESS = 0.4  # per usual interval late beyond the first
# For a full drop of the last 90 days' revenue against the 90 before. 0: the backtest on the
# demo data found no gain (the projection already runs at the last 90 days' pace, so the
# drop is counted there); kept as a named term so that a book where it helps can set it.
TREND = 0.0
DEFAULT_INTERVAL_DAYS = 90
LOWER = {"A": "B", "B": "C"}


@dataclass(frozen=True)
class ForecastParams:
    as_of: datetime.date
    horizon_days: int
    window_days: int
    method: str
    a_cutoff: Decimal  # percent (revenue: of revenue; count: of customers)
    b_cutoff: Decimal  # percent, the B limit (revenue: cumulative; count: A + B share)
    live_tiers: bool  # the accounts' tiers now (True) or computed at as_of (the backtest)


@dataclass
class ForecastRow:
    account_id: int
    name: str
    current_tier: str
    predicted_tier: str
    probability: float
    margin: float
    projected_revenue: Decimal
    window_revenue: Decimal
    revenue_90: Decimal
    prev_90: Decimal
    days_since_order: int | None
    usual_interval: float | None
    lateness: float
    trend_drop: float
    owner_id: int | None = None
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.account_id,
            "name": self.name,
            "current_tier": self.current_tier,
            "predicted_tier": self.predicted_tier,
            "probability": round(self.probability, 4),
            "reasons": self.reasons,
        }


def forecast_params(
    *, as_of: datetime.date, horizon_days: int = 90, live_tiers: bool = True
) -> ForecastParams:
    settings = ScoringSettings.load()
    if settings.method == Method.COUNT:
        a_cut = settings.count_a_share
        b_cut = settings.count_a_share + settings.count_b_share
    else:
        a_cut, b_cut = settings.a_cutoff, settings.b_cutoff
    return ForecastParams(
        as_of=as_of,
        horizon_days=horizon_days,
        window_days=settings.window_days,
        method=settings.method,
        a_cutoff=a_cut,
        b_cutoff=b_cut,
        live_tiers=live_tiers,
    )


def _ranked(column: str, method: str) -> str:
    """Per account: `{column}_pos` (percent of revenue, or of customers, ranked strictly
    above its tie group) and `{column}_tier` on `{column}` (NULL: no revenue to rank)."""
    value = f"GREATEST({column}, 0)"
    if method == Method.COUNT:
        before = (
            f"(100.0 * (RANK() OVER (ORDER BY {column} DESC) - 1) "
            f"/ NULLIF(COUNT({column}) OVER (), 0))"
        )
    else:
        before = (
            f"(100.0 * (SUM({value}) OVER (ORDER BY {column} DESC) "
            f"- SUM({value}) OVER (PARTITION BY {column})) "
            f"/ NULLIF(SUM({value}) OVER (), 0))"
        )
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE COALESCE({before}, 100) END AS {column}_pos"


def _tier(column: str) -> str:
    return (
        f"CASE WHEN {column} IS NULL THEN '' WHEN {column} <= 0 THEN 'C' "
        f"WHEN {column}_pos < %(a_cut)s THEN 'A' WHEN {column}_pos < %(b_cut)s THEN 'B' "
        "ELSE 'C' END"
    )


def _sql(params: ForecastParams, visible_sql: str | None) -> str:
    orders, accounts = Order._meta.db_table, Account._meta.db_table
    window_pos = _ranked("window_rev", params.method)
    proj_pos = _ranked("proj", params.method)
    current = "a.tier" if params.live_tiers else _tier("x.window_rev")
    visible = f"AND a.id IN ({visible_sql})" if visible_sql else ""
    return f"""
    WITH rev AS (
        SELECT o.account_id,
            SUM(o.amount) FILTER (WHERE o.date > %(window_from)s) AS window_rev,
            COALESCE(SUM(o.amount) FILTER (WHERE o.date > %(kept_from)s), 0) AS kept_rev,
            COALESCE(SUM(o.amount) FILTER (WHERE o.date > %(d90)s), 0) AS rev_90,
            COALESCE(SUM(o.amount) FILTER (WHERE o.date > %(d180)s AND o.date <= %(d90)s), 0)
                AS prev_90,
            MAX(o.date) FILTER (WHERE o.amount > 0) AS last_order,
            MIN(o.date) FILTER (WHERE o.amount > 0) AS first_order,
            COUNT(DISTINCT o.date) FILTER (WHERE o.amount > 0) AS order_days
        FROM {orders} o
        WHERE o.date <= %(as_of)s AND o.date > %(read_from)s
        GROUP BY o.account_id
    ), projected AS (
        SELECT r.*, r.kept_rev + GREATEST(r.rev_90, 0) * %(horizon)s / 90.0 AS proj FROM rev r
    ), x AS (
        SELECT p.*, {window_pos}, {proj_pos} FROM projected p
    ), now_tiers AS (
        SELECT a.id, a.name, a.owner_id, {current} AS tier, x.*
        FROM {accounts} a LEFT JOIN x ON x.account_id = a.id
        WHERE TRUE {visible}
    )
    SELECT id, name, owner_id, tier,
        CASE WHEN tier = 'A' THEN proj_pos - %(a_cut)s ELSE proj_pos - %(b_cut)s END AS margin,
        COALESCE(proj, 0), COALESCE(window_rev, 0), COALESCE(rev_90, 0), COALESCE(prev_90, 0),
        %(as_of)s - last_order AS days_since,
        CASE WHEN order_days > 1 THEN (last_order - first_order) / (order_days - 1.0) END
            AS usual_interval
    FROM now_tiers WHERE tier IN ('A', 'B')
    ORDER BY id
    """  # nosec B608 - our table names and constants; values are parameters


def _visible_sql(accounts: QuerySet[Account] | None) -> tuple[str | None, dict[str, Any]]:
    """The visible accounts' ids as a subquery with named parameters (None: every account)."""
    if accounts is None:
        return None, {}
    try:
        sql, params = accounts.values("pk").query.sql_with_params()
    except EmptyResultSet:
        return "SELECT NULL::integer WHERE FALSE", {}
    names = {f"v{i}": value for i, value in enumerate(params)}
    return sql % tuple(f"%({name})s" for name in names), names


def _logistic(margin: float, lateness: float, trend_drop: float) -> float:
    z = INTERCEPT + MARGIN * margin + LATENESS * lateness + TREND * trend_drop
    return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))


def _row(values: tuple) -> ForecastRow:
    (pk, name, owner_id, tier, margin, proj, window_rev, rev_90, prev_90, since, interval) = values
    margin_f = float(margin) if margin is not None else 100.0
    interval_f = float(interval) if interval is not None else None
    late = 0.0
    if since is not None:
        late = min(3.0, max(0.0, since / (interval_f or DEFAULT_INTERVAL_DAYS) - 1))
    drop = min(1.0, max(0.0, 1 - float(rev_90) / float(prev_90))) if prev_90 > 0 else 0.0
    probability = _logistic(margin_f, late, drop)
    return ForecastRow(
        account_id=pk,
        name=name,
        owner_id=owner_id,
        current_tier=tier,
        predicted_tier=LOWER[tier] if probability >= 0.5 else tier,
        probability=probability,
        margin=margin_f,
        projected_revenue=Decimal(proj).quantize(Decimal("0.01")),
        window_revenue=window_rev,
        revenue_90=rev_90,
        prev_90=prev_90,
        days_since_order=since,
        usual_interval=interval_f,
        lateness=late,
        trend_drop=drop,
    )


def reasons_of(row: ForecastRow, params: ForecastParams) -> list[str]:
    """Why, in the active language: the projected position first, then the health factors
    that added to the chance."""
    cut = params.a_cutoff if row.current_tier == "A" else params.b_cutoff
    reasons = []
    if row.margin > 0:
        reasons.append(
            _(
                "Projected revenue %(revenue)s puts it %(points).1f points past the "
                "%(tier)s cut-off (%(cut)s%%)."
            )
            % {
                "revenue": row.projected_revenue,
                "points": row.margin,
                "tier": row.current_tier,
                "cut": cut,
            }
        )
    else:
        reasons.append(
            _(
                "Projected revenue %(revenue)s keeps it %(points).1f points inside the "
                "%(tier)s cut-off (%(cut)s%%)."
            )
            % {
                "revenue": row.projected_revenue,
                "points": -row.margin,
                "tier": row.current_tier,
                "cut": cut,
            }
        )
    if row.lateness > 0:
        reasons.append(
            _("Last order %(days)s days ago, %(ratio).1f× its usual interval.")
            % {
                "days": row.days_since_order,
                "ratio": row.lateness + 1,
            }
        )
    if row.days_since_order is None:
        reasons.append(_("No order in the window."))
    if row.trend_drop > 0 and TREND > 0:
        reasons.append(
            _("Revenue of the last 90 days %(pct).0f%% below the 90 before.")
            % {"pct": row.trend_drop * 100}
        )
    return reasons


def tier_forecast(
    params: ForecastParams,
    *,
    accounts: QuerySet[Account] | None = None,
    with_reasons: bool = True,
) -> list[ForecastRow]:
    """The forecast of every account now A or B (of `accounts`, a queryset the caller
    narrowed through the visibility rule; None: all), ranked on the whole company's
    revenue. Sorted by account id."""
    visible_sql, visible_params = _visible_sql(accounts)
    days = datetime.timedelta
    as_of, horizon, window = params.as_of, params.horizon_days, params.window_days
    values: dict[str, Any] = {
        "as_of": as_of,
        "window_from": as_of - days(window),
        "kept_from": as_of + days(horizon) - days(window),
        "d90": as_of - days(90),
        "d180": as_of - days(180),
        "read_from": as_of - days(max(window, 180)),
        "horizon": horizon,
        "a_cut": params.a_cutoff,
        "b_cut": params.b_cutoff,
        **visible_params,
    }
    with connection.cursor() as cursor:
        cursor.execute(_sql(params, visible_sql), values)
        rows = [_row(r) for r in cursor.fetchall()]
    if with_reasons:
        for row in rows:
            row.reasons = reasons_of(row, params)
    return rows


def actual_tiers(*, as_of: datetime.date, params: ForecastParams) -> dict[int, str]:
    """Every account's tier by the scoring rules on the window ending `as_of` (accounts
    without orders in it: ""), for the backtest."""
    orders = Order._meta.db_table
    sql = f"""
    WITH rev AS (
        SELECT account_id, SUM(amount) AS window_rev FROM {orders}
        WHERE date <= %(as_of)s AND date > %(window_from)s GROUP BY account_id
    ), x AS (SELECT rev.*, {_ranked("window_rev", params.method)} FROM rev)
    SELECT account_id, {_tier("window_rev")} FROM x
    """  # nosec B608 - our table names and constants; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "as_of": as_of,
                "window_from": as_of - datetime.timedelta(days=params.window_days),
                "a_cut": params.a_cutoff,
                "b_cut": params.b_cutoff,
            },
        )
        return dict(cursor.fetchall())
