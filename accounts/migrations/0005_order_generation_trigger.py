"""A generation counter of the order lines, for caches of figures computed from them.

Any statement that writes `accounts_order` (the ORM, raw SQL, COPY of the imports, TRUNCATE)
bumps the sequence `accounts_order_generation` with a statement-level trigger. A sequence is
non-transactional and `nextval()` takes no lock that others wait for, so writers never contend
on it; readers (the manager dashboard, `scoring.dashboard.selectors`) put its `last_value` in
their cache keys, so that a write makes new keys and the old entries are never read again.
"""

from django.db import migrations

FORWARD = [
    "CREATE SEQUENCE IF NOT EXISTS accounts_order_generation",
    "CREATE OR REPLACE FUNCTION accounts_order_generation_bump() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('accounts_order_generation'); "
    "RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS accounts_order_generation_bump ON accounts_order",
    "CREATE TRIGGER accounts_order_generation_bump "
    "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON accounts_order "
    "FOR EACH STATEMENT EXECUTE FUNCTION accounts_order_generation_bump()",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_order_generation_bump ON accounts_order",
    "DROP FUNCTION IF EXISTS accounts_order_generation_bump()",
    "DROP SEQUENCE IF EXISTS accounts_order_generation",
]


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_drop_fk_indexes_covered_by_composites")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
