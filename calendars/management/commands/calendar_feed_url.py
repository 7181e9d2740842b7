"""`python manage.py calendar_feed_url <username> [--base-url URL]`: print the user's feed URL."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from calendars.services import calendar_feed_ensure
from crm.models import User


class Command(BaseCommand):
    help = (
        "Print the full URL of a user's calendar feed (made when they have none). The site's "
        "address comes from CRM_PUBLIC_URL, or --base-url."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--base-url", default="", help="the site's address, e.g. https://crm.example.com"
        )

    def handle(self, *args, **opts):
        base = (opts["base_url"] or settings.CRM_PUBLIC_URL).rstrip("/")
        if not base.startswith(("https://", "http://")):
            raise CommandError(
                "The site's address is unknown: set CRM_PUBLIC_URL (e.g. https://crm.example.com) "
                "or pass --base-url."
            )
        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"No user {opts['username']!r}.")
        if not user.is_active:
            raise CommandError(f"User {user.username!r} is deactivated: no calendar feed.")
        feed = calendar_feed_ensure(actor=user, user=user)
        self.stdout.write(base + reverse("calendars:feed", args=[feed.token]))
