from imports.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = "Import order lines (sales history) from a CSV or Excel file."
    kind = "orders"
    modes = ("create", "skip")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--create-missing-accounts",
            action="store_true",
            help="create an account for an order whose account is unknown",
        )
