"""The manager dashboard's figures, for a population and a period, as plain data.

One selector per figure (`FIGURES`), all taking a `DashboardQuery`, so that the page, the API
and the exports show the same numbers. Every figure goes through the one visibility rule: the
population is `scoring.selectors.population` (the accounts the user sees, narrowed to a team, a
territory or an owner), and the visits, plans, reminders, prospects and worksheets are read
through their apps' selectors, narrowed to the same accounts.

Periods: `date_from`..`date_to`, both included; by default the last 30 days ending today (a
rolling month reads the same on every Monday, unlike a calendar month that is nearly empty on
its first days). The previous period is the one of the same length just before it ("change").

Cost: a fixed number of queries whatever the number of accounts. Tiers, the Pareto curve,
quadrants and priority come from the latest scoring snapshot (cached per run by the scoring
selectors, so a finished recompute, which makes a new run, invalidates them); the scatter
points, the tiers figure with its movers and the per-owner revenue by tier are cached the same
way. The order figures (KPIs and growth levers, one GROUP BY shared by both) are cached per
population and period under the generation of the order lines, which a database trigger bumps
on every write (`orders_generation`). Visits, plans, prospects and reminders are read live,
one GROUP BY each.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, DecimalField, F, Q, Sum, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Order
from crm.selectors import users_visible_to
from prospects import selectors as prospects
from scoring import selectors as scoring
from scoring.figures import PRIORITIES, QUADRANTS, TIERS
from scoring.models import Priority, Quadrant, TierRun, TierSnapshot
from visits import selectors as visits
from visits.models import Occasion, Reminder

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 3660
# A rep is flagged when their share of time on A accounts is more than this many percentage
# points (as a fraction: 0.20 = 20 points) below the A accounts' share of their revenue.
EFFORT_GAP = Decimal("0.20")
# Scatter points per quadrant, those with the most input first (what a manager can change).
SCATTER_POINTS_PER_QUADRANT = 100
PARETO_POINTS = 100
LIST_LIMIT = 10
TOUCH_DAYS = 7
MONEY = Decimal("0.01")
SHARE = Decimal("0.000001")
HOURS = Decimal("0.01")


def _share(part, whole) -> Decimal | None:
    """part / whole as a fraction with 6 places; None when the whole is zero."""
    whole = Decimal(whole or 0)
    if whole == 0:
        return None
    return (Decimal(part or 0) / whole).quantize(SHARE)


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(MONEY)


@dataclass(frozen=True)
class Period:
    date_from: datetime.date
    date_to: datetime.date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def previous(self) -> Period:
        end = self.date_from - datetime.timedelta(days=1)
        return Period(end - datetime.timedelta(days=self.days - 1), end)

    def as_dict(self) -> dict[str, Any]:
        previous = self.previous
        return {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "days": self.days,
            "previous_from": previous.date_from,
            "previous_to": previous.date_to,
        }


def default_period(today: datetime.date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(today - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1), today)


def _run_info(run: TierRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {"id": run.pk, "as_of": run.as_of, "finished_at": run.finished_at}


def orders_generation() -> int:
    """The generation of the order lines: a number that changes with every statement writing
    them (ORM, raw SQL, COPY, TRUNCATE), read in one tiny query. The sequence
    `accounts_order_generation` is bumped by a statement-level trigger on `accounts_order`
    (migration accounts 0005_order_generation_trigger)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM accounts_order_generation")
        last_value, is_called = cursor.fetchone()
    # Before the first nextval() the sequence reads 1, not called; after it 1, called.
    return last_value if is_called else 0


class DashboardQuery:
    """Who asks, about which accounts, over which period; figures computed once per query."""

    def __init__(
        self,
        *,
        user,
        team=None,
        territory=None,
        owner=None,
        period: Period | None = None,
        today: datetime.date | None = None,
    ):
        self.user = user
        self.today = today or timezone.localdate()
        self.period = period or default_period(self.today)
        self.population = scoring.population(user=user, team=team, territory=territory, owner=owner)
        self.filters = {
            "team": self.population.team,
            "territory": self.population.territory,
            "owner": self.population.owner,
        }

    def accounts(self):
        return self.population.accounts()

    def account_filter(self, path: str = "account__") -> Q:
        """The population's narrowing (team, territory, owner; as `Population.accounts`) as
        a Q over `path`, for reads that already go through the visibility rule and join the
        account: the same accounts without a second pass over them."""
        pop = self.population
        narrowing = Q()
        if pop.team:
            narrowing &= Q(**{f"{path}owner__team_id": pop.team})
        if pop.territory:
            narrowing &= Q(**{f"{path}territory_id": pop.territory})
        if pop.owner:
            narrowing &= Q(**{f"{path}owner_id": pop.owner})
        return narrowing

    @cached_property
    def run(self) -> TierRun | None:
        return scoring.latest_run()

    @cached_property
    def tier_figures(self):
        if self.run is None:
            return None
        return scoring.tier_distribution(user=self.user, run=self.run, **self.filters)

    def _cached(self, kind: str, compute):
        """Figures of the latest run for this population: cached per run (a new run, i.e. a
        finished recompute, gives new keys)."""
        key = self.population.cache_key(f"dashboard-{kind}", self.run)
        return cache.get_or_set(key, compute, scoring.FIGURES_CACHE_SECONDS)

    @cached_property
    def order_groups(self) -> list[dict[str, Any]]:
        """Customers of this and the previous period, per channel and status (new: no order
        before the period; existing: ordered before; lapsed: ordered in the previous period
        but not in this one). One GROUP BY over the order lines of the two periods.

        Cached per population and period under the generation of the order lines (see
        `orders_generation`): any write to the orders, however it is made, gives new keys.
        The generation is bumped when the writing statement runs, before its transaction
        commits; a request in between may cache the figures of before the write under the
        new generation, so the entry also expires after FIGURES_CACHE_SECONDS. Reassigned
        accounts or a changed channel are picked up by that expiry too."""
        generation = orders_generation()
        period = self.period
        key = self.population.cache_key(
            "dashboard-orders", None, f"g{generation}", period.date_from, period.date_to
        )
        return cache.get_or_set(key, self._order_groups, scoring.FIGURES_CACHE_SECONDS)

    def _order_groups(self) -> list[dict[str, Any]]:
        period, previous = self.period, self.period.previous
        orders, accounts = Order._meta.db_table, Account._meta.db_table
        # Placeholders in textual order: the EXISTS, the four FILTERs, the dates, the population.
        params: list = [period.date_from] * 5 + [previous.date_from, period.date_to]
        population = accounts_of_population = ""
        if not self.population.unrestricted:
            population_sql, population_params = self.population.accounts_sql()
            population = f" AND account_id IN ({population_sql})"
            # Said of the accounts as well: the planner then reads a team's accounts by
            # their owner instead of every account to join their channel.
            accounts_of_population = f" WHERE a.id IN ({population_sql})"
            params += [*population_params, *population_params]
        sql = (
            "SELECT a.channel, CASE WHEN o.cur_lines = 0 THEN 'lapsed' "  # noqa: S608 # nosec B608
            f"WHEN EXISTS (SELECT 1 FROM {orders} b WHERE b.account_id = o.account_id "
            "AND b.date < %s) THEN 'existing' ELSE 'new' END AS status, "
            "COUNT(*), SUM(o.cur), SUM(o.prev), COUNT(*) FILTER (WHERE o.prev_lines > 0) "
            "FROM (SELECT account_id, "
            "COUNT(*) FILTER (WHERE date >= %s) AS cur_lines, "
            "SUM(amount) FILTER (WHERE date >= %s) AS cur, "
            "COUNT(*) FILTER (WHERE date < %s) AS prev_lines, "
            "SUM(amount) FILTER (WHERE date < %s) AS prev "
            f"FROM {orders} WHERE date >= %s AND date <= %s{population} "
            f"GROUP BY account_id) o JOIN {accounts} a ON a.id = o.account_id"
            f"{accounts_of_population} GROUP BY a.channel, 2"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [
            {
                "channel": channel,
                "status": status,
                "accounts": accounts_,
                "current": Decimal(current or 0),
                "previous": Decimal(previous_ or 0),
                "previous_customers": previous_customers or 0,
            }
            for channel, status, accounts_, current, previous_, previous_customers in rows
        ]


# --- the figures ---------------------------------------------------------------------------


def _change(current: Decimal | int, previous: Decimal | int) -> dict[str, Any]:
    return {
        "current": current,
        "previous": previous,
        "change": current - previous,
        "change_share": _share(current - previous, previous),
    }


def kpis(q: DashboardQuery) -> dict[str, Any]:
    """Customers (accounts with order lines in the period), average purchase per customer and
    sales (= customers × average purchase), each against the previous period."""
    groups = q.order_groups
    customers = sum(g["accounts"] for g in groups if g["status"] != "lapsed")
    sales = sum((g["current"] for g in groups), Decimal(0))
    previous_customers = sum(g["previous_customers"] for g in groups)
    previous_sales = sum((g["previous"] for g in groups), Decimal(0))

    def average(total: Decimal, count: int) -> Decimal:
        return _money(total / count) if count else _money(0)

    return {
        "period": q.period.as_dict(),
        "customers": _change(customers, previous_customers),
        "average_purchase": _change(
            average(sales, customers), average(previous_sales, previous_customers)
        ),
        "sales": _change(_money(sales), _money(previous_sales)),
    }


def tiers(q: DashboardQuery) -> dict[str, Any]:
    """Accounts and revenue per tier (latest snapshot), movers since the previous run; cached
    per run and population like the other snapshot figures."""
    figures = q.tier_figures
    if figures is None:
        return {
            "run": None,
            "customers": 0,
            "total_revenue": _money(0),
            "untiered": 0,
            "moved_up": 0,
            "moved_down": 0,
            "tiers": [
                {
                    "tier": t,
                    "accounts": 0,
                    "revenue": _money(0),
                    "revenue_share": None,
                    "customer_share": None,
                }
                for t in TIERS
            ],
            "movers": [],
        }
    return q._cached("tiers", lambda: _tiers_of_run(q, figures))


def _tiers_of_run(q: DashboardQuery, figures) -> dict[str, Any]:
    movers = scoring.tier_movers(user=q.user, run=q.run, **q.filters).values(
        "account_id", "account__name", "tier", "previous_tier", "movement"
    )[:LIST_LIMIT]
    return {
        "run": _run_info(q.run),
        "customers": figures.customers,
        "total_revenue": figures.total_revenue,
        "untiered": figures.untiered,
        "moved_up": figures.moved_up,
        "moved_down": figures.moved_down,
        "tiers": [
            {
                "tier": row["tier"],
                "accounts": row["accounts"],
                "revenue": row["revenue"],
                "revenue_share": _share(row["revenue"], figures.total_revenue),
                "customer_share": _share(row["accounts"], figures.customers),
            }
            for row in figures.tiers
        ],
        "movers": [
            {
                "account": m["account_id"],
                "name": m["account__name"],
                "tier": m["tier"],
                "previous_tier": m["previous_tier"],
                "direction": "up" if m["movement"] > 0 else "down",
            }
            for m in movers
        ],
    }


def pareto(q: DashboardQuery) -> dict[str, Any]:
    """The Pareto curve with the 20% point and where this population crosses 80%."""
    curve = None
    if q.run is not None:
        curve = scoring.pareto_curve(user=q.user, run=q.run, max_points=PARETO_POINTS, **q.filters)
    if curve is None or not curve.customers:
        zero = Decimal("0.000000")
        return {
            "run": _run_info(q.run),
            "customers": 0,
            "total_revenue": _money(0),
            "top20_share": zero,
            "customers_to_80": 0,
            "customers_to_80_share": zero,
            "points": [],
        }
    return {
        "run": _run_info(q.run),
        "customers": curve.customers,
        "total_revenue": curve.total_revenue,
        "top20_share": curve.top20_share,
        "customers_to_80": curve.customers_to_80,
        "customers_to_80_share": curve.customers_to_80_share,
        "points": [
            {
                "customers": Decimal(p["customers"]),
                "customer_share": p["customer_share"],
                "revenue": p["revenue"],
                "revenue_share": p["revenue_share"],
                "mark": p["mark"],
            }
            for p in curve.points
        ],
    }


def _scatter_points(q: DashboardQuery) -> list[dict[str, Any]]:
    ranked = (
        TierSnapshot.objects.filter(
            run=q.run, account__in=q.accounts().values("id"), quadrant__isnull=False
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("quadrant")],
                order_by=[F("input_score").desc(), F("output_value").desc(), F("account_id")],
            )
        )
        .filter(rank__lte=SCATTER_POINTS_PER_QUADRANT)
        .order_by("quadrant", "rank")
        .values("account_id", "account__name", "input_score", "output_value", "quadrant")
    )
    return [
        {
            "account": r["account_id"],
            "name": r["account__name"],
            "input": Decimal(r["input_score"] or 0).quantize(Decimal("0.0001")),
            "output": _money(r["output_value"]),
            "quadrant": r["quadrant"],
        }
        for r in ranked
    ]


def quadrants(q: DashboardQuery) -> dict[str, Any]:
    """Input/output scatter: a sample of accounts as points, the thresholds that split the
    axes (company-wide), and per quadrant its counts (numbered and labelled as in
    docs/DOMAIN.md#inputoutput-quadrants)."""
    labels = dict(Quadrant.choices)
    if q.run is None:
        return {
            "run": None,
            "output_measure": "revenue",
            "thresholds": {"input": None, "output": None},
            "cells": [
                {
                    "quadrant": n,
                    "label": str(labels[n]),
                    "accounts": 0,
                    "account_share": None,
                    "input": Decimal("0.0000"),
                    "output": _money(0),
                }
                for n in QUADRANTS
            ],
            "points": [],
            "points_total": 0,
        }
    figures = scoring.quadrants(user=q.user, run=q.run, **q.filters)
    total = sum(c["accounts"] for c in figures.cells)
    return {
        "run": _run_info(q.run),
        "output_measure": figures.settings["output_measure"],
        "thresholds": {
            "input": figures.thresholds.get("input"),
            "output": figures.thresholds.get("output"),
        },
        "cells": [
            {
                "quadrant": c["quadrant"],
                "label": c["label"],
                "accounts": c["accounts"],
                "account_share": _share(c["accounts"], total),
                "input": c["input"],
                "output": c["output"],
            }
            for c in figures.cells
        ],
        "points": q._cached("scatter", lambda: _scatter_points(q)),
        "points_total": total,
    }


def priority(q: DashboardQuery) -> dict[str, Any]:
    """The priority matrix A+/A/B/C: accounts and revenue per class."""
    labels = dict(Priority.choices)
    if q.run is None:
        cells = [
            {"priority": p, "label": str(labels[p]), "accounts": 0, "revenue": _money(0)}
            for p in PRIORITIES
        ]
        return {"run": None, "cells": cells}
    figures = scoring.priority_matrix(user=q.user, run=q.run, **q.filters)
    return {
        "run": _run_info(q.run),
        "cells": [
            {
                "priority": c["priority"],
                "label": c["label"],
                "accounts": c["accounts"],
                "revenue": c["revenue"],
            }
            for c in figures.cells
        ],
    }


def _revenue_by_owner_and_tier(q: DashboardQuery) -> dict[int, dict[str, Decimal]]:
    positive = Case(When(revenue__gt=0, then=F("revenue")), default=0, output_field=DecimalField())
    rows = (
        TierSnapshot.objects.filter(run=q.run, account__in=q.accounts().values("id"))
        .exclude(tier="")
        .order_by()
        .values("account__owner_id", "tier")
        .annotate(revenue=Sum(positive))
    )
    result: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        result.setdefault(row["account__owner_id"], {})[row["tier"]] = _money(row["revenue"])
    return result


def effort(q: DashboardQuery) -> dict[str, Any]:
    """Effort alignment: share of visits and hours on A, B, C (and untiered) accounts over the
    period beside their share of revenue (latest snapshot); per owner, the share of time on A
    accounts against A's share of their revenue, flagged when more than EFFORT_GAP below."""
    period = q.period
    # One GROUP BY (owner, tier) gives both the per-tier and the per-rep numbers.
    rows = visits.effort_by_owner_and_tier(
        q.user,
        date_from=period.date_from,
        date_to=period.date_to,
        account_filter=q.account_filter(),
    )
    by_tier = visits.effort_tiers(rows)
    total_visits = sum(r["visits"] for r in by_tier)
    total_hours = sum((r["hours"] for r in by_tier), Decimal(0))
    revenue = {}
    total_revenue = Decimal(0)
    if q.tier_figures is not None:
        revenue = {row["tier"]: row["revenue"] for row in q.tier_figures.tiers}
        total_revenue = q.tier_figures.total_revenue
    tiers_out = [
        {
            "tier": r["tier"],
            "visits": r["visits"],
            "hours": r["hours"],
            "visit_share": _share(r["visits"], total_visits),
            "hours_share": _share(r["hours"], total_hours),
            "revenue_share": _share(revenue.get(r["tier"], 0), total_revenue)
            if q.tier_figures is not None
            else None,
        }
        for r in by_tier
    ]
    effort_by_owner: dict[int, dict[str, Any]] = {}
    for r in rows:
        done = effort_by_owner.setdefault(
            r["owner_id"], {"visits": 0, "a_visits": 0, "minutes": None, "a_minutes": None}
        )
        done["visits"] += r["visits"]
        if r["minutes"] is not None:
            done["minutes"] = (done["minutes"] or 0) + r["minutes"]
        if r["tier"] == "A":
            done["a_visits"] += r["visits"]
            done["a_minutes"] = r["minutes"]
    revenue_by_owner = (
        q._cached("owner-revenue", lambda: _revenue_by_owner_and_tier(q)) if q.run else {}
    )
    owner_ids = set(effort_by_owner) | set(revenue_by_owner)
    owners = {
        u["id"]: u
        for u in users_visible_to(q.user)
        .filter(pk__in=owner_ids)
        .values("id", "username", "first_name", "last_name")
    }
    reps = []
    for owner_id in sorted(owners, key=lambda pk: owners[pk]["username"]):
        info = owners[owner_id]
        done = effort_by_owner.get(owner_id, {})
        minutes, a_minutes = done.get("minutes") or 0, done.get("a_minutes") or 0
        visits_, a_visits = done.get("visits", 0), done.get("a_visits", 0)
        # Time is hours where they were logged, else the number of visits.
        a_time_share = _share(a_minutes, minutes) if minutes else _share(a_visits, visits_)
        owner_revenue = revenue_by_owner.get(owner_id, {})
        a_revenue_share = _share(owner_revenue.get("A", 0), sum(owner_revenue.values()))
        gap = (
            (a_revenue_share - a_time_share).quantize(SHARE)
            if a_time_share is not None and a_revenue_share is not None
            else None
        )
        full_name = f"{info['first_name']} {info['last_name']}".strip()
        reps.append(
            {
                "owner_id": owner_id,
                "username": info["username"],
                "name": full_name or info["username"],
                "visits": visits_,
                "hours": (Decimal(minutes) / 60).quantize(HOURS),
                "a_time_share": a_time_share,
                "a_revenue_share": a_revenue_share,
                "gap": gap,
                "flagged": gap is not None and gap > EFFORT_GAP,
            }
        )
    return {
        "period": q.period.as_dict(),
        "gap_limit": EFFORT_GAP,
        "total_visits": total_visits,
        "total_hours": total_hours.quantize(HOURS),
        "tiers": tiers_out,
        "reps": reps,
    }


def pipeline(q: DashboardQuery) -> dict[str, Any]:
    """Each rep's active prospects by colour against the minimum, the worksheet score
    distribution, and A accounts without a decision-maker contact."""
    minimum = prospects.pipeline_minimum()
    reps = prospects.pipeline_counts_by_rep(user=q.user, minimum=minimum, **q.filters)
    missing = prospects.accounts_missing_decision_maker(user=q.user, **q.filters).filter(tier="A")
    # The first rows and, beside each, the number of all of them: one query, not two.
    missing_rows = list(
        missing.annotate(total=Window(Count("id"))).values(
            "id", "name", "owner__username", "total"
        )[:LIST_LIMIT]
    )
    return {
        "minimum": minimum,
        "reps": reps,
        "reps_below": sum(1 for r in reps if r["below"]),
        "worksheet_scores": prospects.worksheet_score_distribution(user=q.user, **q.filters),
        "a_without_decision_maker": {
            "count": missing_rows[0]["total"] if missing_rows else 0,
            "accounts": [
                {"account": r["id"], "name": r["name"], "owner": r["owner__username"]}
                for r in missing_rows
            ],
        },
    }


def _week(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = today - datetime.timedelta(days=today.weekday())
    return start, start + datetime.timedelta(days=6)


def _month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = today.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, following - datetime.timedelta(days=1)


def plans(q: DashboardQuery) -> dict[str, Any]:
    """Visit plan adherence: planned against done this week (Monday–Sunday) and this calendar
    month, overdue plans and overdue A-tier visits (as of today)."""
    periods = {"week": _week(q.today), "month": _month(q.today)}
    counts = visits.plan_adherence_periods(
        q.user, periods=periods, today=q.today, account_filter=q.account_filter()
    )
    return {
        name: {
            "start": start,
            "end": end,
            "planned": counts[name]["planned"],
            "done": counts[name]["done"],
            "open": counts[name]["open"],
            "overdue": counts[name]["overdue"],
            "overdue_a": counts[name]["overdue_a"],
            "done_share": counts[name]["done_share"],
        }
        for name, (start, end) in periods.items()
    }


def touches(q: DashboardQuery) -> dict[str, Any]:
    """Gift and greeting reminders due in the next TOUCH_DAYS days, per day and occasion."""
    rows = list(
        visits.touches_due(q.user, day=q.today, days=TOUCH_DAYS, account_filter=q.account_filter())
    )
    codes = {r["occasion_code"] for r in rows}
    names = {}
    if codes:
        names = {o.code: o for o in Occasion.objects.filter(code__in=codes)}
    kinds = dict(Reminder.Kind.choices)
    out = []
    for r in rows:
        occasion = names.get(r["occasion_code"])
        name = r["occasion_code"]
        if occasion is not None:
            name = str(occasion)
        elif r["occasion_code"] == Occasion.Kind.BIRTHDAY:
            name = _("Birthday")
        out.append(
            {
                "date": r["date"],
                "occasion_code": r["occasion_code"],
                "occasion": name,
                "kind": r["kind"],
                "kind_label": str(kinds.get(r["kind"], r["kind"])),
                "count": r["count"],
            }
        )
    return {
        "date_from": q.today,
        "date_to": q.today + datetime.timedelta(days=TOUCH_DAYS),
        "total": sum(r["count"] for r in out),
        "rows": out,
    }


def growth(q: DashboardQuery) -> dict[str, Any]:
    """The levers of docs/DOMAIN.md#ways-to-grow-sales per channel (distributors, direct customers):
    new customers this period and their revenue, against existing customers' revenue now and
    in the previous period (more from existing ones), and customers lost since then."""
    labels = dict(Account.Channel.choices)
    channels = []
    for channel in (Account.Channel.DISTRIBUTOR, Account.Channel.DIRECT):
        groups = {g["status"]: g for g in q.order_groups if g["channel"] == channel}
        new, existing, lapsed = (groups.get(s, {}) for s in ("new", "existing", "lapsed"))
        existing_now = _money(existing.get("current"))
        existing_before = _money(existing.get("previous"))
        channels.append(
            {
                "channel": str(channel),
                "label": str(labels[channel]),
                "new_customers": new.get("accounts", 0),
                "new_revenue": _money(new.get("current")),
                "existing_customers": existing.get("accounts", 0),
                "existing_revenue": existing_now,
                "existing_previous_revenue": existing_before,
                "existing_change": existing_now - existing_before,
                "lapsed_customers": lapsed.get("accounts", 0),
                "lapsed_previous_revenue": _money(lapsed.get("previous")),
            }
        )
    return {"period": q.period.as_dict(), "channels": channels}


# name -> (selector, title); the order is the page's.
FIGURES = {
    "kpis": kpis,
    "tiers": tiers,
    "pareto": pareto,
    "quadrants": quadrants,
    "priority": priority,
    "effort": effort,
    "pipeline": pipeline,
    "plans": plans,
    "touches": touches,
    "growth": growth,
}


def dashboard_figure(q: DashboardQuery, name: str) -> dict[str, Any]:
    return FIGURES[name](q)


def dashboard_figures(q: DashboardQuery) -> dict[str, dict[str, Any]]:
    """Every figure of the dashboard (what the page shows and the exports write)."""
    return {name: selector(q) for name, selector in FIGURES.items()}
