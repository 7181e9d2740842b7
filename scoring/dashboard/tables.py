"""The dashboard's tables as rows, for the downloads (CSV and xlsx through the accounts'
export machinery: formula-like text neutralised, UTF-8 with a BOM). Tables are stacked: a title
row, a header row, the rows, a blank row. One function per table, reading its figure's rows."""

from collections.abc import Iterator
from typing import NamedTuple

from django.utils.translation import gettext as _

from scoring.dashboard.figures import (
    DashboardFigures,
    EffortFigure,
    GrowthFigure,
    KpisFigure,
    ParetoFigure,
    PipelineFigure,
    PlansFigure,
    PriorityFigure,
    QuadrantsFigure,
    TiersFigure,
    TouchesFigure,
)
from scoring.dashboard.query import Period


class Table(NamedTuple):
    title: str
    headers: list[str]
    rows: list[tuple]


def _tier(value: str) -> str:
    return value or _("No tier")


def kpi_table(figure: KpisFigure) -> Table:
    labels = {
        "customers": _("Customers"),
        "average_purchase": _("Average purchase per customer"),
        "sales": _("Sales"),
    }
    return Table(
        _("Key figures"),
        [_("Figure"), _("This period"), _("Previous period"), _("Change"), _("Change (%)")],
        [
            (labels[name], c.current, c.previous, c.change, c.change_share)
            for name, c in figure.rows()
        ],
    )


def tier_table(figure: TiersFigure) -> Table:
    return Table(
        _("Tier distribution"),
        [_("Tier"), _("Accounts"), _("Share of customers"), _("Revenue"), _("Share of revenue")],
        [(r.tier, r.accounts, r.customer_share, r.revenue, r.revenue_share) for r in figure.rows()],
    )


def mover_table(figure: TiersFigure) -> Table:
    return Table(
        _("Tier movers since the previous run"),
        [_("Account ID"), _("Account name"), _("Previous tier"), _("Tier")],
        [(m.account, m.name, _tier(m.previous_tier), _tier(m.tier)) for m in figure.movers],
    )


def pareto_table(figure: ParetoFigure) -> Table:
    return Table(
        _("Pareto curve"),
        [
            _("Top customers"),
            _("Share of customers"),
            _("Cumulative revenue"),
            _("Share of revenue"),
            _("Mark"),
        ],
        [
            (p.customers, p.customer_share, p.revenue, p.revenue_share, p.mark)
            for p in figure.rows()
        ],
    )


def quadrant_table(figure: QuadrantsFigure) -> Table:
    return Table(
        _("Input/output quadrants"),
        [_("Quadrant"), _("Accounts"), _("Share of accounts"), _("Input"), _("Output")],
        [(c.label, c.accounts, c.account_share, c.input, c.output) for c in figure.rows()],
    )


def priority_table(figure: PriorityFigure) -> Table:
    return Table(
        _("Priority matrix"),
        [_("Priority"), _("Accounts"), _("Revenue")],
        [(c.label, c.accounts, c.revenue) for c in figure.rows()],
    )


def effort_tier_table(figure: EffortFigure) -> Table:
    return Table(
        _("Effort alignment by tier"),
        [
            _("Tier"),
            _("Visits"),
            _("Share of visits"),
            _("Hours"),
            _("Share of hours"),
            _("Share of revenue"),
        ],
        [
            (_tier(r.tier), r.visits, r.visit_share, r.hours, r.hours_share, r.revenue_share)
            for r in figure.rows()
        ],
    )


def effort_rep_table(figure: EffortFigure) -> Table:
    return Table(
        _("Effort alignment by owner"),
        [
            _("Owner"),
            _("Visits"),
            _("Hours"),
            _("Time on A accounts"),
            _("A share of revenue"),
            _("Gap"),
            _("Flagged"),
        ],
        [
            (r.username, r.visits, r.hours, r.a_time_share, r.a_revenue_share, r.gap, r.flagged)
            for r in figure.reps
        ],
    )


def pipeline_table(figure: PipelineFigure) -> Table:
    return Table(
        _("Pipeline by rep"),
        [
            _("Rep"),
            _("Green"),
            _("Yellow"),
            _("Red"),
            _("Open"),
            _("Share"),
            _("Below share"),
        ],
        [(r.username, r.green, r.yellow, r.red, r.open, r.share, r.below) for r in figure.rows()],
    )


def pipeline_team_table(figure: PipelineFigure) -> Table:
    return Table(
        _("Pipeline by team"),
        [_("Team"), _("Open"), _("Minimum"), _("Below minimum")],
        [(t.name, t.open, t.minimum, t.below) for t in figure.teams],
    )


def worksheet_table(figure: PipelineFigure) -> Table:
    return Table(
        _("Worksheet score distribution"),
        [_("Worksheet total"), _("Accounts")],
        [(r.total, r.accounts) for r in figure.worksheet_scores],
    )


def missing_decision_maker_table(figure: PipelineFigure) -> Table:
    return Table(
        _("A accounts without a decision maker"),
        [_("Account ID"), _("Account name"), _("Owner")],
        [(a.account, a.name, a.owner) for a in figure.a_without_decision_maker.accounts],
    )


def plan_table(figure: PlansFigure) -> Table:
    labels = {"week": _("This week"), "month": _("This month")}
    return Table(
        _("Visit plan adherence"),
        [
            _("Period"),
            _("From"),
            _("To"),
            _("Planned"),
            _("Done"),
            _("Open"),
            _("Overdue"),
            _("Overdue A visits"),
        ],
        [
            (labels[name], r.start, r.end, r.planned, r.done, r.open, r.overdue, r.overdue_a)
            for name, r in figure.rows()
        ],
    )


def touch_table(figure: TouchesFigure) -> Table:
    return Table(
        _("Touches due in the next 7 days"),
        [_("Date"), _("Occasion"), _("Kind"), _("Reminders")],
        [(r.date, r.occasion, r.kind_label, r.count) for r in figure.rows()],
    )


def growth_table(figure: GrowthFigure) -> Table:
    return Table(
        _("Growth levers"),
        [
            _("Channel"),
            _("New customers"),
            _("Revenue from new customers"),
            _("Existing customers"),
            _("Revenue from existing customers"),
            _("Their revenue in the previous period"),
            _("Change"),
            _("Customers lost"),
        ],
        [
            (
                c.label,
                c.new_customers,
                c.new_revenue,
                c.existing_customers,
                c.existing_revenue,
                c.existing_previous_revenue,
                c.existing_change,
                c.lapsed_customers,
            )
            for c in figure.rows()
        ],
    )


def tables(figures: DashboardFigures) -> list[Table]:
    """(title, headers, rows) of every table of the dashboard, in the page's order."""
    f = figures
    return [
        kpi_table(f.kpis),
        tier_table(f.tiers),
        mover_table(f.tiers),
        pareto_table(f.pareto),
        quadrant_table(f.quadrants),
        priority_table(f.priority),
        effort_tier_table(f.effort),
        effort_rep_table(f.effort),
        pipeline_table(f.pipeline),
        pipeline_team_table(f.pipeline),
        worksheet_table(f.pipeline),
        missing_decision_maker_table(f.pipeline),
        plan_table(f.plans),
        touch_table(f.touches),
        growth_table(f.growth),
    ]


def export_rows(
    figures: DashboardFigures, period: Period, *, for_manager: bool = True
) -> tuple[list[str], Iterator[tuple]]:
    """Headers and rows for `accounts.exports.csv_stream` / `xlsx_file`; titled like the page
    (a rep's is their own dashboard)."""
    title = _("Manager dashboard") if for_manager else _("My dashboard")
    headers = [title, str(period.date_from), str(period.date_to)]

    def rows() -> Iterator[tuple]:
        for title, table_headers, table_rows in tables(figures):
            yield ()
            yield (title,)
            yield tuple(table_headers)
            yield from table_rows

    return headers, rows()
