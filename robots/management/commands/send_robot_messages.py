"""`python manage.py send_robot_messages [--date YYYY-MM-DD] [--digest] [--threads N]`: the
robots' dispatch and sending, now, in this process (the beat does it every
CRM_ROBOTS_DISPATCH_SECONDS through the worker)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from robots.services import robots_deliver_now


class Command(BaseCommand):
    help = (
        "Send the group robots' urgent reminders of a day (default today) and, with --digest "
        "or once the day's reminder run and the digest hour have come, the daily digest. Safe "
        "to run again: nothing is sent twice to a robot."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--digest", action="store_true", help="send the digest now, ready or not"
        )
        parser.add_argument("--threads", type=int, default=1, help="batches sent at once")

    def handle(self, *args, **opts):
        try:
            day = datetime.date.fromisoformat(opts["date"]) if opts["date"] else None
        except ValueError as exc:
            raise CommandError("--date must look like 2026-01-31") from exc
        day = day or timezone.localdate()
        sent, failed = robots_deliver_now(
            day=day, digest=True if opts["digest"] else None, threads=max(1, opts["threads"])
        )
        self.stdout.write(f"{day}: robot messages sent: {sent}.")
        if failed:
            raise CommandError(
                f"{failed} robot message(s) failed; they are retried with backoff (see /robots/)."
            )
