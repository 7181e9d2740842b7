"""`python manage.py recompute_tiers`: recompute every tier now, in this process."""

import datetime
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from scoring.models import Method, TierRun
from scoring.services import tiers_recompute


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of: {value!r} is not a date (YYYY-MM-DD).") from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise CommandError(f"--window-days: {value!r} is not a whole number.") from None
    if number < 1:
        raise CommandError("--window-days: give at least 1 day.")
    return number


class Command(BaseCommand):
    help = (
        "Recompute every account's ABC tier (and quadrant and priority class) and write a "
        "dated snapshot. Defaults come from the scoring settings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=_date, help="last day of the window (YYYY-MM-DD)")
        window = parser.add_mutually_exclusive_group()
        window.add_argument("--window-days", type=_positive, help="length of the window")
        window.add_argument("--all-time", action="store_true", help="every order line")
        parser.add_argument("--method", choices=Method.values, help="tier method")

    def handle(self, *args, **opts):
        started = time.monotonic()
        try:
            run = tiers_recompute(
                trigger=TierRun.Trigger.CLI,
                as_of=opts["as_of"],
                window_days=opts["window_days"],
                all_time=opts["all_time"],
                method=opts["method"],
            )
        except ValidationError as exc:
            messages = "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()
            )
            raise CommandError(messages) from exc
        tiers = run.summary["tiers"]
        window = f"{run.window_days} days" if run.window_days else "all time"
        self.stdout.write(
            self.style.SUCCESS(
                f"Run {run.pk} as of {run.as_of} ({run.method}, {window}): "
                f"{run.customers} customers, A {tiers['A']['accounts']} / "
                f"B {tiers['B']['accounts']} / C {tiers['C']['accounts']}; "
                f"{run.changed_count} accounts changed tier "
                f"in {time.monotonic() - started:.1f}s."
            )
        )
