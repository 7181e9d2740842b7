"""Each account's `last_visit_date` (accounts 0012) set from its visits, in one statement.

From here on the visit services keep it (visits.services.accounts_last_visit_refresh). One
grouped pass over the visits' index on (account, visit_date) and one UPDATE of the accounts
that have visits (about a minute for a million accounts and five million visits); the others
stay NULL ("never visited"). Backwards: nothing to undo (the field goes with accounts 0012).
"""

from django.db import migrations

FORWARD = [
    "UPDATE accounts_account a SET last_visit_date = v.last_visit "
    "FROM (SELECT account_id, MAX(visit_date) AS last_visit FROM visits_visit "
    "GROUP BY account_id) v "
    "WHERE a.id = v.account_id AND a.last_visit_date IS DISTINCT FROM v.last_visit",
]


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0004_visit_check_in"),
        ("accounts", "0012_account_last_visit_date"),
    ]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
