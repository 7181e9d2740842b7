"""The foreign keys owner and territory (accounts) and account (contacts, orders) lose their
single-column indexes: a composite index leads with each of them (account_owner_name,
account_territory_name, contact_account_role, order_account_date) and serves the same
lookups, while every index is paid for on each insert (imports write 100k accounts or 1M
order lines at a time; the order lines insert about a quarter faster).

Only the indexes are dropped: the foreign-key constraints stay as they are (Django's own
AlterField would drop and re-add them, re-checking every row of big tables)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("accounts_account_owner_id_7b1fcbd0", "accounts_account", "owner_id"),
    ("accounts_account_territory_id_7197e1bf", "accounts_account", "territory_id"),
    ("accounts_contact_account_id_2026f578", "accounts_contact", "account_id"),
    ("accounts_order_account_id_47117414", "accounts_order", "account_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_trigram_search"),
        ("crm", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})",
                )
                for name, table, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="account",
                    name="owner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="accounts",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
                migrations.AlterField(
                    model_name="account",
                    name="territory",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="accounts",
                        to="crm.territory",
                        verbose_name="territory",
                    ),
                ),
                migrations.AlterField(
                    model_name="contact",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contacts",
                        to="accounts.account",
                        verbose_name="account",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="orders",
                        to="accounts.account",
                        verbose_name="account",
                    ),
                ),
            ],
        )
    ]
