"""The manager dashboard's figures, for a population and a period, as typed records.

One selector per figure (`FIGURES`), all taking a `DashboardQuery`, so that the page, the API
and the exports show the same numbers; each returns its record of `scoring.dashboard.figures`.
Every figure goes through the one visibility rule: the population is
`scoring.selectors.population` (the accounts the user sees, narrowed to a team, a territory or
an owner), and the visits, plans, reminders, prospects and worksheets are read through their
apps' selectors, narrowed to the same accounts.

Cost: a fixed number of queries whatever the number of accounts. Tiers, the Pareto curve,
quadrants and priority come from the latest scoring snapshot (cached per run by the scoring
selectors, so a finished recompute, which makes a new run, invalidates them); the scatter
points, the tiers figure with its movers and the per-owner revenue by tier are cached the same
way (`DashboardQuery.cached`). The order figures (KPIs and growth levers, one GROUP BY shared
by both, `scoring.dashboard.sql`) are cached per population and period under the generation of
the order lines, which a database trigger bumps on every write (`orders_generation`). Visits,
plans, prospects and reminders are read live, one GROUP BY each.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DecimalField, F, Sum, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from crm.selectors import users_visible_to
from prospects import selectors as prospects
from scoring import selectors as scoring
from scoring.dashboard.figures import (
    EFFORT,
    EFFORT_GAP,
    TOUCH_DAYS,
    AccountLine,
    DashboardFigures,
    EffortFigure,
    EffortRep,
    EffortTier,
    Figure,
    GrowthFigure,
    KpisFigure,
    MissingDecisionMaker,
    Mover,
    OwnerTime,
    ParetoFigure,
    ParetoPoint,
    PeriodInfo,
    PipelineFigure,
    PipelineRep,
    PipelineTeam,
    PlanAdherence,
    PlansFigure,
    PriorityCell,
    PriorityFigure,
    QuadrantCell,
    QuadrantsFigure,
    RunRef,
    ScatterPoint,
    Thresholds,
    TierRow,
    TiersFigure,
    TouchesFigure,
    TouchRow,
    WorksheetScore,
    money,
    share,
)
from scoring.dashboard.query import (
    DashboardQuery,
    Period,
    default_period,
    month_of,
    orders_generation,
    week_of,
)
from scoring.models import TierSnapshot
from visits import selectors as visits
from visits.models import Occasion, Reminder

__all__ = [
    "FIGURES",
    "DashboardQuery",
    "Period",
    "dashboard_figure",
    "dashboard_figures",
    "default_period",
    "orders_generation",
]

# Scatter points per quadrant, those with the most input first (what a manager can change).
SCATTER_POINTS_PER_QUADRANT = 100
PARETO_POINTS = 100
LIST_LIMIT = 10


def kpis(q: DashboardQuery) -> KpisFigure:
    """Customers (accounts with order lines in the period), average purchase per customer and
    sales (= customers × average purchase), each against the previous period."""
    return KpisFigure.of(PeriodInfo.of(q.period), q.order_groups)


def tiers(q: DashboardQuery) -> TiersFigure:
    """Accounts and revenue per tier (latest snapshot), movers since the previous run; cached
    per run and population like the other snapshot figures."""
    figures = q.tier_figures
    if figures is None:
        return TiersFigure.empty()
    return q.cached("tiers", lambda: _tiers_of_run(q, figures), run=q.run)


def _tiers_of_run(q: DashboardQuery, figures: scoring.TierFigures) -> TiersFigure:
    movers = scoring.tier_movers(user=q.user, run=q.run, **q.filters).values(
        "account_id", "account__name", "tier", "previous_tier", "movement"
    )[:LIST_LIMIT]
    return TiersFigure(
        run=RunRef.of(q.run),
        customers=figures.customers,
        total_revenue=figures.total_revenue,
        untiered=figures.untiered,
        moved_up=figures.moved_up,
        moved_down=figures.moved_down,
        tiers=[
            TierRow(
                tier=row["tier"],
                accounts=row["accounts"],
                revenue=row["revenue"],
                revenue_share=share(row["revenue"], figures.total_revenue),
                customer_share=share(row["accounts"], figures.customers),
            )
            for row in figures.tiers
        ],
        movers=[
            Mover(
                account=m["account_id"],
                name=m["account__name"],
                tier=m["tier"],
                previous_tier=m["previous_tier"],
                direction="up" if m["movement"] > 0 else "down",
            )
            for m in movers
        ],
    )


def pareto(q: DashboardQuery) -> ParetoFigure:
    """The Pareto curve with the 20% point and where this population crosses 80%."""
    if q.run is None:
        return ParetoFigure.empty()
    curve = scoring.pareto_curve(user=q.user, run=q.run, max_points=PARETO_POINTS, **q.filters)
    if curve is None or not curve.customers:
        return ParetoFigure.empty(run=RunRef.of(q.run))
    return ParetoFigure(
        run=RunRef.of(q.run),
        customers=curve.customers,
        total_revenue=curve.total_revenue,
        top20_share=curve.top20_share,
        customers_to_80=curve.customers_to_80,
        customers_to_80_share=curve.customers_to_80_share,
        points=[
            ParetoPoint(
                customers=Decimal(p["customers"]),
                customer_share=p["customer_share"],
                revenue=p["revenue"],
                revenue_share=p["revenue_share"],
                mark=p["mark"],
            )
            for p in curve.points
        ],
    )


def _scatter_points(q: DashboardQuery) -> list[ScatterPoint]:
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
        ScatterPoint(
            account=r["account_id"],
            name=r["account__name"],
            input=Decimal(r["input_score"] or 0).quantize(EFFORT),
            output=money(r["output_value"]),
            quadrant=r["quadrant"],
        )
        for r in ranked
        if r["quadrant"] is not None  # always (filtered above); tells the checker
    ]


def quadrants(q: DashboardQuery) -> QuadrantsFigure:
    """Input/output scatter: a sample of accounts as points, the thresholds that split the
    axes (company-wide), and per quadrant its counts (numbered and labelled as in
    docs/DOMAIN.md#inputoutput-quadrants)."""
    if q.run is None:
        return QuadrantsFigure.empty()
    figures = scoring.quadrants(user=q.user, run=q.run, **q.filters)
    if figures is None:  # q.run is a finished run: never
        return QuadrantsFigure.empty()
    total = sum(c["accounts"] for c in figures.cells)
    return QuadrantsFigure(
        run=RunRef.of(q.run),
        output_measure=figures.settings["output_measure"],
        thresholds=Thresholds(
            input=figures.thresholds.get("input"), output=figures.thresholds.get("output")
        ),
        cells=[
            QuadrantCell(
                quadrant=c["quadrant"],
                label=c["label"],
                accounts=c["accounts"],
                account_share=share(c["accounts"], total),
                input=c["input"],
                output=c["output"],
            )
            for c in figures.cells
        ],
        points=q.cached("scatter", lambda: _scatter_points(q), run=q.run),
        points_total=total,
    )


def priority(q: DashboardQuery) -> PriorityFigure:
    """The priority matrix A+/A/B/C: accounts and revenue per class."""
    if q.run is None:
        return PriorityFigure.empty()
    figures = scoring.priority_matrix(user=q.user, run=q.run, **q.filters)
    if figures is None:  # q.run is a finished run: never
        return PriorityFigure.empty()
    return PriorityFigure(
        run=RunRef.of(q.run),
        cells=[
            PriorityCell(
                priority=c["priority"],
                label=c["label"],
                accounts=c["accounts"],
                revenue=c["revenue"],
            )
            for c in figures.cells
        ],
    )


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
        result.setdefault(row["account__owner_id"], {})[row["tier"]] = money(row["revenue"])
    return result


def _effort_tiers(q: DashboardQuery, rows: list[dict[str, Any]]) -> list[EffortTier]:
    by_tier = visits.effort_tiers(rows)
    total_visits = sum(r["visits"] for r in by_tier)
    total_hours = sum((r["hours"] for r in by_tier), Decimal(0))
    figures = q.tier_figures
    revenue = {row["tier"]: row["revenue"] for row in figures.tiers} if figures else {}
    return [
        EffortTier(
            tier=r["tier"],
            visits=r["visits"],
            hours=r["hours"],
            visit_share=share(r["visits"], total_visits),
            hours_share=share(r["hours"], total_hours),
            revenue_share=share(revenue.get(r["tier"], 0), figures.total_revenue)
            if figures is not None
            else None,
        )
        for r in by_tier
    ]


def _effort_reps(q: DashboardQuery, rows: list[dict[str, Any]]) -> list[EffortRep]:
    time_by_owner = OwnerTime.by_owner(rows)
    revenue_by_owner: dict[int, dict[str, Decimal]] = {}
    if q.run is not None:
        revenue_by_owner = q.cached(
            "owner-revenue", lambda: _revenue_by_owner_and_tier(q), run=q.run
        )
    owners = (
        users_visible_to(q.user)
        .filter(pk__in=set(time_by_owner) | set(revenue_by_owner))
        .values("id", "username", "first_name", "last_name")
    )
    return [
        EffortRep.of(
            owner_id=o["id"],
            username=o["username"],
            name=f"{o['first_name']} {o['last_name']}".strip() or o["username"],
            time=time_by_owner.get(o["id"], OwnerTime()),
            revenue_by_tier=revenue_by_owner.get(o["id"], {}),
        )
        for o in sorted(owners, key=lambda o: o["username"])
    ]


def effort(q: DashboardQuery) -> EffortFigure:
    """Effort alignment: share of visits and hours on A, B, C (and untiered) accounts over the
    period beside their share of revenue (latest snapshot); per owner, the share of time on A
    accounts against A's share of their revenue, flagged when more than EFFORT_GAP below."""
    # One GROUP BY (owner, tier) gives both the per-tier and the per-rep numbers.
    rows = visits.effort_by_owner_and_tier(
        q.user,
        date_from=q.period.date_from,
        date_to=q.period.date_to,
        account_filter=q.account_filter(),
    )
    tiers_ = _effort_tiers(q, rows)
    return EffortFigure(
        period=PeriodInfo.of(q.period),
        gap_limit=EFFORT_GAP,
        total_visits=sum(t.visits for t in tiers_),
        total_hours=money(sum((t.hours for t in tiers_), Decimal(0))),
        tiers=tiers_,
        reps=_effort_reps(q, rows),
    )


def pipeline(q: DashboardQuery) -> PipelineFigure:
    """Each team's open prospects against its minimum, each rep's active prospects by colour
    against their share, the worksheet score distribution, and A accounts without a
    decision-maker contact."""
    reps = [PipelineRep(**r) for r in prospects.pipeline_counts_by_rep(user=q.user, **q.filters)]
    # The floor is a team's: narrowed to one team or a territory's teams, none for one rep.
    teams = (
        []
        if q.filters["owner"] is not None
        else [
            PipelineTeam(**r)
            for r in prospects.pipeline_counts_by_team(
                user=q.user, team=q.filters["team"], territory=q.filters["territory"]
            )
        ]
    )
    missing = prospects.accounts_missing_decision_maker(user=q.user, **q.filters).filter(tier="A")
    # The first rows and, beside each, the number of all of them: one query, not two.
    missing_rows = list(
        missing.annotate(total=Window(Count("id"))).values(
            "id", "name", "owner__username", "total"
        )[:LIST_LIMIT]
    )
    return PipelineFigure(
        teams=teams,
        teams_below=sum(1 for t in teams if t.below),
        reps=reps,
        reps_below=sum(1 for r in reps if r.below),
        worksheet_scores=[
            WorksheetScore(**r)
            for r in prospects.worksheet_score_distribution(user=q.user, **q.filters)
        ],
        a_without_decision_maker=MissingDecisionMaker(
            count=missing_rows[0]["total"] if missing_rows else 0,
            accounts=[
                AccountLine(account=r["id"], name=r["name"], owner=r["owner__username"])
                for r in missing_rows
            ],
        ),
    )


def plans(q: DashboardQuery) -> PlansFigure:
    """Visit plan adherence: planned against done this week (Monday–Sunday) and this calendar
    month, overdue plans and overdue A-tier visits (as of today)."""
    periods = {"week": week_of(q.today), "month": month_of(q.today)}
    counts = visits.plan_adherence_periods(
        q.user, periods=periods, today=q.today, account_filter=q.account_filter()
    )

    def adherence(name: str) -> PlanAdherence:
        start, end = periods[name]
        c = counts[name]
        return PlanAdherence(
            start=start,
            end=end,
            planned=c["planned"],
            done=c["done"],
            open=c["open"],
            overdue=c["overdue"],
            overdue_a=c["overdue_a"],
            done_share=c["done_share"],
        )

    return PlansFigure(week=adherence("week"), month=adherence("month"))


def _occasion_names(codes: set[str]) -> dict[str, str]:
    """A name per occasion code: the occasion's, or "Birthday", or the code itself."""
    names = {code: code for code in codes}
    if Occasion.Kind.BIRTHDAY in names:
        names[Occasion.Kind.BIRTHDAY] = _("Birthday")
    if codes:
        names.update({o.code: str(o) for o in Occasion.objects.filter(code__in=codes)})
    return names


def touches(q: DashboardQuery) -> TouchesFigure:
    """Gift and greeting reminders due in the next TOUCH_DAYS days, per day and occasion."""
    rows = list(
        visits.touches_due(q.user, day=q.today, days=TOUCH_DAYS, account_filter=q.account_filter())
    )
    names = _occasion_names({r["occasion_code"] for r in rows})
    kinds = dict(Reminder.Kind.choices)
    due = [
        TouchRow(
            date=r["date"],
            occasion_code=r["occasion_code"],
            occasion=names[r["occasion_code"]],
            kind=r["kind"],
            kind_label=str(kinds.get(r["kind"], r["kind"])),
            count=r["count"],
        )
        for r in rows
    ]
    return TouchesFigure.of(q.today, due)


def growth(q: DashboardQuery) -> GrowthFigure:
    """The levers of docs/DOMAIN.md#ways-to-grow-sales per channel (distributors, direct customers):
    new customers this period and their revenue, against existing customers' revenue now and
    in the previous period (more from existing ones), and customers lost since then."""
    return GrowthFigure.of(PeriodInfo.of(q.period), q.order_groups)


# name -> selector; the order is the page's.
FIGURES: dict[str, Callable[[DashboardQuery], Figure]] = {
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


def dashboard_figure(q: DashboardQuery, name: str) -> Figure:
    return FIGURES[name](q)


def dashboard_figures(q: DashboardQuery) -> DashboardFigures:
    """Every figure of the dashboard (what the page shows and the exports write)."""
    return DashboardFigures(
        kpis=kpis(q),
        tiers=tiers(q),
        pareto=pareto(q),
        quadrants=quadrants(q),
        priority=priority(q),
        effort=effort(q),
        pipeline=pipeline(q),
        plans=plans(q),
        touches=touches(q),
        growth=growth(q),
    )
