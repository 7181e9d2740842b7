"""`python manage.py forecast_tiers [--as-of YYYY-MM-DD] [--horizon-days 90] [--json]`."""

import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from health.forecast import forecast_params, tier_forecast
from health.management.commands.compute_health import parse_date


def positive_days(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise CommandError(f"--horizon-days: {value!r} is not a whole number.") from None
    if not 1 <= number <= 730:
        raise CommandError("--horizon-days: give 1 to 730 days.")
    return number


class Command(BaseCommand):
    help = (
        "Forecast, for every account now A or B, the chance that it is in a lower tier at "
        "as-of + horizon, with the reasons (health.forecast explains the model)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=parse_date, help="the day (default today)")
        parser.add_argument("--horizon-days", type=positive_days, default=90)
        parser.add_argument(
            "--json", action="store_true", help="one JSON object per account and line"
        )

    def handle(self, *args, **opts):
        started = time.monotonic()
        today = timezone.localdate()
        as_of = opts["as_of"] or today
        # Today's tiers are the accounts' own; a past day's are computed from its window.
        params = forecast_params(
            as_of=as_of, horizon_days=opts["horizon_days"], live_tiers=as_of >= today
        )
        rows = tier_forecast(params)
        if opts["json"]:
            for row in rows:
                self.stdout.write(json.dumps(row.as_json(), ensure_ascii=False))
            return
        drops = [row for row in rows if row.predicted_tier != row.current_tier]
        for row in sorted(drops, key=lambda r: -r.probability):
            self.stdout.write(
                f"{row.account_id}\t{row.name}\t{row.current_tier}→{row.predicted_tier}\t"
                f"{row.probability:.0%}\t{' '.join(row.reasons)}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Forecast as of {as_of}, horizon {opts['horizon_days']} days: {len(rows)} "
                f"A/B accounts, {len(drops)} predicted to drop "
                f"in {time.monotonic() - started:.1f}s."
            )
        )
