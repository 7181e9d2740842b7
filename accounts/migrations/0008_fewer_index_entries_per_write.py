"""Fewer index entries to write with every account and contact, none of them read.

- `account_name_trgm` (a trigram index of UPPER(name)): account searches now find their
  matches through the trigram index of the normalized name alone
  (`accounts.selectors.account_name_search_q`). The names' legal forms (有限公司 in nearly
  every name) made it the costliest index of the table to keep up: about a quarter of the
  time of writing 100k imported accounts.
- `account_territory_name`, `account_tier_name` become partial: a filter by territory or by
  tier A/B/C never reads accounts without one, and imports write many of them.
- `contact_birthday` becomes partial too: the reminders look up given days, and legacy lists
  rarely carry birthdays.
- `contact_email`, `contact_phone`: no query could use them (the contact search compares
  email without case and phone by substring; an import matches contacts in bulk, by hash).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_import_batch_links_without_db_constraint"),
    ]

    operations = [
        migrations.RunSQL(
            ["DROP INDEX IF EXISTS account_name_trgm"],
            [
                "CREATE INDEX IF NOT EXISTS account_name_trgm ON accounts_account "
                "USING gin (UPPER(name) gin_trgm_ops)"
            ],
        ),
        migrations.RemoveIndex(model_name="account", name="account_territory_name"),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                condition=models.Q(territory__isnull=False),
                fields=["territory", "name"],
                name="account_territory_name",
            ),
        ),
        migrations.RemoveIndex(model_name="account", name="account_tier_name"),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                condition=~models.Q(tier=""),
                fields=["tier", "name"],
                name="account_tier_name",
            ),
        ),
        migrations.RemoveIndex(model_name="contact", name="contact_birthday"),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                condition=models.Q(birthday_month__isnull=False),
                fields=["birthday_month", "birthday_day"],
                name="contact_birthday",
            ),
        ),
        migrations.RemoveIndex(model_name="contact", name="contact_email"),
        migrations.RemoveIndex(model_name="contact", name="contact_phone"),
    ]
