"""Start, stop, show or delete the embedded PostgreSQL of the run directory (CRM_RUN_DIR)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.embedded_db import EmbeddedPostgres, EmbeddedPostgresError


class Command(BaseCommand):
    help = (
        "The embedded PostgreSQL that `make run` uses without DATABASE_URL: `start` (and leave "
        "it running), `stop`, `status`, `delete` (stop, remove its data; used by `make clean`)."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "stop", "status", "delete"])

    def handle(self, *args, action, **opts):
        server = EmbeddedPostgres(settings.RUN_DIR)
        try:
            if action == "start":
                result = server.start(database=self._database_name())
                for note in server.notes:
                    self.stderr.write(f"note: {note}")
                state = "started" if result.started else "already running"
                self.stdout.write(f"Embedded PostgreSQL {state}: {server.url()}")
            elif action == "stop":
                stopped = server.stop(force=True)
                self.stdout.write("Stopped." if stopped else "Not running.")
            elif action == "delete":
                server.delete()
                self.stdout.write(f"Deleted {server.data_dir}.")
            else:
                pid = server.running_pid()
                if pid is None:
                    self.stdout.write(f"Not running (data: {server.data_dir}).")
                else:
                    self.stdout.write(f"Running, process {pid}: {server.url()}")
        except EmbeddedPostgresError as exc:
            raise CommandError(str(exc)) from None

    def _database_name(self) -> str:
        if settings.EMBEDDED_POSTGRES:
            return settings.DATABASES["default"]["NAME"]
        return "crm"
