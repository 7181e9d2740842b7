"""An index (owner, tier) covering the account id, for the manager dashboard.

The dashboard's live figures join a team's accounts by owner and read their tier: the effort
alignment (visits per owner and tier), the visit plan adherence (overdue A visits) and the
A accounts without a decision maker. With `account_owner_name` (owner, name, id) each of them
fetched every account's heap page for its tier (about 4,000 pages for a team of 4,000 accounts);
this index answers them alone (an index-only scan), which took about 40 ms off the page on
100k accounts. The tier is already indexed (`account_tier_name`), so tier updates by a recompute
were not HOT updates before either; the added write cost is one more small index entry.

Created with SQL, outside the model state, like the trigram indexes of 0003.
"""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS account_owner_tier ON accounts_account (owner_id, tier) "
    "INCLUDE (id)",
]
BACKWARD = ["DROP INDEX IF EXISTS account_owner_tier"]


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_order_generation_trigger")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
