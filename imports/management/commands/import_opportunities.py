from imports.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import opportunities (deals) from a CSV or Excel file, e.g. a Salesforce or HubSpot "
        "deals export. Mode update: a row whose record ID a deal already has updates it."
    )
    kind = "opportunities"
    owner_note = (
        "Note: no --owner given: deals whose owner is empty or unknown will be owned by "
        "{username}, who is not a sales rep. Give --owner USERNAME to choose the rep."
    )
