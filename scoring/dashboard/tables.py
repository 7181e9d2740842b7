"""The dashboard's tables as rows, for the downloads (CSV and xlsx through the accounts'
export machinery: formula-like text neutralised, UTF-8 with a BOM). Tables are stacked: a title
row, a header row, the rows, a blank row."""

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from scoring.dashboard.selectors import Period


def _tier(value: str) -> str:
    return value or _("No tier")


def tables(figures: dict[str, Any]) -> list[tuple[str, list[str], list[tuple]]]:
    """(title, headers, rows) of every table of the dashboard, in the page's order."""
    out = []
    k = figures["kpis"]
    out.append(
        (
            _("Key figures"),
            [_("Figure"), _("This period"), _("Previous period"), _("Change"), _("Change (%)")],
            [
                (
                    label,
                    k[key]["current"],
                    k[key]["previous"],
                    k[key]["change"],
                    k[key]["change_share"],
                )
                for key, label in (
                    ("customers", _("Customers")),
                    ("average_purchase", _("Average purchase per customer")),
                    ("sales", _("Sales")),
                )
            ],
        )
    )
    t = figures["tiers"]
    out.append(
        (
            _("Tier distribution"),
            [
                _("Tier"),
                _("Accounts"),
                _("Share of customers"),
                _("Revenue"),
                _("Share of revenue"),
            ],
            [
                (r["tier"], r["accounts"], r["customer_share"], r["revenue"], r["revenue_share"])
                for r in t["tiers"]
            ],
        )
    )
    out.append(
        (
            _("Tier movers since the previous run"),
            [_("Account ID"), _("Account name"), _("Previous tier"), _("Tier")],
            [
                (m["account"], m["name"], _tier(m["previous_tier"]), _tier(m["tier"]))
                for m in t["movers"]
            ],
        )
    )
    p = figures["pareto"]
    out.append(
        (
            _("Pareto curve"),
            [
                _("Top customers"),
                _("Share of customers"),
                _("Cumulative revenue"),
                _("Share of revenue"),
                _("Mark"),
            ],
            [
                (
                    pt["customers"],
                    pt["customer_share"],
                    pt["revenue"],
                    pt["revenue_share"],
                    pt["mark"],
                )
                for pt in p["points"]
            ],
        )
    )
    out.append(
        (
            _("Input/output quadrants"),
            [_("Quadrant"), _("Accounts"), _("Share of accounts"), _("Input"), _("Output")],
            [
                (c["label"], c["accounts"], c["account_share"], c["input"], c["output"])
                for c in figures["quadrants"]["cells"]
            ],
        )
    )
    out.append(
        (
            _("Priority matrix"),
            [_("Priority"), _("Accounts"), _("Revenue")],
            [(c["label"], c["accounts"], c["revenue"]) for c in figures["priority"]["cells"]],
        )
    )
    e = figures["effort"]
    out.append(
        (
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
                (
                    _tier(r["tier"]),
                    r["visits"],
                    r["visit_share"],
                    r["hours"],
                    r["hours_share"],
                    r["revenue_share"],
                )
                for r in e["tiers"]
            ],
        )
    )
    out.append(
        (
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
                (
                    r["username"],
                    r["visits"],
                    r["hours"],
                    r["a_time_share"],
                    r["a_revenue_share"],
                    r["gap"],
                    r["flagged"],
                )
                for r in e["reps"]
            ],
        )
    )
    pipe = figures["pipeline"]
    out.append(
        (
            _("Pipeline by rep"),
            [
                _("Rep"),
                _("Green"),
                _("Yellow"),
                _("Red"),
                _("Open"),
                _("Minimum"),
                _("Below minimum"),
            ],
            [
                (
                    r["username"],
                    r["green"],
                    r["yellow"],
                    r["red"],
                    r["open"],
                    r["minimum"],
                    r["below"],
                )
                for r in pipe["reps"]
            ],
        )
    )
    out.append(
        (
            _("Worksheet score distribution"),
            [_("Worksheet total"), _("Accounts")],
            [(r["total"], r["accounts"]) for r in pipe["worksheet_scores"]],
        )
    )
    out.append(
        (
            _("A accounts without a decision maker"),
            [_("Account ID"), _("Account name"), _("Owner")],
            [
                (a["account"], a["name"], a["owner"])
                for a in pipe["a_without_decision_maker"]["accounts"]
            ],
        )
    )
    out.append(
        (
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
                (
                    label,
                    r["start"],
                    r["end"],
                    r["planned"],
                    r["done"],
                    r["open"],
                    r["overdue"],
                    r["overdue_a"],
                )
                for label, r in (
                    (_("This week"), figures["plans"]["week"]),
                    (_("This month"), figures["plans"]["month"]),
                )
            ],
        )
    )
    out.append(
        (
            _("Touches due in the next 7 days"),
            [_("Date"), _("Occasion"), _("Kind"), _("Reminders")],
            [
                (r["date"], r["occasion"], r["kind_label"], r["count"])
                for r in figures["touches"]["rows"]
            ],
        )
    )
    out.append(
        (
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
                    c["label"],
                    c["new_customers"],
                    c["new_revenue"],
                    c["existing_customers"],
                    c["existing_revenue"],
                    c["existing_previous_revenue"],
                    c["existing_change"],
                    c["lapsed_customers"],
                )
                for c in figures["growth"]["channels"]
            ],
        )
    )
    return out


def export_rows(figures: dict[str, Any], period: Period) -> tuple[list[str], Iterator[tuple]]:
    """Headers and rows for `accounts.exports.csv_stream` / `xlsx_file`."""
    headers = [_("Manager dashboard"), str(period.date_from), str(period.date_to)]

    def rows() -> Iterator[tuple]:
        for title, table_headers, table_rows in tables(figures):
            yield ()
            yield (title,)
            yield tuple(table_headers)
            yield from table_rows

    return headers, rows()
