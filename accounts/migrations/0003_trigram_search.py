"""Trigram indexes so that searching names by substring stays fast on big tables."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS account_name_trgm ON accounts_account "
    "USING gin (UPPER(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS account_normalized_name_trgm ON accounts_account "
    "USING gin (normalized_name gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS account_name_trgm",
    "DROP INDEX IF EXISTS account_normalized_name_trgm",
]


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
