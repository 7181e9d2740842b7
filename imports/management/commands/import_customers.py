from imports.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = "Import accounts with their contacts from a CSV or Excel file (a legacy list)."
    kind = "customers"
