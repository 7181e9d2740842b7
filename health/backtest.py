"""The backtest of the tier-drop forecast: replay history and count hits.

For each as-of date (the first of every month whose window and horizon fit in the order
history), the forecast is made with the tiers computed at that date, and compared with the
tiers the scoring rules give at as-of + horizon. The question scored is "will it drop from
A?"; the naive baseline says every account stays in its tier (it never predicts a drop).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Max, Min

from accounts.models import Order
from health.forecast import actual_tiers, forecast_params, tier_forecast


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, predicted: bool, actual: bool) -> None:
        if predicted and actual:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif actual:
            self.fn += 1
        else:
            self.tn += 1


@dataclass
class Backtest:
    as_of_dates: list[datetime.date] = field(default_factory=list)
    a_accounts: int = 0
    drops: int = 0
    forecast: Score = field(default_factory=Score)
    baseline: Score = field(default_factory=Score)


def _first_days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    day = start.replace(day=1)
    if day < start:
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    days = []
    while day <= end:
        days.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return days


def as_of_dates(*, horizon_days: int, window_days: int) -> list[datetime.date]:
    """Month starts with a full window of history before and the horizon after."""
    span = Order.objects.aggregate(first=Min("date"), last=Max("date"))
    if span["first"] is None:
        return []
    start = span["first"] + datetime.timedelta(days=window_days)
    end = span["last"] - datetime.timedelta(days=horizon_days)
    return _first_days(start, end) if start <= end else []


def backtest_tier_forecast(*, horizon_days: int = 90) -> Backtest:
    params0 = forecast_params(as_of=datetime.date.today(), horizon_days=horizon_days)
    result = Backtest()
    for as_of in as_of_dates(horizon_days=horizon_days, window_days=params0.window_days):
        params = forecast_params(as_of=as_of, horizon_days=horizon_days, live_tiers=False)
        later = actual_tiers(as_of=as_of + datetime.timedelta(days=horizon_days), params=params)
        result.as_of_dates.append(as_of)
        for row in tier_forecast(params, with_reasons=False):
            if row.current_tier != "A":
                continue
            dropped = later.get(row.account_id, "") != "A"
            result.a_accounts += 1
            result.drops += dropped
            result.forecast.add(row.predicted_tier != "A", dropped)
            result.baseline.add(False, dropped)
    return result
