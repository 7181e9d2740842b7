from imports.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import payments received (回款记录) from a CSV or Excel file: contract number, received "
        "on, amount, optional plan entry, reference and advance. A payment that matches no "
        "contract or entry, or is larger than what it pays (unless an advance), is a row error."
    )
    kind = "payments"
