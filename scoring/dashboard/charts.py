"""The dashboard's figures shaped for Chart.js (static/js/dashboard.js reads them from a
json_script): plain numbers, percentages, labels and the links a click follows."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from scoring.dashboard.figures import (
    DashboardFigures,
    EffortFigure,
    ParetoFigure,
    PipelineFigure,
    QuadrantsFigure,
    TiersFigure,
)


def _pct(value) -> float | None:
    return None if value is None else round(float(value) * 100, 2)


def _num(value) -> float:
    return float(value or 0)


# An account id no real account has, reversed once: the scatter's up to 400 links are then
# made by substitution instead of 400 calls of reverse() (a third of the page's Python time).
_PLACEHOLDER_ID = 987654321


def _account_url_maker():
    pattern = reverse("accounts:detail", args=[_PLACEHOLDER_ID])
    head, tail = pattern.split(str(_PLACEHOLDER_ID), 1)
    return lambda pk: f"{head}{int(pk)}{tail}"


def _tiers(figure: TiersFigure, accounts_url: str, suffix: str) -> dict[str, Any]:
    rows = figure.rows()
    return {
        "labels": [r.tier for r in rows],
        "customerShare": [_pct(r.customer_share) for r in rows],
        "revenueShare": [_pct(r.revenue_share) for r in rows],
        "links": [f"{accounts_url}?tier={r.tier}{suffix}" for r in rows],
        "customerLabel": _("Share of customers (%)"),
        "revenueLabel": _("Share of revenue (%)"),
    }


def _pareto(figure: ParetoFigure) -> dict[str, Any]:
    points = figure.rows()
    return {
        "x": [_pct(p.customer_share) for p in points],
        "y": [_pct(p.revenue_share) for p in points],
        "mark20": _pct(figure.top20_share),
        "mark80": _pct(figure.customers_to_80_share),
        "label": _("Share of revenue"),
        "xLabel": _("Cumulative percentage of customers"),
        "yLabel": _("Cumulative percentage of revenue"),
    }


def _scatter(figure: QuadrantsFigure, accounts_url: str, suffix: str) -> dict[str, Any]:
    account_url = _account_url_maker()
    cells = figure.rows()
    return {
        "points": [
            {
                "x": _num(p.input),
                "y": _num(p.output),
                "q": p.quadrant,
                "name": p.name,
                "url": account_url(p.account),
            }
            for p in figure.points
        ],
        "input": _num(figure.thresholds.input),
        "output": _num(figure.thresholds.output),
        "quadrantLinks": {
            str(c.quadrant): f"{accounts_url}?quadrant={c.quadrant}{suffix}" for c in cells
        },
        "quadrantLabels": {str(c.quadrant): c.label for c in cells},
        "xLabel": _("Input: visits, hours, expenses"),
        "yLabel": _("Output"),
    }


def _effort(figure: EffortFigure) -> dict[str, Any]:
    rows = figure.rows()
    return {
        "labels": [r.tier or _("No tier") for r in rows],
        "visitShare": [_pct(r.visit_share) for r in rows],
        "hoursShare": [_pct(r.hours_share) for r in rows],
        "revenueShare": [_pct(r.revenue_share) for r in rows],
        "visitLabel": _("Share of visits (%)"),
        "hoursLabel": _("Share of hours (%)"),
        "revenueLabel": _("Share of revenue (%)"),
    }


def _pipeline(figure: PipelineFigure) -> dict[str, Any]:
    reps = figure.rows()
    return {
        "labels": [r.name for r in reps],
        "green": [r.green for r in reps],
        "yellow": [r.yellow for r in reps],
        "red": [r.red for r in reps],
        "share": [r.share for r in reps],
        "greenLabel": _("Green: potential"),
        "yellowLabel": _("Yellow: likely to close soon"),
        "redLabel": _("Red: won"),
        "shareLabel": _("Rep's share of open prospects"),
    }


def _worksheets(figure: PipelineFigure) -> dict[str, Any]:
    scores = figure.worksheet_scores
    return {
        "labels": [str(r.total) for r in scores],
        "accounts": [r.accounts for r in scores],
        "label": _("Accounts"),
    }


def chart_data(figures: DashboardFigures, *, population_query: str = "") -> dict[str, Any]:
    suffix = f"&{population_query}" if population_query else ""
    accounts_url = reverse("scoring:accounts")
    return {
        "tiers": _tiers(figures.tiers, accounts_url, suffix),
        "pareto": _pareto(figures.pareto),
        "scatter": _scatter(figures.quadrants, accounts_url, suffix),
        "effort": _effort(figures.effort),
        "pipeline": _pipeline(figures.pipeline),
        "worksheets": _worksheets(figures.pipeline),
    }
