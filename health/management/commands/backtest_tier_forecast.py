"""`python manage.py backtest_tier_forecast [--horizon-days 90]`: how well the tier-drop
forecast foresaw the past, against the baseline "stays in its tier"."""

import time

from django.core.management.base import BaseCommand

from health.backtest import backtest_tier_forecast
from health.management.commands.forecast_tiers import positive_days


class Command(BaseCommand):
    help = (
        "Replay the order history (an as-of date every month, the horizon after it) and "
        "report precision, recall and F1 of 'will drop from A' for the forecast and for the "
        "naive baseline 'stays in its tier'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--horizon-days", type=positive_days, default=90)

    def handle(self, *args, **opts):
        started = time.monotonic()
        result = backtest_tier_forecast(horizon_days=opts["horizon_days"])
        if not result.as_of_dates:
            self.stdout.write("Not enough order history for a backtest (a window + horizon).")
            return
        self.stdout.write(
            f"As-of dates: {len(result.as_of_dates)} ({result.as_of_dates[0]} … "
            f"{result.as_of_dates[-1]}); A accounts forecast: {result.a_accounts}; "
            f"dropped from A: {result.drops}."
        )
        for label, score in (("forecast", result.forecast), ("baseline", result.baseline)):
            self.stdout.write(
                f"{label:<9} precision {score.precision:.3f}  recall {score.recall:.3f}  "
                f"F1 {score.f1:.3f}  (tp {score.tp}, fp {score.fp}, fn {score.fn}, "
                f"tn {score.tn})"
            )
        self.stdout.write(f"in {time.monotonic() - started:.1f}s.")
