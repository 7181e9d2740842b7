"""`python manage.py compute_health [--as-of YYYY-MM-DD]`: every account's health, now."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from health.services import health_compute, health_warnings_generate


def parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of: {value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Compute every account's health score and its factors for a day and keep them as "
        "that day's history (a rerun replaces the day); then queue its warnings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=parse_date, help="the day (default today)")
        parser.add_argument(
            "--no-warnings", action="store_true", help="do not create the warning reminders"
        )

    def handle(self, *args, **opts):
        started = time.monotonic()
        result = health_compute(day=opts["as_of"])
        warnings = {} if opts["no_warnings"] else health_warnings_generate(day=result.day)
        self.stdout.write(
            self.style.SUCCESS(
                f"Health as of {result.day}: {result.accounts} accounts, "
                f"{sum(warnings.values())} new warnings, {result.pruned} old rows pruned "
                f"in {time.monotonic() - started:.1f}s."
            )
        )
