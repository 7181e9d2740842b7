from imports.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = "Import accounts with their contacts from a CSV or Excel file (a legacy list)."
    kind = "customers"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--unknown-choices",
            choices=("empty", "other"),
            default="empty",
            help="an unknown channel, buying role or account type: left empty (default) or "
            "set to other; a warning either way",
        )
