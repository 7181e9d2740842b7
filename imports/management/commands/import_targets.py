from imports.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import targets (quotas) per rep or team, month or quarter, from a CSV or Excel sheet. "
        "Mode update: a target already set for the same rep or team, period and measure changes."
    )
    kind = "targets"
    owner_note = ""
