"""Counts and sums of snapshot rows per tier, quadrant and priority class, as plain data.

The groups come from `scoring.sql.group_figures`, for the recompute (company-wide figures
stored on the run) and for the selectors (the same figures for a narrower population).
"""

from decimal import Decimal
from typing import Any

TIERS = ("A", "B", "C")
PRIORITIES = ("A+", "A", "B", "C")
QUADRANTS = (1, 2, 3, 4)
MONEY = Decimal("0.01")
SHARE = Decimal("0.000001")
EFFORT = Decimal("0.0001")


def as_decimal(value) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def _share(part, whole) -> Decimal:
    whole = as_decimal(whole)
    if whole == 0:
        return Decimal("0").quantize(SHARE)
    return (as_decimal(part) / whole).quantize(SHARE)


def summarize_groups(groups: list[tuple]) -> dict[str, Any]:
    """Counts and sums per tier, quadrant and priority class, with shares; plain data."""
    # Plain data (stored as JSON on the run): each group's counts, sums and shares by name.
    tiers: dict[str, dict[str, Any]] = {
        t: {"accounts": 0, "revenue": Decimal(0), "input": Decimal(0)} for t in TIERS
    }
    quadrants: dict[int, dict[str, Any]] = {
        q: {"accounts": 0, "input": Decimal(0), "output": Decimal(0)} for q in QUADRANTS
    }
    priority: dict[str, dict[str, Any]] = {
        p: {"accounts": 0, "revenue": Decimal(0)} for p in PRIORITIES
    }
    customers = untiered = moved_up = moved_down = 0
    total_revenue = total_input = Decimal(0)
    for tier, quadrant, prio, movement, accounts, revenue, input_, output, ranked in groups:
        revenue, input_, output = as_decimal(revenue), as_decimal(input_), as_decimal(output)
        customers += ranked
        total_revenue += revenue
        if tier in tiers:
            tiers[tier]["accounts"] += accounts
            tiers[tier]["revenue"] += revenue
            tiers[tier]["input"] += input_
            total_input += input_
        else:
            untiered += accounts
        if quadrant in quadrants:
            quadrants[quadrant]["accounts"] += accounts
            quadrants[quadrant]["input"] += input_
            quadrants[quadrant]["output"] += output
        if prio in priority:
            priority[prio]["accounts"] += accounts
            priority[prio]["revenue"] += revenue
        if movement > 0:
            moved_up += accounts
        elif movement < 0:
            moved_down += accounts
    quadrant_accounts = sum(q["accounts"] for q in quadrants.values())
    quadrant_output = sum((q["output"] for q in quadrants.values()), Decimal(0))
    quadrant_input = sum((q["input"] for q in quadrants.values()), Decimal(0))
    for t in tiers.values():
        t["revenue"] = t["revenue"].quantize(MONEY)
        t["input"] = t["input"].quantize(EFFORT)
        t["revenue_share"] = _share(t["revenue"], total_revenue)
        t["customer_share"] = _share(t["accounts"], customers)
        t["input_share"] = _share(t["input"], total_input)
    for q in quadrants.values():
        q["output"] = q["output"].quantize(MONEY)
        q["input"] = q["input"].quantize(EFFORT)
        q["account_share"] = _share(q["accounts"], quadrant_accounts)
        q["input_share"] = _share(q["input"], quadrant_input)
        q["output_share"] = _share(q["output"], quadrant_output)
    priority_accounts = sum(p["accounts"] for p in priority.values())
    for p in priority.values():
        p["revenue"] = p["revenue"].quantize(MONEY)
        p["account_share"] = _share(p["accounts"], priority_accounts)
    return {
        "customers": customers,
        "total_revenue": total_revenue.quantize(MONEY),
        "untiered": untiered,
        "moved_up": moved_up,
        "moved_down": moved_down,
        "tiers": tiers,
        "quadrants": quadrants,
        "priority": priority,
    }
