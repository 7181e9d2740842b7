"""`python manage.py send_reminders [--date YYYY-MM-DD] [--no-email]`: the daily job, now."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from visits.models import VisitSettings
from visits.services import digest_send, reminders_run


class Command(BaseCommand):
    help = (
        "Create the reminders of a day (default today) and send that day's digest emails. "
        "Safe to run again: nothing is created or sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day, YYYY-MM-DD (default: today)")
        parser.add_argument("--no-email", action="store_true", help="create reminders only")

    def handle(self, *args, **opts):
        try:
            day = datetime.date.fromisoformat(opts["date"]) if opts["date"] else None
        except ValueError as exc:
            raise CommandError("--date must look like 2026-01-31") from exc
        day = day or timezone.localdate()
        send = not opts["no_email"] and VisitSettings.load().digest_enabled
        counts, pending = reminders_run(day=day, digests=send)
        sent = failed = 0
        for digest_id in pending:
            try:
                sent += digest_send(digest_id=digest_id)
            except Exception as exc:  # report it; the digest stays pending
                failed += 1
                self.stderr.write(f"digest {digest_id} not sent: {exc}")
        summary = ", ".join(f"{kind} {n}" for kind, n in counts.items())
        self.stdout.write(f"{day}: new reminders: {summary}; digest emails sent: {sent}.")
        if failed:
            raise CommandError(f"{failed} digest email(s) not sent; they stay pending for a rerun.")
