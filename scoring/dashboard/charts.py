"""The dashboard's figures shaped for Chart.js (static/js/dashboard.js reads them from a
json_script): plain numbers, percentages, labels and the links a click follows."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _


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


def chart_data(figures: dict[str, Any], *, population_query: str = "") -> dict[str, Any]:
    suffix = f"&{population_query}" if population_query else ""
    account_url = _account_url_maker()
    accounts_url = reverse("scoring:accounts")
    tiers = figures["tiers"]
    quadrants = figures["quadrants"]
    effort = figures["effort"]
    pipeline = figures["pipeline"]
    pareto = figures["pareto"]
    return {
        "tiers": {
            "labels": [r["tier"] for r in tiers["tiers"]],
            "customerShare": [_pct(r["customer_share"]) for r in tiers["tiers"]],
            "revenueShare": [_pct(r["revenue_share"]) for r in tiers["tiers"]],
            "links": [f"{accounts_url}?tier={r['tier']}{suffix}" for r in tiers["tiers"]],
            "customerLabel": _("Share of customers (%)"),
            "revenueLabel": _("Share of revenue (%)"),
        },
        "pareto": {
            "x": [_pct(p["customer_share"]) for p in pareto["points"]],
            "y": [_pct(p["revenue_share"]) for p in pareto["points"]],
            "mark20": _pct(pareto["top20_share"]),
            "mark80": _pct(pareto["customers_to_80_share"]),
            "label": _("Share of revenue"),
            "xLabel": _("Cumulative percentage of customers"),
            "yLabel": _("Cumulative percentage of revenue"),
        },
        "scatter": {
            "points": [
                {
                    "x": _num(p["input"]),
                    "y": _num(p["output"]),
                    "q": p["quadrant"],
                    "name": p["name"],
                    "url": account_url(p["account"]),
                }
                for p in quadrants["points"]
            ],
            "input": _num(quadrants["thresholds"]["input"]),
            "output": _num(quadrants["thresholds"]["output"]),
            "quadrantLinks": {
                str(c["quadrant"]): f"{accounts_url}?quadrant={c['quadrant']}{suffix}"
                for c in quadrants["cells"]
            },
            "quadrantLabels": {str(c["quadrant"]): c["label"] for c in quadrants["cells"]},
            "xLabel": _("Input: visits, hours, expenses"),
            "yLabel": _("Output"),
        },
        "effort": {
            "labels": [r["tier"] or _("No tier") for r in effort["tiers"]],
            "visitShare": [_pct(r["visit_share"]) for r in effort["tiers"]],
            "hoursShare": [_pct(r["hours_share"]) for r in effort["tiers"]],
            "revenueShare": [_pct(r["revenue_share"]) for r in effort["tiers"]],
            "visitLabel": _("Share of visits (%)"),
            "hoursLabel": _("Share of hours (%)"),
            "revenueLabel": _("Share of revenue (%)"),
        },
        "pipeline": {
            "labels": [r["name"] for r in pipeline["reps"]],
            "green": [r["green"] for r in pipeline["reps"]],
            "yellow": [r["yellow"] for r in pipeline["reps"]],
            "red": [r["red"] for r in pipeline["reps"]],
            "minimum": pipeline["minimum"],
            "greenLabel": _("Green: potential"),
            "yellowLabel": _("Yellow: likely to close soon"),
            "redLabel": _("Red: won"),
            "minimumLabel": _("Minimum open prospects"),
        },
        "worksheets": {
            "labels": [str(r["total"]) for r in pipeline["worksheet_scores"]],
            "accounts": [r["accounts"] for r in pipeline["worksheet_scores"]],
            "label": _("Accounts"),
        },
    }
